// Earn rules: tier multiplier, purchase and interaction caps, check-in streaks, invite qualification, tasks, and who
// may earn at all.
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { copyTestDatabase, type TestDatabase } from '../../../test/support/databases.ts';
import type { PointsRules } from '../../contracts/points.ts';
import type { Tx } from '../../platform/db/index.ts';
import { memberPoints, transactionHistory } from './accounts.ts';
import { checkIn, checkInPoints } from './checkins.ts';
import { recordInteraction } from './earn-rules.ts';
import {
  at,
  customer,
  DAY,
  inviteCodeOf,
  member,
  order,
  type PointsWorld,
  pointsWorld,
  setTier,
  tenantOf,
} from './fixtures/points.ts';
import { findTransaction } from './ledger.ts';
import { checkLedger } from './ledger-check.ts';
import { DEFAULT_RULES, setRulesNow } from './rule-changes.ts';
import { completeTask, createTask } from './tasks.ts';

let t: TestDatabase;
let w: PointsWorld;
const T0 = at('2026-04-01T09:00:00+08:00');

beforeAll(async () => {
  t = await copyTestDatabase(inject('siyuTemplate'));
  w = await pointsWorld(t.db, 'earn-rules');
  // Caps on purchases, to see them bite; the rest as shipped.
  const rules: PointsRules = {
    ...DEFAULT_RULES,
    purchase: { ...DEFAULT_RULES.purchase, dailyCap: 500, monthlyCap: 800 },
  };
  await w.db.tenant(w.workspaceId, (tx) =>
    setRulesNow(tx, w.workspaceId, rules, 'test', at('2026-01-01T00:00:00+08:00')),
  );
});
afterAll(async () => {
  const report = await checkLedger(t.db, { workspaceId: w.workspaceId, now: T0 });
  expect(report.violations).toEqual([]);
  await t.drop();
});

const tenant = <T>(fn: (tx: Tx) => Promise<T>) => tenantOf(w)(fn);
const balance = async (customerId: string) =>
  (await tenant((tx) => memberPoints(tx, w.workspaceId, customerId, T0))).balance;

test('purchase points follow the tier multiplier and stop at the daily and monthly caps', async () => {
  const c = await member(w, '13800000101', T0);
  await setTier(w, c, 'gold');
  await order(w, 'E-1', { phone: '13800000101', paidFen: 10_050, placedAt: T0 }, T0);
  expect(await balance(c)).toBe(150); // ⌊100.50 yuan × 1.5⌋
  await order(w, 'E-2', { phone: '13800000101', paidFen: 40_000, placedAt: T0 }, T0);
  expect(await balance(c)).toBe(500); // 600 earned would pass the daily cap of 500
  const next = new Date(T0.getTime() + DAY);
  await order(w, 'E-3', { phone: '13800000101', paidFen: 40_000, placedAt: next }, next);
  expect(await balance(c)).toBe(800); // the monthly cap of 800
  const e2 = await tenant((tx) => transactionHistory(tx, w.workspaceId, c, {}));
  expect(e2.items.find((i) => i.details.orderNo === 'E-2')?.details).toMatchObject({
    cappedFrom: 600,
    multiplierPct: 150,
  });
});

test('orders placed before joining, unpaid orders and customers who are not members earn nothing', async () => {
  const before = at('2026-03-20T12:00:00+08:00');
  const c = await member(w, '13800000102', T0);
  await order(w, 'E-10', { phone: '13800000102', paidFen: 10_000, placedAt: before }, T0);
  await order(w, 'E-11', { phone: '13800000102', paidFen: 10_000, placedAt: T0, status: 'pending' }, T0);
  expect(await balance(c)).toBe(0);
  // Paid later: the order earns when it is paid.
  await order(w, 'E-11', { phone: '13800000102', paidFen: 10_000, placedAt: T0 }, T0);
  expect(await balance(c)).toBe(100);
  const stranger = await customer(w, '13800000103', T0);
  await order(w, 'E-12', { phone: '13800000103', paidFen: 10_000, placedAt: T0 }, T0);
  expect(await balance(stranger)).toBe(0);
  await expect(tenant((tx) => checkIn(tx, w.workspaceId, stranger, T0))).rejects.toMatchObject({
    code: 'points.not_a_member',
  });
});

test('check-in streaks earn the daily points plus the bonus of day 3 and day 7, repeating every 7 days', async () => {
  expect([1, 2, 3, 4, 5, 6, 7, 8, 10, 14].map((d) => checkInPoints(DEFAULT_RULES.checkIn, d))).toEqual([
    2, 2, 7, 2, 2, 2, 22, 2, 7, 22,
  ]);
  const c = await member(w, '13800000104', T0);
  const days = [0, 1, 2, 3, 4, 5, 6, 8];
  const results = [];
  for (const d of days)
    results.push(await tenant((tx) => checkIn(tx, w.workspaceId, c, new Date(T0.getTime() + d * DAY))));
  expect(results.map((r) => [r.date, r.streak, r.points])).toEqual([
    ['2026-04-01', 1, 2],
    ['2026-04-02', 2, 2],
    ['2026-04-03', 3, 7],
    ['2026-04-04', 4, 2],
    ['2026-04-05', 5, 2],
    ['2026-04-06', 6, 2],
    ['2026-04-07', 7, 22],
    ['2026-04-09', 1, 2],
  ]);
  // Twice the same day: the first check-in is answered, nothing is earned again.
  const again = await tenant((tx) => checkIn(tx, w.workspaceId, c, new Date(T0.getTime() + 8 * DAY + 3_600_000)));
  expect(again).toMatchObject({ created: false, streak: 1, points: 2 });
  expect(await balance(c)).toBe(41);
  const events = await tenant((tx) =>
    tx.query<{ payload: { date: string; streak: number } }>(
      `SELECT payload FROM domain_events WHERE type = 'member.checked_in' AND payload->>'customerId' = $1 ORDER BY id`,
      [c],
    ),
  );
  expect(events.map((e) => e.payload.streak)).toEqual([1, 2, 3, 4, 5, 6, 7, 1]);
});

test('the local day decides: a check-in just after midnight in Shanghai is the next day', async () => {
  const c = await member(w, '13800000105', T0);
  const late = await tenant((tx) => checkIn(tx, w.workspaceId, c, at('2026-04-10T23:59:00+08:00')));
  const early = await tenant((tx) => checkIn(tx, w.workspaceId, c, at('2026-04-11T00:01:00+08:00')));
  expect([late.date, early.date, early.streak]).toEqual(['2026-04-10', '2026-04-11', 2]);
});

test('community interactions earn 10 each up to 30 a day, and a key is counted once', async () => {
  const c = await member(w, '13800000106', T0);
  const results = [];
  for (let i = 1; i <= 4; i++) {
    results.push(
      await tenant((tx) =>
        recordInteraction(tx, w.workspaceId, { customerId: c, kind: 'group_message', key: `msg-${i}` }, T0),
      ),
    );
  }
  expect(results.map((r) => [r.points, r.capped])).toEqual([
    [10, false],
    [10, false],
    [10, false],
    [0, true],
  ]);
  const replay = await tenant((tx) =>
    recordInteraction(tx, w.workspaceId, { customerId: c, kind: 'group_message', key: 'msg-1' }, T0),
  );
  expect(replay).toMatchObject({ points: 10, created: false });
  const tomorrow = new Date(T0.getTime() + DAY);
  const next = await tenant((tx) =>
    recordInteraction(tx, w.workspaceId, { customerId: c, kind: 'share', key: 'msg-5' }, tomorrow),
  );
  expect(next.points).toBe(10);
  expect(await balance(c)).toBe(40);
  const other = await member(w, '13800000107', T0);
  await expect(
    tenant((tx) => recordInteraction(tx, w.workspaceId, { customerId: other, kind: 'share', key: 'msg-5' }, tomorrow)),
  ).rejects.toMatchObject({ code: 'points.key_reused' });
});

test('an invite pays the inviter once the invitee pays an order, once, and is taken back if that order is refunded in full', async () => {
  const inviter = await member(w, '13800000108', T0);
  const code = await inviteCodeOf(w, inviter);
  const invitee = await member(w, '13800000109', T0, { inviteCode: code });
  await order(w, 'I-1', { phone: '13800000109', paidFen: 5_000, placedAt: T0, status: 'pending' }, T0);
  expect(await balance(inviter)).toBe(0);
  await order(w, 'I-1', { phone: '13800000109', paidFen: 5_000, placedAt: T0 }, T0);
  expect(await balance(inviter)).toBe(50);
  await order(w, 'I-2', { phone: '13800000109', paidFen: 8_000, placedAt: T0 }, T0);
  expect(await balance(inviter)).toBe(50);
  expect(await tenant((tx) => findTransaction(tx, w.workspaceId, `invite:${invitee}`))).toMatchObject({
    customer_id: inviter,
    amount: 50,
    cause: 'invite',
  });
  await order(w, 'I-1', { phone: '13800000109', paidFen: 5_000, refundedFen: 5_000, placedAt: T0 }, T0);
  expect(await balance(inviter)).toBe(0);
  expect(await balance(invitee)).toBe(80);
});

test('tasks: once per member, once a day, or repeatable with a key; each completion is announced', async () => {
  const c = await member(w, '13800000110', T0);
  const profile = await tenant((tx) =>
    createTask(tx, w.workspaceId, { name: '完善资料', points: 30, frequency: 'once' }, T0),
  );
  const daily = await tenant((tx) =>
    createTask(tx, w.workspaceId, { name: '浏览新品', points: 5, frequency: 'daily' }, T0),
  );
  const review = await tenant((tx) =>
    createTask(tx, w.workspaceId, { name: '晒单评价', points: 20, frequency: 'repeatable' }, T0),
  );
  const first = await tenant((tx) => completeTask(tx, w.workspaceId, profile.id, { customerId: c }, T0));
  const second = await tenant((tx) => completeTask(tx, w.workspaceId, profile.id, { customerId: c }, T0));
  expect([first.created, second.created, second.points]).toEqual([true, false, 30]);
  await tenant((tx) => completeTask(tx, w.workspaceId, daily.id, { customerId: c }, T0));
  await tenant((tx) => completeTask(tx, w.workspaceId, daily.id, { customerId: c }, new Date(T0.getTime() + DAY)));
  await expect(tenant((tx) => completeTask(tx, w.workspaceId, review.id, { customerId: c }, T0))).rejects.toMatchObject(
    {
      code: 'points.task_key_required',
    },
  );
  await tenant((tx) => completeTask(tx, w.workspaceId, review.id, { customerId: c, key: 'order-1' }, T0));
  await tenant((tx) => completeTask(tx, w.workspaceId, review.id, { customerId: c, key: 'order-2' }, T0));
  expect(await balance(c)).toBe(30 + 10 + 40);
  const announced = await tenant((tx) =>
    tx.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM domain_events WHERE type = 'member.task_completed' AND payload->>'customerId' = $1`,
      [c],
    ),
  );
  expect(announced[0]?.n).toBe(5);
});

test('a frozen member neither earns nor spends', async () => {
  const c = await member(w, '13800000111', T0);
  await tenant((tx) =>
    tx.query(`UPDATE members SET status = 'frozen' WHERE workspace_id = $1 AND customer_id = $2`, [w.workspaceId, c]),
  );
  await expect(tenant((tx) => checkIn(tx, w.workspaceId, c, T0))).rejects.toMatchObject({
    code: 'points.member_inactive',
  });
  await order(w, 'F-1', { phone: '13800000111', paidFen: 10_000, placedAt: T0 }, T0);
  expect(await balance(c)).toBe(0);
});
