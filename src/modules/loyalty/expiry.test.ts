// Time travel with an injected clock: lots expire first-expiring-first at the end of their last day, each by an
// expiry transaction; members are reminded once per month of expiry, 30 days ahead; the daily jobs do the same.
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { copyTestDatabase, type TestDatabase } from '../../../test/support/databases.ts';
import type { Tx } from '../../platform/db/index.ts';
import type { ClaimedJob } from '../../platform/jobs/index.ts';
import { memberPoints } from './accounts.ts';
import { DAILY_JOB, expiryJobs, runPointsExpiry, WORKSPACE_JOB } from './expiry.ts';
import { at, member, order, type PointsWorld, pointsWorld, tenantOf } from './fixtures/points.ts';
import { findTransaction } from './ledger.ts';
import { checkLedger } from './ledger-check.ts';
import { quote, spendPoints } from './redemption.ts';

let t: TestDatabase;
let w: PointsWorld;

beforeAll(async () => {
  t = await copyTestDatabase(inject('siyuTemplate'));
  w = await pointsWorld(t.db, 'points-expiry');
});
afterAll(() => t.drop());

const tenant = <T>(fn: (tx: Tx) => Promise<T>) => tenantOf(w)(fn);
const reminders = (customerId: string) =>
  tenant((tx) =>
    tx.query<{ payload: { customerId: string; points: number; expiresAt: string; month: string } }>(
      `SELECT payload FROM domain_events WHERE type = 'points.expiring' AND payload->>'customerId' = $1 ORDER BY id, index`,
      [customerId],
    ),
  ).then((rows) => rows.map((r) => r.payload));

test('points expire first-expiring-first and post an expiry transaction; members are reminded 30 days before', async () => {
  const phone = '13600000001';
  const c = await member(w, phone, at('2026-01-01T09:00:00+08:00'));
  await order(
    w,
    'X-1',
    { phone, paidFen: 10_000, placedAt: at('2026-01-10T10:00:00+08:00') },
    at('2026-01-10T10:00:00+08:00'),
  );
  await order(
    w,
    'X-2',
    { phone, paidFen: 20_000, placedAt: at('2026-01-30T10:00:00+08:00') },
    at('2026-01-30T10:00:00+08:00'),
  );
  await order(
    w,
    'X-3',
    { phone, paidFen: 5_000, placedAt: at('2026-02-15T10:00:00+08:00') },
    at('2026-02-15T10:00:00+08:00'),
  );
  let p = await tenant((tx) => memberPoints(tx, w.workspaceId, c, at('2026-02-15T12:00:00+08:00')));
  expect(p.lots.map((l) => [l.expiresAt, l.remaining])).toEqual([
    ['2027-01-10T16:00:00.000Z', 100],
    ['2027-01-30T16:00:00.000Z', 200],
    ['2027-02-15T16:00:00.000Z', 50],
  ]);

  // A spend takes the first-expiring lot first.
  await tenant((tx) => spendPoints(tx, w.workspaceId, c, 50, 'reward', 'exp-spend-1', at('2026-06-01T12:00:00+08:00')));
  p = await tenant((tx) => memberPoints(tx, w.workspaceId, c, at('2026-06-01T12:00:00+08:00')));
  expect(p.lots.map((l) => l.remaining)).toEqual([50, 200, 50]);

  // 31½ days before the first expiry of January: no reminder yet; 29½ days before: one for all of January.
  await runPointsExpiry(w.db, w.workspaceId, at('2026-12-10T10:00:00+08:00'));
  expect(await reminders(c)).toEqual([]);
  await runPointsExpiry(w.db, w.workspaceId, at('2026-12-12T10:00:00+08:00'));
  await runPointsExpiry(w.db, w.workspaceId, at('2026-12-20T10:00:00+08:00'));
  expect(await reminders(c)).toEqual([
    { customerId: c, points: 250, expiresAt: '2027-01-10T16:00:00.000Z', month: '2027-01' },
  ]);

  // Nothing expires before the end of the lot's last day; just after it, the lot does, by a transaction of its own.
  expect(await runPointsExpiry(w.db, w.workspaceId, at('2027-01-10T23:55:00+08:00'))).toMatchObject({ lots: 0 });
  expect(await runPointsExpiry(w.db, w.workspaceId, at('2027-01-11T00:05:00+08:00'))).toMatchObject({
    lots: 1,
    points: 50,
  });
  const run = await runPointsExpiry(w.db, w.workspaceId, at('2027-01-31T00:05:00+08:00'));
  expect(run).toMatchObject({ lots: 1, points: 200, reminders: 1 });
  expect((await reminders(c))[1]).toEqual({
    customerId: c,
    points: 50,
    expiresAt: '2027-02-15T16:00:00.000Z',
    month: '2027-02',
  });
  p = await tenant((tx) => memberPoints(tx, w.workspaceId, c, at('2027-01-31T00:05:00+08:00')));
  expect([p.balance, p.lots.length]).toEqual([50, 1]);
  const lotId = (
    await tenant((tx) =>
      tx.query<{ id: number }>(
        `SELECT id FROM points_lots WHERE customer_id = $1 AND expires_at = '2027-01-30T16:00:00Z'`,
        [c],
      ),
    )
  )[0]?.id;
  const expiry = await tenant((tx) => findTransaction(tx, w.workspaceId, `expire:${lotId}`));
  expect(expiry).toMatchObject({ kind: 'expire', amount: 200, points: -200, balance_after: 50 });
  // Running again posts nothing more.
  expect(await runPointsExpiry(w.db, w.workspaceId, at('2027-01-31T08:00:00+08:00'))).toMatchObject({ lots: 0 });

  // February's lot has passed its day but no sweep ran: it cannot be spent, and the attempt expires nothing either
  // (the refused spend rolls back), the quote shows it gone.
  const late = at('2027-02-20T10:00:00+08:00');
  await expect(
    tenant((tx) => spendPoints(tx, w.workspaceId, c, 10, 'reward', 'exp-spend-2', late)),
  ).rejects.toMatchObject({
    code: 'points.insufficient_balance',
  });
  expect((await tenant((tx) => quote(tx, w.workspaceId, c, 100_000, late))).balance).toBe(0);
  const report = await checkLedger(w.db, { workspaceId: w.workspaceId, now: late });
  expect(report.violations).toEqual([]);
});

test('the daily schedule queues one job per workspace with points to expire, and that job expires them', async () => {
  const phone = '13600000002';
  const c = await member(w, phone, at('2026-03-01T09:00:00+08:00'));
  await order(
    w,
    'Y-1',
    { phone, paidFen: 30_000, placedAt: at('2026-03-05T10:00:00+08:00') },
    at('2026-03-05T10:00:00+08:00'),
  );
  const clock = at('2027-03-06T00:05:00+08:00');
  const jobs = expiryJobs(() => clock);
  const job = (kind: string, workspaceId: string | null, id: number): ClaimedJob => ({
    id,
    kind,
    workspaceId,
    payload: {},
    attempts: 1,
    maxAttempts: 8,
  });
  await t.db.transaction((tx) => jobs[DAILY_JOB]!(job(DAILY_JOB, null, 1), tx));
  const queued = await t.db.query<{ workspace_id: string }>(`SELECT workspace_id FROM jobs WHERE kind = $1`, [
    WORKSPACE_JOB,
  ]);
  expect(queued.map((q) => q.workspace_id)).toContain(w.workspaceId);
  await tenant((tx) => jobs[WORKSPACE_JOB]!(job(WORKSPACE_JOB, w.workspaceId, 2), tx));
  const p = await tenant((tx) => memberPoints(tx, w.workspaceId, c, clock));
  expect(p.balance).toBe(0);
  const expired = await tenant((tx) =>
    tx.query<{ payload: { points: number } }>(
      `SELECT payload FROM domain_events WHERE type = 'points.expired' AND payload->>'customerId' = $1`,
      [c],
    ),
  );
  expect(expired.map((e) => e.payload.points)).toEqual([300]);
});
