import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { copyTestDatabase, type TestDatabase } from '../../../test/support/databases.ts';
import type { Tx } from '../../platform/db/index.ts';
import { memberPoints, transactionHistory } from './accounts.ts';
import { at, DAY, member, order, type PointsWorld, pointsWorld, tenantOf } from './fixtures/points.ts';
import { findTransaction, lockMember } from './ledger.ts';
import { checkLedger } from './ledger-check.ts';
import { cancelSpend, spendPoints } from './redemption.ts';

let t: TestDatabase;
let w: PointsWorld;
const T0 = at('2026-03-02T10:00:00+08:00');

beforeAll(async () => {
  t = await copyTestDatabase(inject('siyuTemplate'));
  w = await pointsWorld(t.db, 'ledger-core');
});
afterAll(() => t.drop());

const tenant = <T>(fn: (tx: Tx) => Promise<T>) => tenantOf(w)(fn);
const points = (customerId: string, now = T0) => tenant((tx) => memberPoints(tx, w.workspaceId, customerId, now));
const check = async () => {
  const report = await checkLedger(w.db, { workspaceId: w.workspaceId, now: T0 });
  expect(report.violations).toEqual([]);
  return report;
};

test('a paid order earns 1 point per yuan as a lot expiring at the end of its day twelve months later', async () => {
  const c = await member(w, '13900000001', T0);
  await order(w, 'L-1', { phone: '13900000001', paidFen: 12_345, placedAt: T0 }, T0);
  const p = await points(c);
  expect(p.balance).toBe(123);
  expect(p.lots).toEqual([
    expect.objectContaining({ cause: 'purchase', points: 123, remaining: 123, expiresAt: '2027-03-02T16:00:00.000Z' }),
  ]);
  const history = await tenant((tx) => transactionHistory(tx, w.workspaceId, c, {}));
  expect(history.items[0]).toMatchObject({
    kind: 'earn',
    cause: 'purchase',
    amount: 123,
    points: 123,
    balanceAfter: 123,
  });
  expect(history.items[0]?.entries).toEqual([
    { account: 'earned:purchase', amount: -123, lotId: null },
    { account: `member:${c}`, amount: 123, lotId: p.lots[0]?.id },
  ]);
  await check();
});

test('spending with a key used before returns the first transaction and posts nothing again', async () => {
  const c = await member(w, '13900000002', T0);
  await order(w, 'L-2', { phone: '13900000002', paidFen: 50_000, placedAt: T0 }, T0);
  const first = await tenant((tx) => spendPoints(tx, w.workspaceId, c, 120, 'reward', 'reward-order:1', T0));
  const again = await tenant((tx) => spendPoints(tx, w.workspaceId, c, 120, 'reward', 'reward-order:1', T0));
  expect(again.id).toBe(first.id);
  expect((await points(c)).balance).toBe(380);
  await expect(
    tenant((tx) => spendPoints(tx, w.workspaceId, c, 999, 'reward', 'reward-order:2', T0)),
  ).rejects.toMatchObject({
    code: 'points.insufficient_balance',
  });
  await check();
});

test('spends draw first-expiring-first, and a cancel puts the points back into the same lots with their expiry', async () => {
  const c = await member(w, '13900000003', T0);
  await order(w, 'L-3a', { phone: '13900000003', paidFen: 10_000, placedAt: T0 }, T0);
  const later = new Date(T0.getTime() + 40 * DAY);
  await order(w, 'L-3b', { phone: '13900000003', paidFen: 20_000, placedAt: later }, later);
  const before = (await points(c, later)).lots;
  expect(before.map((l) => l.remaining)).toEqual([100, 200]);
  await tenant((tx) => spendPoints(tx, w.workspaceId, c, 150, 'reward', 'reward-order:3', later));
  expect((await points(c, later)).lots.map((l) => [l.id, l.remaining])).toEqual([[before[1]?.id, 150]]);
  await tenant((tx) => cancelSpend(tx, w.workspaceId, 'reward-order:3', later));
  const after = (await points(c, later)).lots;
  expect(after).toEqual(before);
  // Cancelling twice changes nothing.
  await tenant((tx) => cancelSpend(tx, w.workspaceId, 'reward-order:3', later));
  expect((await points(c, later)).balance).toBe(300);
  await check();
});

test('a full refund after the points were spent takes what is left and records the rest as debt, paid off by the next earning', async () => {
  const c = await member(w, '13900000004', T0);
  await order(w, 'L-4a', { phone: '13900000004', paidFen: 10_000, placedAt: T0 }, T0);
  await tenant((tx) => spendPoints(tx, w.workspaceId, c, 70, 'reward', 'reward-order:4', T0));
  await order(w, 'L-4a', { phone: '13900000004', paidFen: 10_000, refundedFen: 10_000, placedAt: T0 }, T0);
  let p = await points(c);
  expect([p.balance, p.debt]).toEqual([0, 70]);
  const reversal = await tenant((tx) => findTransaction(tx, w.workspaceId, `order:${'x'}`));
  expect(reversal).toBeNull();
  await order(w, 'L-4b', { phone: '13900000004', paidFen: 10_000, placedAt: T0 }, T0);
  p = await points(c);
  expect([p.balance, p.debt]).toEqual([30, 0]);
  await check();
});

test('a partial refund reverses the same share of the earned points', async () => {
  const c = await member(w, '13900000005', T0);
  const id = await order(w, 'L-5', { phone: '13900000005', paidFen: 30_000, placedAt: T0 }, T0);
  await order(w, 'L-5', { phone: '13900000005', paidFen: 30_000, refundedFen: 10_000, placedAt: T0 }, T0);
  expect((await points(c)).balance).toBe(200);
  // The same refund seen again posts nothing.
  await order(w, 'L-5', { phone: '13900000005', paidFen: 30_000, refundedFen: 10_000, placedAt: T0 }, T0);
  expect((await points(c)).balance).toBe(200);
  expect(await tenant((tx) => findTransaction(tx, w.workspaceId, `order:${id}:reverse:100`))).toMatchObject({
    kind: 'reverse',
    amount: 100,
  });
  await tenant(async (tx) => {
    const { state } = await lockMember(tx, w.workspaceId, c, T0);
    expect(state.balance).toBe(200);
  });
  await check();
});
