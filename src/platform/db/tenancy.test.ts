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

test('rows appended in a tenant transaction land in its workspace, and a failed append rolls back to a savepoint', async () => {
  const customer = '00000000-0000-4000-8000-00000000a001';
  const row = (messageId: string, properties: Record<string, unknown>) => [
    customer,
    'track',
    'Tab\tand\nnewline',
    properties,
    null,
    new Date('2026-01-02T03:04:05.678Z'),
    new Date('2026-01-02T03:04:06.000Z'),
    messageId,
  ];
  const columns = ['customer_id', 'type', 'name', 'properties', 'channel', 'occurred_at', 'received_at', 'message_id'];
  const outcome = await t.db.tenant(a, async (tx) => {
    await tx.append('events', columns, [row('append-1', { note: 'back\\slash 中文' }), row('append-2', {})]);
    // The same messageId again fails on the unique index; the transaction goes on from the savepoint.
    const failed = await tx.append('events', columns, [row('append-3', {}), row('append-1', {})], 'again').then(
      () => null,
      (err: { code?: string }) => err.code,
    );
    await tx.append('events', columns, [row('append-4', {})], 'again');
    // Still confined to the workspace after the owner-rights COPY: another workspace's rows stay invisible.
    const visible = await tx.query<{ slug: string }>('SELECT slug FROM workspaces');
    return { failed, visible: visible.map((w) => w.slug) };
  });
  expect(outcome).toEqual({ failed: '23505', visible: ['brand-a'] });
  const stored = await t.db.query<{ workspace_id: string; name: string; properties: unknown; occurred_at: Date }>(
    `SELECT workspace_id, name, properties, occurred_at FROM events WHERE customer_id = $1 ORDER BY message_id`,
    [customer],
  );
  expect(stored.map((r) => r.workspace_id)).toEqual([a, a, a]); // append-1, -2 and -4, not -3
  expect(stored[0]).toMatchObject({ name: 'Tab\tand\nnewline', properties: { note: 'back\\slash 中文' } });
  expect(stored[0]?.occurred_at.toISOString()).toBe('2026-01-02T03:04:05.678Z');
  // A text value is taken as already serialised JSON (what ingestion passes for properties).
  await t.db.tenant(b, (tx) =>
    tx.append('events', columns, [
      [...row('append-json', {}).slice(0, 3), '{"k":1}', ...row('', {}).slice(4, 7), 'append-json'],
    ]),
  );
  const [json] = await t.db.query<{ workspace_id: string; properties: unknown }>(
    `SELECT workspace_id, properties FROM events WHERE message_id = 'append-json'`,
  );
  expect(json).toEqual({ workspace_id: b, properties: { k: 1 } });
});
