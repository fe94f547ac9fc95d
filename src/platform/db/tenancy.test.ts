import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { copyTestDatabase, type TestDatabase } from '../../../test/support/databases.ts';
import { addStaff, createWorkspace } from '../workspaces.ts';

let t: TestDatabase;
let a: string;
let b: string;

beforeAll(async () => {
  t = await copyTestDatabase(inject('siyuTemplate'));
  a = await createWorkspace(t.db, { slug: 'brand-a', name: 'A' });
  b = await createWorkspace(t.db, { slug: 'brand-b', name: 'B' });
  await addStaff(t.db, a, [{ name: 'Alice', email: 'alice@a.test', role: 'owner', password: 'password-a-123' }]);
  await addStaff(t.db, b, [{ name: 'Bob', email: 'bob@b.test', role: 'owner', password: 'password-b-123' }]);
});
afterAll(() => t.drop());

test('a tenant query that forgets the workspace filter sees only its own workspace', async () => {
  const rows = await t.db.tenant(a, (tx) => tx.query<{ name: string }>('SELECT name FROM staff'));
  expect(rows.map((r) => r.name)).toEqual(['Alice']);
  const workspaces = await t.db.tenant(b, (tx) => tx.query<{ slug: string }>('SELECT slug FROM workspaces'));
  expect(workspaces.map((w) => w.slug)).toEqual(['brand-b']);
});

test('a tenant transaction cannot change or create another workspace’s rows', async () => {
  const updated = await t.db.tenant(a, (tx) =>
    tx.query(`UPDATE staff SET name = 'hacked' WHERE workspace_id = $1 RETURNING id`, [b]),
  );
  expect(updated).toHaveLength(0);
  const deleted = await t.db.tenant(a, (tx) => tx.query('DELETE FROM staff RETURNING id'));
  expect(deleted).toHaveLength(1); // only Alice, A's own row
  await expect(
    t.db.tenant(a, (tx) =>
      tx.query(`INSERT INTO staff (workspace_id, name, email, role) VALUES ($1, 'Mallory', 'm@b.test', 'owner')`, [b]),
    ),
  ).rejects.toThrow(/row-level security/);
  const bob = await t.db.query<{ name: string }>('SELECT name FROM staff WHERE workspace_id = $1', [b]);
  expect(bob.map((r) => r.name)).toEqual(['Bob']);
});

test('a transaction that runs as the tenant role without a workspace sees nothing', async () => {
  const rows = await t.db.transaction(async (tx) => {
    await tx.query('SET LOCAL ROLE siyu_app');
    return tx.query('SELECT * FROM staff');
  });
  expect(rows).toHaveLength(0);
});

test('the workspace setting does not leak into the next transaction on the same connection', async () => {
  await t.db.tenant(a, (tx) => tx.query('SELECT 1'));
  const rows = await t.db.transaction(async (tx) =>
    tx.query<{ ws: string | null }>('SELECT siyu_current_workspace() AS ws'),
  );
  expect(rows[0]?.ws).toBeNull();
});

test('every table with a workspace_id column is behind row-level security', async () => {
  const unprotected = await t.db.query<{ table_name: string }>(
    `SELECT c.table_name FROM information_schema.columns c
       JOIN pg_class p ON p.relname = c.table_name AND p.relkind IN ('r', 'p')
       JOIN pg_namespace n ON n.oid = p.relnamespace AND n.nspname = 'public'
      WHERE c.table_schema = 'public' AND c.column_name = 'workspace_id' AND NOT p.relrowsecurity`,
  );
  expect(unprotected.map((r) => r.table_name)).toEqual([]);
});
