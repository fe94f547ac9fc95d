// Expiry: lots expire at the end of their last day (rolling, `expiry.months` after the day they were earned), each
// by a transaction of its own — balances are never changed in place. A daily schedule expires what is due and
// sends one reminder per member and month of expiry, 30 days ahead (`points.expiring`). Spends between runs
// expire the member's due lots themselves, so nothing expired is ever spent.
import type { Db, Tx } from '../../platform/db/index.ts';
import { emitMany, enqueue, type JobHandler } from '../../platform/jobs/index.ts';
import { expireLot, lockMembers } from './ledger.ts';
import { dueLots } from './lots.ts';

/** Days before its expiry that a member is reminded of points about to expire. */
export const REMINDER_DAYS = 30;
/** Members whose due lots one transaction expires; a workspace with more continues in the next. */
export const EXPIRY_BATCH = 500;

export const DAILY_JOB = 'loyalty.points-daily';
export const WORKSPACE_JOB = 'loyalty.points-expiry';

/**
 * Expires the due lots of up to `limit` members. Members whose balance another transaction holds right now are
 * skipped (SKIP LOCKED: the sweep never waits on, or deadlocks with, a live posting; that posting expires their
 * due lots itself, or the next run does). Returns what it did and whether members were left for another round.
 */
export async function expireDue(tx: Tx, workspaceId: string, now: Date, limit = EXPIRY_BATCH) {
  const members = await tx.query<{ customer_id: string }>(
    `SELECT DISTINCT customer_id FROM points_lots
      WHERE workspace_id = $1 AND remaining > 0 AND expires_at <= $2 ORDER BY customer_id LIMIT $3`,
    [workspaceId, now, limit],
  );
  if (members.length === 0) return { lots: 0, points: 0, more: false };
  const locked = await tx.query<{ customer_id: string }>(
    `SELECT customer_id FROM points_balances WHERE workspace_id = $1 AND customer_id = ANY($2::uuid[])
      ORDER BY customer_id FOR UPDATE SKIP LOCKED`,
    [workspaceId, members.map((m) => m.customer_id)],
  );
  const ids = locked.map((l) => l.customer_id);
  const states = await lockMembers(tx, workspaceId, ids, now);
  let lots = 0;
  let points = 0;
  for (const lot of await dueLots(tx, workspaceId, ids, now)) {
    await expireLot(tx, workspaceId, states, lot, now);
    lots++;
    points += lot.remaining;
  }
  return { lots, points, more: members.length === limit };
}

/**
 * Announces `points.expiring` {customerId, points, expiresAt, month} once per member and month of expiry, when the
 * first of that month's lots comes within REMINDER_DAYS: the points are all of that month's, expiresAt the first
 * moment any of them expires. Returns how many reminders it sent.
 */
export async function remindExpiring(tx: Tx, workspaceId: string, now: Date): Promise<number> {
  const sent = await tx.query<{ customer_id: string; month: string; points: number; expires_at: Date }>(
    `WITH open AS (
       SELECT l.customer_id,
              -- The month of the lot's last valid day (it expires at the midnight after it).
              date_trunc('month', (l.expires_at - interval '1 microsecond') AT TIME ZONE w.timezone)::date AS month,
              l.expires_at,
              l.remaining
         FROM points_lots l JOIN workspaces w ON w.id = l.workspace_id
        WHERE l.workspace_id = $1 AND l.remaining > 0 AND l.expires_at > $2
          AND l.expires_at <= $2::timestamptz + make_interval(days => $3 + 31)
     ), due AS (
       SELECT DISTINCT customer_id, month FROM open WHERE expires_at <= $2::timestamptz + make_interval(days => $3)
     ), totals AS (
       SELECT o.customer_id, o.month, sum(o.remaining) AS points, min(o.expires_at) AS expires_at
         FROM open o JOIN due d ON d.customer_id = o.customer_id AND d.month = o.month
        GROUP BY o.customer_id, o.month
     )
     INSERT INTO points_expiry_reminders (workspace_id, customer_id, month, points, expires_at, sent_at)
     SELECT $1, customer_id, month, points, expires_at, $2 FROM totals
     ON CONFLICT DO NOTHING
     RETURNING customer_id, to_char(month, 'YYYY-MM') AS month, points, expires_at`,
    [workspaceId, now, REMINDER_DAYS],
  );
  await emitMany(
    tx,
    'points.expiring',
    sent.map((s) => ({
      customerId: s.customer_id,
      points: Number(s.points),
      expiresAt: s.expires_at.toISOString(),
      month: s.month,
    })),
  );
  return sent.length;
}

/** One workspace's daily run, as the scheduled job does it, in transactions of EXPIRY_BATCH members (tests, CLI). */
export async function runPointsExpiry(db: Db, workspaceId: string, now: Date) {
  const total = { lots: 0, points: 0, reminders: 0 };
  total.reminders = await db.tenant(workspaceId, (tx) => remindExpiring(tx, workspaceId, now));
  for (;;) {
    const round = await db.tenant(workspaceId, (tx) => expireDue(tx, workspaceId, now));
    total.lots += round.lots;
    total.points += round.points;
    if (!round.more || round.lots === 0) return total;
  }
}

/**
 * The jobs behind the daily schedule: the system job finds the workspaces with points to expire or to remind of
 * and queues one job each; a workspace's job reminds, expires a batch and queues its own continuation.
 */
export function expiryJobs(now: () => Date): Record<string, JobHandler> {
  return {
    [DAILY_JOB]: async (job, tx) => {
      const workspaces = await tx.query<{ id: string }>(
        `SELECT w.id FROM workspaces w
          WHERE EXISTS (SELECT 1 FROM points_lots l WHERE l.workspace_id = w.id AND l.remaining > 0
                          AND l.expires_at <= $1::timestamptz + make_interval(days => $2))
          ORDER BY w.id`,
        [now(), REMINDER_DAYS],
      );
      for (const w of workspaces) {
        await enqueue(tx, { kind: WORKSPACE_JOB, workspaceId: w.id, dedupeKey: `${w.id}@${job.id}` });
      }
    },
    [WORKSPACE_JOB]: async (job, tx) => {
      if (!job.workspaceId) throw new Error(`${WORKSPACE_JOB} job ${job.id} has no workspace`);
      const at = now();
      const round = (job.payload as { round?: number } | null)?.round ?? 0;
      if (round === 0) await remindExpiring(tx, job.workspaceId, at);
      const done = await expireDue(tx, job.workspaceId, at);
      if (done.more && done.lots > 0) {
        await enqueue(tx, {
          kind: WORKSPACE_JOB,
          workspaceId: job.workspaceId,
          payload: { round: round + 1 },
          dedupeKey: `${job.workspaceId}@${job.id}:next`,
        });
      }
    },
  };
}
