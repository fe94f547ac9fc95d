import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { copyTestDatabase, type TestDatabase } from '../../test/support/databases.ts';
import { buildDemo } from './index.ts';

let one: TestDatabase;
let two: TestDatabase;
beforeAll(async () => {
  [one, two] = await Promise.all([copyTestDatabase(inject('siyuTemplate')), copyTestDatabase(inject('siyuTemplate'))]);
});
afterAll(async () => {
  await one.drop();
  await two.drop();
});

const staffOf = (t: TestDatabase, ws: string) =>
  t.db.query('SELECT id, name, email, phone, department, role, status FROM staff WHERE workspace_id = $1 ORDER BY id', [
    ws,
  ]);

test('the same seed builds the same brand; another seed another one', async () => {
  const a = await buildDemo(one.db, { customers: 5000, seed: 42 });
  const b = await buildDemo(two.db, { customers: 5000, seed: 42 });
  expect(a.workspaceId).toBe(b.workspaceId);
  const staffA = await staffOf(one, a.workspaceId);
  expect(staffA).toEqual(await staffOf(two, b.workspaceId));
  expect(staffA).toHaveLength(18); // six at headquarters, two guides a store at least
  const c = await buildDemo(two.db, { customers: 5000, seed: 43, slug: 'other' });
  expect(await staffOf(two, c.workspaceId)).not.toEqual(staffA);
});

test('every role is present and guides are spread across the stores', async () => {
  const demo = await buildDemo(one.db, { customers: 100, seed: 1, slug: 'roles' });
  const rows = await staffOf(one, demo.workspaceId);
  const roles = new Set(rows.map((r) => r.role));
  expect([...roles].sort()).toEqual(['admin', 'analyst', 'auditor', 'guide', 'operator', 'owner']);
  const stores = new Set(rows.filter((r) => r.role === 'guide').map((r) => r.department));
  expect(stores.size).toBe(6);
});
