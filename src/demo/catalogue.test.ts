// The demo shelf `siyu start` seeds: a mall members can spend in, coupons in wallets, and purchase points posted
// through the real ledger (so the ledger check holds and refunds would reverse them).
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { copyTestDatabase, type TestDatabase } from '../../test/support/databases.ts';
import { checkLedger } from '../modules/loyalty/index.ts';
import { seedDemoCatalogue } from './catalogue.ts';
import { buildDemo } from './index.ts';

let t: TestDatabase;
beforeAll(async () => {
  t = await copyTestDatabase(inject('siyuTemplate'));
});
afterAll(() => t?.drop());

const NOW = new Date('2026-11-24T00:00:00+08:00');

test('the demo shelf has templates on sale, a mall, a lottery, coupons in wallets and purchase points that balance', async () => {
  const demo = await buildDemo(t.db, { customers: 400, seed: 5, now: NOW });
  const shelf = await seedDemoCatalogue(t.db, demo.workspaceId, { now: NOW, pointsMembers: 40, couponMembers: 25 });
  expect(shelf).toMatchObject({ templates: 4, rewards: 5, lotteries: 1, coupons: 25 });
  expect(shelf.pointsOrders).toBeGreaterThan(0);

  const [counts] = await t.db.tenant(demo.workspaceId, (tx) =>
    tx.query<Record<string, number>>(
      `SELECT (SELECT count(*)::int FROM coupon_templates WHERE workspace_id = $1 AND status = 'active') AS templates,
              (SELECT count(*)::int FROM rewards WHERE workspace_id = $1 AND active) AS rewards,
              (SELECT count(*)::int FROM coupons WHERE workspace_id = $1 AND status = 'available') AS coupons,
              (SELECT count(*)::int FROM points_balances WHERE workspace_id = $1 AND balance > 0) AS holders,
              (SELECT count(*)::int FROM points_orders WHERE workspace_id = $1 AND earned > 0) AS earning_orders`,
      [demo.workspaceId],
    ),
  );
  expect(counts).toMatchObject({ templates: 4, rewards: 5, coupons: 25 });
  expect(counts?.holders).toBeGreaterThan(0);
  expect(counts?.earning_orders).toBeGreaterThan(0);

  const check = await checkLedger(t.db, { workspaceId: demo.workspaceId, now: NOW });
  expect(check.ok, JSON.stringify(check)).toBe(true);
});
