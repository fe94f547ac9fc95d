import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { copyTestDatabase, type TestDatabase } from '../../../test/support/databases.ts';
import { loadMigrations, MigrationError, migrate, migrationStatus } from './migrations.ts';

let t: TestDatabase;
beforeAll(async () => {
  t = await copyTestDatabase(inject('siyuTemplate'));
});
afterAll(() => t.drop());

function moduleDir(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'siyu-mig-'));
  for (const [name, sql] of Object.entries(files)) writeFileSync(path.join(dir, name), sql);
  return dir;
}

test('pending migrations apply in order, once, and are reported by status', async () => {
  const dir = moduleDir({
    '0001_create.sql': 'CREATE TABLE mig_demo (id int PRIMARY KEY);',
    '0002_seed.sql': 'INSERT INTO mig_demo VALUES (1); INSERT INTO mig_demo VALUES (2);',
  });
  const migrations = loadMigrations([{ module: 'demo', dir }]);
  expect(await migrate(t.db, migrations)).toEqual(['demo/0001_create.sql', 'demo/0002_seed.sql']);
  expect(await migrate(t.db, migrations)).toEqual([]);
  const status = await migrationStatus(t.db, migrations);
  expect(status.filter((s) => s.id.startsWith('demo/')).map((s) => s.state)).toEqual(['applied', 'applied']);
  expect((await t.db.query('SELECT * FROM mig_demo')).length).toBe(2);
});

test('an applied migration edited afterwards is refused with a message naming it', async () => {
  const dir = moduleDir({ '0001_create.sql': 'CREATE TABLE mig_edit (id int);' });
  await migrate(t.db, loadMigrations([{ module: 'edit', dir }]));
  writeFileSync(path.join(dir, '0001_create.sql'), 'CREATE TABLE mig_edit (id bigint);');
  const edited = loadMigrations([{ module: 'edit', dir }]);
  expect((await migrationStatus(t.db, edited)).find((s) => s.id === 'edit/0001_create.sql')?.state).toBe('changed');
  await expect(migrate(t.db, edited)).rejects.toThrow(MigrationError);
  await expect(migrate(t.db, edited)).rejects.toThrow(/edited afterwards: edit\/0001_create\.sql/);
});

test('a failing migration rolls back entirely and is not recorded', async () => {
  const dir = moduleDir({ '0001_bad.sql': 'CREATE TABLE mig_bad (id int); SELECT no_such_function();' });
  const migrations = loadMigrations([{ module: 'bad', dir }]);
  await expect(migrate(t.db, migrations)).rejects.toThrow(/bad\/0001_bad\.sql failed/);
  expect(await t.db.query(`SELECT 1 FROM pg_tables WHERE tablename = 'mig_bad'`)).toHaveLength(0);
  expect((await migrationStatus(t.db, migrations))[0]?.state).toBe('pending');
});

test('badly named migration files are refused', () => {
  const dir = moduleDir({ 'create users.sql': 'SELECT 1;' });
  expect(() => loadMigrations([{ module: 'x', dir }])).toThrow(/NNNN_snake_case/);
});

test.skipIf(process.env.SIYU_TEST_DB !== 'postgres')('concurrent migrators apply each file exactly once', async () => {
  const dir = moduleDir({
    '0001_a.sql': 'CREATE TABLE mig_race (n int);',
    '0002_b.sql': 'INSERT INTO mig_race VALUES (1);',
  });
  const migrations = loadMigrations([{ module: 'race', dir }]);
  const results = await Promise.all([migrate(t.db, migrations), migrate(t.db, migrations), migrate(t.db, migrations)]);
  expect(results.flat().sort()).toEqual(['race/0001_a.sql', 'race/0002_b.sql']);
  expect(await t.db.query('SELECT * FROM mig_race')).toHaveLength(1);
});
