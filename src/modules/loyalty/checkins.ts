// Daily check-in: once per member and local day, a streak that grows on consecutive days, the rule's daily points
// plus the bonus of the streak's day (day 3 +5, day 7 +20 … repeating every cycle), within the monthly cap.
// Announces `member.checked_in` {customerId, date, streak}, from which growth value is earned.
import type { CheckIn, PointsRules } from '../../contracts/points.ts';
import type { Tx } from '../../platform/db/index.ts';
import { emit } from '../../platform/jobs/index.ts';
import { capped, requireActiveMember } from './earn-rules.ts';
import { earn, lockMember } from './ledger.ts';

/** Points of a check-in on day `streak` of a streak: the daily points and the bonus of its day in the cycle. */
export function checkInPoints(rule: PointsRules['checkIn'], streak: number): number {
  if (!rule.enabled) return 0;
  const day = rule.cycleDays > 0 ? ((streak - 1) % rule.cycleDays) + 1 : streak;
  return rule.points + rule.streakBonuses.filter((b) => b.day === day).reduce((sum, b) => sum + b.points, 0);
}

interface CheckInRow {
  day: string;
  streak: number;
  points: number;
}

/** Checks a member in for today (in the workspace's time zone); checking in again that day returns the first. */
export async function checkIn(tx: Tx, workspaceId: string, customerId: string, now: Date): Promise<CheckIn> {
  const { states, state } = await lockMember(tx, workspaceId, customerId, now);
  const today = state.program.today;
  const rows = await tx.query<CheckInRow & { today: boolean }>(
    `SELECT to_char(day, 'YYYY-MM-DD') AS day, streak, points, day = $3::date AS today FROM points_check_ins
      WHERE workspace_id = $1 AND customer_id = $2 AND day IN ($3::date, $3::date - 1)`,
    [workspaceId, customerId, today],
  );
  const done = rows.find((r) => r.today);
  if (done) {
    return {
      customerId,
      date: today,
      streak: done.streak,
      points: Number(done.points),
      created: false,
      balance: state.balance,
    };
  }
  requireActiveMember(state);
  const streak = (rows.find((r) => !r.today)?.streak ?? 0) + 1;
  const rule = state.program.rules.checkIn;
  const points = await capped(tx, workspaceId, state, 'check_in', checkInPoints(rule, streak), rule);
  let transactionId: number | null = null;
  if (points > 0) {
    const posted = await earn(tx, workspaceId, states, {
      customerId,
      points,
      cause: 'check_in',
      key: `check_in:${customerId}:${today}`,
      at: now,
      details: { date: today, streak },
    });
    transactionId = posted.id;
  }
  await tx.query(
    `INSERT INTO points_check_ins (workspace_id, customer_id, day, streak, points, transaction_id, at)
     VALUES ($1, $2, $3::date, $4, $5, $6, $7)`,
    [workspaceId, customerId, today, streak, points, transactionId, now],
  );
  await emit(tx, 'member.checked_in', { customerId, date: today, streak });
  return { customerId, date: today, streak, points, created: true, balance: state.balance };
}

/** A member's check-ins in a month (the H5's calendar), oldest first. */
export async function checkInCalendar(tx: Tx, workspaceId: string, customerId: string, month: string) {
  const rows = await tx.query<CheckInRow>(
    `SELECT to_char(day, 'YYYY-MM-DD') AS day, streak, points FROM points_check_ins
      WHERE workspace_id = $1 AND customer_id = $2 AND day >= $3::date AND day < ($3::date + interval '1 month')
      ORDER BY day`,
    [workspaceId, customerId, `${month}-01`],
  );
  return rows.map((r) => ({ date: r.day, streak: r.streak, points: Number(r.points) }));
}
