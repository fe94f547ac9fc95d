// The statistics keeper: tables that grew are analyzed (and only they, and only once per growth), which replans
// the statements cached on every connection, among them the foreign-key checks planned while a table was empty.
import pg from 'pg';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { copyTestDatabase, type TestDatabase } from '../../../test/support/databases.ts';
import { createWorkspace } from '../workspaces.ts';
import { analyzeDueTables, databaseKeepsStatistics, keepStatistics } from './statistics.ts';

let t: TestDatabase;
let workspaceId: string;
/** One connection of its own, so a prepared statement stays where it was planned. */
let session: { query: (sql: string) => Promise<Record<string, unknown>[]>; close: () => Promise<void> };

beforeAll(async () => {
  t = await copyTestDatabase(inject('siyuTemplate'));
  workspaceId = await createWorkspace(t.db, { slug: 'stats', name: 'Stats' });
  if (t.url) {
    const client = new pg.Client({ connectionString: t.url });
    await client.connect();
    session = { query: async (sql) => (await client.query(sql)).rows, close: () => client.end() };
  } else {
    // PGlite has one connection: the handle itself.
    session = { query: (sql) => t.db.query(sql), close: async () => {} };
  }
  await analyzeDueTables(t.db, 0); // whatever the template left due
});
afterAll(async () => {
  await session.close();
  await t.drop();
});

/** Polls: a server publishes a backend's row counts up to a second after its transaction ends. */
async function analyzedWithin(ms: number, wanted: string[]): Promise<string[]> {
  const seen = new Set<string>();
  const until = Date.now() + ms;
  while (Date.now() < until && !wanted.every((w) => seen.has(w))) {
    for (const name of await analyzeDueTables(t.db, 0)) seen.add(name);
    await new Promise((r) => setTimeout(r, 100));
  }
  return [...seen];
}

const changedSinceAnalyze = async (table: string) => {
  const [row] = await t.db.query<{ n: number }>(
    'SELECT n_mod_since_analyze::int AS n FROM pg_stat_user_tables WHERE relname = $1',
    [table],
  );
  return row?.n ?? 0;
};

const indexOf = async (statement: string) => {
  const plan = JSON.stringify(await session.query(`EXPLAIN (FORMAT JSON) EXECUTE ${statement}`));
  return /"Index Name":\s*"([^"]+)"/.exec(plan)?.[1];
};

test('a grown table is analyzed once, which replans the foreign-key check cached while it was empty', async () => {
  // The check PostgreSQL runs for every identity written, as it caches it: one plan for every customer id.
  await session.query(`SET plan_cache_mode = force_generic_plan`);
  await session.query(
    `PREPARE customer_key(uuid, uuid) AS
       SELECT 1 FROM ONLY public.customers x WHERE workspace_id = $1 AND id = $2 FOR KEY SHARE OF x`,
  );
  const args = `customer_key('${workspaceId}', '00000000-0000-0000-0000-000000000000')`;
  await indexOf(args); // planned now, on an empty table, and cached

  await t.db.query(`INSERT INTO customers (workspace_id, seq) SELECT $1, g FROM generate_series(1, 2000) AS g`, [
    workspaceId,
  ]);
  await t.db.query(
    `INSERT INTO customer_identities (workspace_id, kind, value, customer_id)
     SELECT workspace_id, 'user_id', 'u' || seq, id FROM customers WHERE workspace_id = $1`,
    [workspaceId],
  );
  const analyzed = await analyzedWithin(10_000, ['public.customers', 'public.customer_identities']);
  expect(analyzed).toEqual(expect.arrayContaining(['public.customers', 'public.customer_identities']));
  expect(analyzed).not.toContain('public.orders');
  const [stats] = await t.db.query<{ reltuples: number }>(
    `SELECT reltuples::int AS reltuples FROM pg_class WHERE oid = 'public.customers'::regclass`,
  );
  expect(stats?.reltuples).toBe(2000);
  expect(await indexOf(args)).toBe('customers_pkey');

  // Nothing changed since: nothing is due. Changed again within a minute: it waits for the minute to pass.
  expect(await analyzeDueTables(t.db, 0)).toEqual([]);
  await t.db.query(`UPDATE customers SET city = '上海' WHERE workspace_id = $1`, [workspaceId]);
  for (let tries = 0; (await changedSinceAnalyze('customers')) < 2000 && tries < 100; tries++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(await analyzeDueTables(t.db)).toEqual([]);
  expect(await analyzeDueTables(t.db, 0)).toEqual(['public.customers']);
});

test('the keeper runs the checks on its own where the database does not, and stops cleanly', async () => {
  // A server with autovacuum on analyzes by itself, on its own schedule; the keeper then stays idle.
  if (await databaseKeepsStatistics(t.db)) return expect(t.db.kind).toBe('postgres');
  const keeper = keepStatistics(t.db, { intervalMs: 50, spacingMs: 0 });
  await t.db.query(`INSERT INTO customers (workspace_id, seq) SELECT $1, g FROM generate_series(2001, 3000) AS g`, [
    workspaceId,
  ]);
  const until = Date.now() + 10_000;
  let tuples = 0;
  while (Date.now() < until && tuples !== 3000) {
    await new Promise((r) => setTimeout(r, 100));
    const [row] = await t.db.query<{ reltuples: number }>(
      `SELECT reltuples::int AS reltuples FROM pg_class WHERE oid = 'public.customers'::regclass`,
    );
    tuples = row?.reltuples ?? 0;
  }
  await keeper.stop();
  expect(tuples).toBe(3000);
});
