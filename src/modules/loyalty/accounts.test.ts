// A member's points follow customer merges: a transfer transaction moves the lots (same expiry) and any debt to the
// survivor, refunds and cancellations after the merge land on the survivor, and unmerge gives back what is left.
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { copyTestDatabase, type TestDatabase } from '../../../test/support/databases.ts';
import type { Tx } from '../../platform/db/index.ts';
import { mergeCustomers, unmergeCustomers } from '../customers/index.ts';
import { memberPoints, transactionHistory } from './accounts.ts';
import { at, DAY, member, order, type PointsWorld, pointsWorld, tenantOf } from './fixtures/points.ts';
import { checkLedger } from './ledger-check.ts';
import { cancelRedemption, redeem, spendPoints } from './redemption.ts';

let t: TestDatabase;
let w: PointsWorld;
// Far ahead of the wall clock the merge participant reads: no lot of these tests is ever due by it.
const T0 = at('2040-03-01T10:00:00+08:00');

beforeAll(async () => {
  t = await copyTestDatabase(inject('siyuTemplate'));
  w = await pointsWorld(t.db, 'points-merge');
});
afterAll(() => t.drop());

const tenant = <T>(fn: (tx: Tx) => Promise<T>) => tenantOf(w)(fn);
const pointsOf = (id: string, now = T0) => tenant((tx) => memberPoints(tx, w.workspaceId, id, now));
const check = async () =>
  expect((await checkLedger(w.db, { workspaceId: w.workspaceId, now: T0 })).violations).toEqual([]);

test('a merge moves lots with their expiry and pays the survivor’s debt from them; unmerge returns what is left', async () => {
  const x = await member(w, '13400000001', T0);
  const y = await member(w, '13400000002', T0);
  // x owes 30: a refunded order whose points were spent.
  await order(w, 'M-X1', { phone: '13400000001', paidFen: 3_000, placedAt: T0 }, T0);
  await tenant((tx) => spendPoints(tx, w.workspaceId, x, 30, 'reward', 'm-x-spend', T0));
  await order(w, 'M-X1', { phone: '13400000001', paidFen: 3_000, refundedFen: 3_000, placedAt: T0 }, T0);
  // y holds two lots of 100 with different expiry.
  await order(w, 'M-Y1', { phone: '13400000002', paidFen: 10_000, placedAt: T0 }, T0);
  const later = new Date(T0.getTime() + 10 * DAY);
  await order(w, 'M-Y2', { phone: '13400000002', paidFen: 10_000, placedAt: later }, later);
  expect([(await pointsOf(x)).debt, (await pointsOf(y)).balance]).toEqual([30, 200]);
  const yLots = (await pointsOf(y)).lots;

  const mergeId = await tenant((tx) => mergeCustomers(tx, w.participants, w.workspaceId, x, y, 'test'));
  const merged = await pointsOf(x);
  expect([merged.balance, merged.debt]).toEqual([170, 0]);
  expect(merged.lots.map((l) => [l.expiresAt, l.remaining])).toEqual([
    [yLots[0]?.expiresAt, 70],
    [yLots[1]?.expiresAt, 100],
  ]);
  expect((await pointsOf(y)).balance).toBe(0);
  const transfer = (await tenant((tx) => transactionHistory(tx, w.workspaceId, x, { limit: 1 }))).items[0];
  expect(transfer).toMatchObject({ kind: 'transfer', cause: 'merge', points: 170, debtChange: -30 });
  await check();

  // The survivor spends 50 (from the first moved lot); unmerge gives y back what is left of each moved lot.
  await tenant((tx) => spendPoints(tx, w.workspaceId, x, 50, 'reward', 'm-x-spend-2', later));
  await tenant((tx) => unmergeCustomers(tx, w.participants, w.workspaceId, mergeId));
  const back = await pointsOf(y);
  expect(back.lots.map((l) => [l.id, l.remaining])).toEqual([
    [yLots[0]?.id, 20],
    [yLots[1]?.id, 100],
  ]);
  expect(await pointsOf(x)).toMatchObject({ balance: 0, debt: 0 });
  await check();
});

test('after a merge, a refund of the merged profile’s order and a cancel of its redemption land on the survivor', async () => {
  const x = await member(w, '13400000011', T0);
  const y = await member(w, '13400000012', T0);
  await order(w, 'M-Y3', { phone: '13400000012', paidFen: 40_000, placedAt: T0 }, T0);
  await tenant((tx) =>
    redeem(tx, w.workspaceId, { customerId: y, orderNo: 'M-SHOP', orderAmountFen: 100_000, points: 100 }, null, T0),
  );
  const yLot = (await pointsOf(y)).lots[0];
  await tenant((tx) => mergeCustomers(tx, w.participants, w.workspaceId, x, y, 'test'));
  expect((await pointsOf(x)).balance).toBe(300);

  const afterwards = new Date(T0.getTime() + DAY);
  await order(w, 'M-Y3', { phone: '13400000012', paidFen: 40_000, refundedFen: 20_000, placedAt: T0 }, afterwards);
  expect((await pointsOf(x)).balance).toBe(100);
  const cancelled = await tenant((tx) => cancelRedemption(tx, w.workspaceId, 'M-SHOP', afterwards));
  expect(cancelled).toMatchObject({ status: 'cancelled', customerId: x, balance: 200 });
  // The returned points are a new lot of the survivor with the original lot's expiry.
  const lots = (await pointsOf(x)).lots;
  expect(lots.filter((l) => l.expiresAt === yLot?.expiresAt).reduce((s, l) => s + l.remaining, 0)).toBe(200);
  await check();
});
