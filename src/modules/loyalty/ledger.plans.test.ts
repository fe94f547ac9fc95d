// A posting's foreign-key checks are planned once per connection and the plan is kept. Planned while the ledger is
// still empty they must look the referenced row up by its key: a plan through an index that merely leads with
// workspace_id would make every later check scan the workspace's whole ledger (0007_transaction_index_order.sql).
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { copyTestDatabase, type TestDatabase } from '../../../test/support/databases.ts';

let t: TestDatabase;
beforeAll(async () => {
  t = await copyTestDatabase(inject('siyuTemplate'));
});
afterAll(() => t.drop());

/**
 * The tables every posting inserts into. (A member's balance row is inserted once, at the first posting: its check of
 * customers is not on the path, and customers' own indexes are the customers module's concern.)
 */
const POSTING_TABLES = ['points_transactions', 'points_lots', 'points_entries', 'outbox_events'];

interface ForeignKey {
  name: string;
  child: string;
  parent: string;
  /** `col = $n` for each referenced column, as PostgreSQL's check writes it. */
  quals: string;
  types: string[];
}

test('every foreign-key check of a posting, planned on empty tables, finds the row by the referenced key', async () => {
  const fks = await t.db.query<ForeignKey>(
    `SELECT c.conname AS name, c.conrelid::regclass::text AS child, c.confrelid::regclass::text AS parent,
            string_agg(format('%I = $%s', a.attname, k.n), ' AND ' ORDER BY k.n) AS quals,
            array_agg(format_type(a.atttypid, a.atttypmod) ORDER BY k.n) AS types
       FROM pg_constraint c
       CROSS JOIN LATERAL unnest(c.confkey) WITH ORDINALITY k(att, n)
       JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.att
      WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY($1)
      GROUP BY c.conname, c.conrelid, c.confrelid`,
    [POSTING_TABLES],
  );
  expect(fks.map((fk) => `${fk.child} → ${fk.parent}`)).toEqual(
    expect.arrayContaining(['points_entries → points_transactions', 'points_lots → points_transactions']),
  );
  for (const fk of fks) {
    const index = await t.db.transaction(async (tx) => {
      // The referenced table as it is on a new database: its columns and indexes, no rows, no statistics.
      await tx.exec(`CREATE TEMP TABLE fk_probe (LIKE ${fk.parent} INCLUDING INDEXES) ON COMMIT DROP`);
      await tx.exec('SET LOCAL plan_cache_mode = force_generic_plan');
      await tx.exec(
        `PREPARE fk_check (${fk.types.join(', ')}) AS SELECT 1 FROM ONLY fk_probe x WHERE ${fk.quals} FOR KEY SHARE OF x`,
      );
      const rows = await tx.query<{ 'QUERY PLAN': unknown }>(
        `EXPLAIN (FORMAT JSON) EXECUTE fk_check (${fk.types.map(() => 'NULL').join(', ')})`,
      );
      await tx.exec('DEALLOCATE fk_check');
      const plan = JSON.stringify(rows[0]?.['QUERY PLAN']);
      return /"Index Name":"([^"]+)"/.exec(plan)?.[1] ?? plan;
    });
    expect(index, `${fk.name}: ${fk.child} → ${fk.parent}`).toBe('fk_probe_pkey');
  }
});
