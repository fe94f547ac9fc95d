// Group commit of postings: a random year of earnings, spends, retries and reused keys, posted all at once through
// the batches in one workspace and one by one through `earnPoints`/`spendPoints` in another, must leave the same
// ledger — the same answers, transactions, entries, lots and events, member by member — and both must pass the
// ledger check. On PostgreSQL also: a batch whose transaction fails as a whole gives each posting its own answer.
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { copyTestDatabase, type TestDatabase, testDbKind } from '../../../test/support/databases.ts';
import { Rng } from '../../demo/random.ts';
import { AppError } from '../../platform/errors.ts';
import { mergeCustomers } from '../customers/index.ts';
import { earnPoints } from './earn-rules.ts';
import { at, DAY, member, type PointsWorld, pointsWorld } from './fixtures/points.ts';
import { checkLedger } from './ledger-check.ts';
import { type BatchPosting, PostingBatches } from './posting-batches.ts';
import { spendPoints } from './redemption.ts';

let t: TestDatabase;
let batched: PointsWorld;
let alone: PointsWorld;
const T0 = at('2026-01-05T10:00:00+08:00');
const MEMBERS = 8;

beforeAll(async () => {
  t = await copyTestDatabase(inject('siyuTemplate'));
  batched = await pointsWorld(t.db, 'batches-a');
  alone = await pointsWorld(t.db, 'batches-b');
});
afterAll(() => t.drop());

/** What a posting answered, without the ids that differ between workspaces. */
function answerOf(r: PromiseSettledResult<{ kind: string; amount: number; points: number; balance_after: number }>) {
  if (r.status === 'rejected') {
    if (!(r.reason instanceof AppError)) throw r.reason;
    return { error: r.reason.code, params: r.reason.params };
  }
  const { kind, amount, points, balance_after } = r.value;
  return { kind, amount, points, balance: balance_after };
}

/** A member's ledger as written: transactions in order with their entries, lots and the events announcing them. */
async function ledgerOf(w: PointsWorld, customerId: string) {
  return w.db.tenant(w.workspaceId, async (tx) => {
    const transactions = await tx.query(
      `SELECT t.kind, t.cause, t.idempotency_key, t.amount, t.points, t.balance_after, t.debt_after, t.details, t.at,
              (SELECT json_agg(json_build_array(e.line, replace(e.account, $3, 'M'), e.amount,
                                                l.points, l.expires_at) ORDER BY e.line)
                 FROM points_entries e LEFT JOIN points_lots l ON l.workspace_id = e.workspace_id AND l.id = e.lot_id
                WHERE e.workspace_id = t.workspace_id AND e.transaction_id = t.id) AS entries
         FROM points_transactions t WHERE t.workspace_id = $1 AND t.customer_id = $2 ORDER BY t.id`,
      [w.workspaceId, customerId, customerId],
    );
    const lots = await tx.query<{ id?: number }>(
      `SELECT id, cause, points, remaining, earned_at, expires_at FROM points_lots
        WHERE workspace_id = $1 AND customer_id = $2 ORDER BY id`,
      [w.workspaceId, customerId],
    );
    // Lots are named by their place among the member's lots (expiries name the lot they expire).
    const place = new Map(lots.map((l, i) => [String(l.id), i + 1]));
    for (const l of lots) delete l.id;
    for (const t of transactions as { idempotency_key: string; details: { lotId?: number } }[]) {
      t.idempotency_key = t.idempotency_key.replace(/^expire:(\d+)$/, (_, id) => `expire:lot${place.get(id)}`);
      if (t.details.lotId !== undefined) t.details.lotId = place.get(String(t.details.lotId)) as number;
    }
    const balance = await tx.query(
      'SELECT balance, debt FROM points_balances WHERE workspace_id = $1 AND customer_id = $2',
      [w.workspaceId, customerId],
    );
    const events = await tx.query(
      `SELECT type, payload->'points' AS points, payload->'balance' AS balance, payload->>'cause' AS cause
         FROM outbox_events WHERE workspace_id = $1 AND type LIKE 'points.%' AND payload->>'customerId' = $2::text
        ORDER BY id`,
      [w.workspaceId, customerId],
    );
    return { transactions, lots, balance, events };
  });
}

test('batched postings leave the ledger one-by-one postings leave, answer for answer', async () => {
  const phones = Array.from({ length: MEMBERS }, (_, i) => `1370000${String(i).padStart(4, '0')}`);
  const a = await Promise.all(phones.map((p) => member(batched, p, T0)));
  const b = await Promise.all(phones.map((p) => member(alone, p, T0)));
  // One member is frozen in both: every posting of theirs is refused the same way.
  for (const [w, ids] of [
    [batched, a],
    [alone, b],
  ] as const) {
    await w.db.tenant(w.workspaceId, (tx) =>
      tx.query(`UPDATE members SET status = 'frozen' WHERE workspace_id = $1 AND customer_id = $2`, [
        w.workspaceId,
        ids[MEMBERS - 1],
      ]),
    );
  }

  // 300 postings over 18 months (so lots expire on the way, which the batches hand to the general path), about
  // one in ten a retry of an earlier posting and one in twenty an earlier key reused for something else.
  const rng = new Rng(7);
  const plan: { member: number; posting: Omit<BatchPosting, 'customerId'> }[] = [];
  for (let i = 0; i < 300; i++) {
    const when = new Date(T0.getTime() + i * 1.8 * DAY);
    const roll = rng.next();
    if (plan.length > 0 && roll < 0.15) {
      const earlier = plan[rng.int(0, plan.length - 1)] as (typeof plan)[number];
      const reused = roll < 0.05;
      plan.push({
        member: earlier.member,
        posting: { ...earlier.posting, points: earlier.posting.points + (reused ? 1 : 0), at: when },
      });
      continue;
    }
    const spend = rng.next() < 0.45;
    plan.push({
      member: rng.int(0, MEMBERS - 1),
      posting: {
        type: spend ? 'spend' : 'earn',
        points: rng.int(1, spend ? 90 : 60),
        cause: spend ? 'reward' : 'task',
        key: `k${i}`,
        at: when,
      },
    });
  }

  // All at once through the batches (two transactions at a time on PostgreSQL, one after another on PGlite).
  const batches = new PostingBatches(batched.db, { maxBatch: 16 });
  const got = await Promise.allSettled(
    plan.map((p) =>
      batches.post(batched.workspaceId, { ...p.posting, customerId: a[p.member] as string }).then((x) => x.transaction),
    ),
  );
  // One by one, each member's in the order they came, through the module's functions.
  const expected: PromiseSettledResult<Awaited<ReturnType<typeof earnPoints>>>[] = [];
  for (const p of plan) {
    const customerId = b[p.member] as string;
    const { type, points, cause, key, at: now } = p.posting;
    expected.push(
      await Promise.allSettled([
        alone.db.tenant(alone.workspaceId, (tx) =>
          type === 'earn'
            ? earnPoints(tx, alone.workspaceId, { customerId, points, cause, key, now })
            : spendPoints(tx, alone.workspaceId, customerId, points, cause, key, now),
        ),
      ]).then((r) => r[0] as PromiseSettledResult<Awaited<ReturnType<typeof earnPoints>>>),
    );
  }
  expect(got.map(answerOf)).toEqual(expected.map(answerOf));
  // Most were written in batches of several; those that expired lots on the way, alone.
  expect(batches.stats.batched).toBeGreaterThan(200);
  expect(batches.stats.batches).toBeLessThan(batches.stats.batched / 3);
  expect(batches.stats.alone).toBeGreaterThan(0);
  expect(batches.stats.failedBatches).toBe(0);
  const codes = new Set(expected.map((r) => (r.status === 'rejected' ? (r.reason as AppError).code : 'posted')));
  // The plan covers what it is meant to: refusals of every kind and postings that expired lots on the way.
  expect([...codes].sort()).toEqual([
    'points.insufficient_balance',
    'points.key_reused',
    'points.member_inactive',
    'posted',
  ]);
  const expiries = await alone.db.tenant(alone.workspaceId, (tx) =>
    tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM points_transactions WHERE kind = 'expire'`),
  );
  expect(expiries[0]?.n).toBeGreaterThan(0);

  for (let i = 0; i < MEMBERS; i++) {
    const mine = await ledgerOf(batched, a[i] as string);
    const theirs = await ledgerOf(alone, b[i] as string);
    expect(JSON.parse(JSON.stringify(mine).replaceAll(a[i] as string, 'M'))).toEqual(
      JSON.parse(JSON.stringify(theirs).replaceAll(b[i] as string, 'M')),
    );
  }
  for (const w of [batched, alone]) {
    const report = await checkLedger(w.db, { workspaceId: w.workspaceId, now: T0 });
    expect(report.violations).toEqual([]);
  }
});

test('a posting for a merged profile goes to the survivor, for an unknown one is refused', async () => {
  const batches = new PostingBatches(batched.db);
  const [survivor, mergedAway] = await Promise.all(['13600000001', '13600000002'].map((p) => member(batched, p, T0)));
  await batched.db.tenant(batched.workspaceId, (tx) =>
    mergeCustomers(tx, batched.participants, batched.workspaceId, survivor as string, mergedAway as string, 'test'),
  );
  const posted = await batches.post(batched.workspaceId, {
    type: 'earn',
    customerId: mergedAway as string,
    points: 30,
    cause: 'task',
    key: 'm1',
    at: T0,
  });
  expect(posted).toMatchObject({ transaction: { customer_id: survivor, amount: 30 }, replayed: false });
  const missing = '00000000-0000-4000-8000-000000000000';
  const earning = (customerId: string, points: number, key: string) =>
    batches.post(batched.workspaceId, { type: 'earn', customerId, points, cause: 'task', key, at: T0 });
  await expect(earning(missing, 5, 'u1')).rejects.toMatchObject({ status: 404, code: 'customer.not_found' });
  await expect(earning('nope', 5, 'u2')).rejects.toMatchObject({ status: 404, code: 'customer.not_found' });
  await expect(earning(missing, 0, 'u3')).rejects.toMatchObject({ status: 422, code: 'points.invalid_points' });
});

test.skipIf(testDbKind() !== 'postgres')(
  'a batch that fails as a whole (a key taken meanwhile for another member) answers each posting on its own',
  async () => {
    const [x, y, z] = await Promise.all(
      ['13800000001', '13800000002', '13800000003'].map((p) => member(batched, p, T0)),
    );
    const batches = new PostingBatches(batched.db);
    // Another transaction posts key `race` for x and has not committed: the batch's insert of that key waits for it.
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started!: () => void;
    const posting = new Promise<void>((resolve) => {
      started = resolve;
    });
    const other = batched.db.tenant(batched.workspaceId, async (tx) => {
      await earnPoints(tx, batched.workspaceId, {
        customerId: x as string,
        points: 7,
        cause: 'task',
        key: 'race',
        now: T0,
      });
      started();
      await held;
    });
    await posting;
    const answers = Promise.allSettled([
      batches.post(batched.workspaceId, {
        type: 'earn',
        customerId: y as string,
        points: 3,
        cause: 'task',
        key: 'race',
        at: T0,
      }),
      batches.post(batched.workspaceId, {
        type: 'earn',
        customerId: z as string,
        points: 4,
        cause: 'task',
        key: 'fine',
        at: T0,
      }),
    ]);
    await new Promise((r) => setTimeout(r, 300));
    release();
    await other;
    const [raced, fine] = await answers;
    expect(raced).toMatchObject({ status: 'rejected', reason: { code: 'points.key_reused' } });
    expect(batches.stats).toMatchObject({ failedBatches: 1, alone: 1, batched: 1 });
    expect(fine).toMatchObject({ status: 'fulfilled', value: { transaction: { amount: 4, balance_after: 4 } } });
    const report = await checkLedger(batched.db, { workspaceId: batched.workspaceId, now: T0 });
    expect(report.violations).toEqual([]);
  },
);
