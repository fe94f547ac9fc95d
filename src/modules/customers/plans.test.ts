// Foreign-key checks into customers are planned once per connection and the plan is kept. Planned while customers is
// still empty they must find the row by its key: a plan through an index that merely leads with workspace_id makes
// every later check read all of the workspace's customers (0004_seq_key_partial.sql).
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { copyTestDatabase, type TestDatabase } from '../../../test/support/databases.ts';

let t: TestDatabase;
beforeAll(async () => {
  t = await copyTestDatabase(inject('siyuTemplate'));
});
afterAll(() => t.drop());

/** The index a check of customers by (workspace_id, id) uses when planned on an empty copy of the table. */
async function checkIndexOnEmpty(check: string, types: string): Promise<string> {
  return t.db.transaction(async (tx) => {
    await tx.exec('CREATE TEMP TABLE fk_probe (LIKE customers INCLUDING INDEXES) ON COMMIT DROP');
    await tx.exec('SET LOCAL plan_cache_mode = force_generic_plan');
    await tx.exec(`PREPARE probe (${types}) AS ${check}`);
    const rows = await tx.query<{ 'QUERY PLAN': unknown }>(
      `EXPLAIN (FORMAT JSON) EXECUTE probe (${types
        .split(',')
        .map(() => 'NULL')
        .join(', ')})`,
    );
    await tx.exec('DEALLOCATE probe');
    const plan = JSON.stringify(rows[0]?.['QUERY PLAN']);
    return /"Index Name":"([^"]+)"/.exec(plan)?.[1] ?? plan;
  });
}

test('a foreign-key check into an empty customers table is planned on the primary key', async () => {
  const referencing = await t.db.query<{ child: string; columns: string[] }>(
    `SELECT c.conrelid::regclass::text AS child,
            array_agg(a.attname::text ORDER BY k.n) AS columns
       FROM pg_constraint c
       CROSS JOIN LATERAL unnest(c.confkey) WITH ORDINALITY k(att, n)
       JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.att
      WHERE c.contype = 'f' AND c.confrelid = 'customers'::regclass
      GROUP BY c.conname, c.conrelid`,
  );
  // Every table that points at a customer does it by (workspace_id, id): one check to plan.
  expect(referencing.length).toBeGreaterThan(10);
  expect(new Set(referencing.map((r) => r.columns.join(',')))).toEqual(new Set(['workspace_id,id']));
  expect(
    await checkIndexOnEmpty(
      'SELECT 1 FROM ONLY fk_probe x WHERE workspace_id = $1 AND id = $2 FOR KEY SHARE OF x',
      'uuid, uuid',
    ),
  ).toBe('fk_probe_pkey');
});

test('customer numbers stay unique per workspace, and look-ups by number still use their index', async () => {
  const [workspace] = await t.db.query<{ id: string }>(
    `INSERT INTO workspaces (slug, name) VALUES ('seq-key', 'Seq') RETURNING id`,
  );
  await t.db.query(`INSERT INTO customers (workspace_id, seq) VALUES ($1, 1)`, [workspace?.id]);
  await expect(t.db.query(`INSERT INTO customers (workspace_id, seq) VALUES ($1, 1)`, [workspace?.id])).rejects.toThrow(
    /customers_seq/,
  );
  expect(await checkIndexOnEmpty('SELECT id FROM fk_probe WHERE workspace_id = $1 AND seq = $2', 'uuid, bigint')).toBe(
    'fk_probe_workspace_id_seq_idx',
  );
});
