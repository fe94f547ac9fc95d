// The demo brand's members, enrolled in bulk from its loaded history: about a third of the customers, better
// customers more often, each with a valid unique card and invite code, growth equal to their last year of orders,
// the tier that growth reaches, and the same for the same seed.
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { copyTestDatabase, type TestDatabase } from '../../../test/support/databases.ts';
import { buildDemo, type DemoResult } from '../../demo/index.ts';
import { validCardNo } from './members.ts';

let t: TestDatabase;
let demo: DemoResult;
const NOW = new Date('2026-11-24T00:00:00+08:00');

beforeAll(async () => {
  t = await copyTestDatabase(inject('siyuTemplate'));
  demo = await buildDemo(t.db, { customers: 3000, seed: 7, now: NOW });
});
afterAll(() => t.drop());

test('about a third of the customers join, the better customers more often', async () => {
  expect(demo.members / demo.customers).toBeGreaterThan(0.28);
  expect(demo.members / demo.customers).toBeLessThan(0.42);
  const [share] = await t.db.query<{ spenders: number; others: number }>(
    `WITH spend AS (SELECT customer_id, sum(paid_fen - refunded_fen) AS net FROM orders
                     WHERE workspace_id = $1 AND status IN ('paid', 'partially_refunded') GROUP BY customer_id)
     SELECT avg((m.customer_id IS NOT NULL)::int) FILTER (WHERE s.net >= 30000)::float AS spenders,
            avg((m.customer_id IS NOT NULL)::int) FILTER (WHERE coalesce(s.net, 0) < 10000)::float AS others
       FROM customers c LEFT JOIN spend s ON s.customer_id = c.id
       LEFT JOIN members m ON m.workspace_id = c.workspace_id AND m.customer_id = c.id
      WHERE c.workspace_id = $1`,
    [demo.workspaceId],
  );
  expect(share!.spenders).toBeGreaterThan(share!.others * 2);
  const statuses = await t.db.query<{ member_status: string; n: number }>(
    `SELECT c.member_status, count(*)::int AS n FROM members m JOIN customers c ON c.workspace_id = m.workspace_id
       AND c.id = m.customer_id WHERE m.workspace_id = $1 GROUP BY 1`,
    [demo.workspaceId],
  );
  expect(statuses).toEqual([{ member_status: 'member', n: demo.members }]);
});

test('cards and invite codes are valid and unique; growth adds up and reaches the tier held', async () => {
  const rows = await t.db.query<{
    card_no: string;
    invite_code: string;
    growth: number;
    entries: number;
    code: string;
    reached: string;
    history: string;
  }>(
    `SELECT m.card_no, m.invite_code, m.growth,
            coalesce((SELECT sum(amount) FROM growth_entries g WHERE g.workspace_id = m.workspace_id
                        AND g.customer_id = m.customer_id), 0)::bigint AS entries,
            t.code,
            (SELECT code FROM tiers x WHERE x.workspace_id = m.workspace_id AND x.growth_threshold <= m.growth
              ORDER BY rank DESC LIMIT 1) AS reached,
            (SELECT string_agg(reason, ',' ORDER BY id) FROM tier_history h WHERE h.workspace_id = m.workspace_id
              AND h.customer_id = m.customer_id) AS history
       FROM members m JOIN tiers t ON t.workspace_id = m.workspace_id AND t.id = m.tier_id
      WHERE m.workspace_id = $1`,
    [demo.workspaceId],
  );
  expect(rows).toHaveLength(demo.members);
  expect(rows.filter((r) => !validCardNo(r.card_no))).toEqual([]);
  expect(new Set(rows.map((r) => r.card_no)).size).toBe(rows.length);
  expect(rows.filter((r) => !/^[2-9A-HJ-NP-Z]{8}$/.test(r.invite_code))).toEqual([]);
  expect(new Set(rows.map((r) => r.invite_code)).size).toBe(rows.length);
  expect(rows.filter((r) => Number(r.growth) !== Number(r.entries))).toEqual([]);
  expect(rows.filter((r) => r.code !== r.reached)).toEqual([]);
  expect(rows.filter((r) => r.history !== (r.code === 'normal' ? 'join' : 'join,upgrade'))).toEqual([]);
  const tiers = new Set(rows.map((r) => r.code));
  expect(tiers.has('normal') && tiers.has('silver')).toBe(true);
});

test('the same seed enrols the same members with the same cards', async () => {
  const other = await copyTestDatabase(inject('siyuTemplate'));
  try {
    const again = await buildDemo(other.db, { customers: 3000, seed: 7, now: NOW });
    const cards = (db: TestDatabase, ws: string) =>
      db.db.query(
        `SELECT m.customer_id, m.card_no, m.invite_code, t.code, m.growth
           FROM members m JOIN tiers t ON t.workspace_id = m.workspace_id AND t.id = m.tier_id
          WHERE m.workspace_id = $1 ORDER BY m.customer_id`,
        [ws],
      );
    expect(await cards(other, again.workspaceId)).toEqual(await cards(t, demo.workspaceId));
  } finally {
    await other.drop();
  }
});
