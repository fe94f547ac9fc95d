import { afterAll, expect, inject, test } from 'vitest';
import { copyTestDatabase } from './support/databases.ts';

const t = await copyTestDatabase(inject('siyuTemplate'));
afterAll(() => t.drop());

test('migrated', async () => {
  const rows = await t.db.query<{ n: number }>('SELECT count(*) AS n FROM schema_migrations');
  expect(rows[0]?.n).toBeGreaterThan(0);
});
