// Cron schedules: the code's list is upserted into job_schedules when a worker starts, and every worker's tick
// fires the due ones. A slot becomes a job with dedupe key `<name>@<slot>`, so however many workers tick at once,
// each slot runs once.
import { CronExpressionParser } from 'cron-parser';
import type { Db } from '../db/index.ts';
import { InvalidSchedule } from './errors.ts';
import type { Schedule } from './index.ts';
import { enqueue } from './queue.ts';

export const DEFAULT_TIMEZONE = 'Asia/Shanghai';

/** The first slot of `cron` strictly after `after`, in the schedule's time zone. */
export function nextSlot(cron: string, timezone: string, after: Date): Date {
  return CronExpressionParser.parse(cron, { currentDate: after, tz: timezone }).next().toDate();
}

/**
 * Refuses, with a message naming the schedule, what would otherwise fail silently at 3 a.m.: a bad expression or
 * time zone, a duplicate name, or a kind no handler runs.
 */
export function validateSchedules(schedules: readonly Schedule[], kinds: ReadonlySet<string>): void {
  const names = new Set<string>();
  for (const s of schedules) {
    const where = `schedule '${s.name}'`;
    if (!s.name) throw new InvalidSchedule('a schedule has no name');
    if (names.has(s.name)) throw new InvalidSchedule(`${where} is declared twice`);
    names.add(s.name);
    const timezone = s.timezone ?? DEFAULT_TIMEZONE;
    try {
      new Intl.DateTimeFormat('en', { timeZone: timezone });
    } catch {
      throw new InvalidSchedule(`${where}: unknown time zone '${timezone}'`);
    }
    // Five fields (minute precision) or a macro such as @daily; cron-parser would also take a seconds field.
    const fields = s.cron.trim().split(/\s+/);
    if (!(fields.length === 5 || (fields.length === 1 && fields[0]?.startsWith('@')))) {
      throw new InvalidSchedule(`${where}: cron expression '${s.cron}' must have five fields`);
    }
    try {
      nextSlot(s.cron, timezone, new Date());
    } catch (err) {
      throw new InvalidSchedule(`${where}: invalid cron expression '${s.cron}': ${(err as Error).message}`);
    }
    if (!kinds.has(s.kind)) throw new InvalidSchedule(`${where}: no handler is registered for job kind '${s.kind}'`);
  }
}

/**
 * Upserts the schedules. An unchanged expression keeps its stored next_run_at, so a slot missed while every worker
 * was down still fires once on start; a changed expression or time zone starts over from `now`.
 */
export async function syncSchedules(db: Db, schedules: readonly Schedule[], now: Date): Promise<void> {
  if (schedules.length === 0) return;
  await db.transaction(async (tx) => {
    for (const s of schedules) {
      const timezone = s.timezone ?? DEFAULT_TIMEZONE;
      await tx.query(
        `INSERT INTO job_schedules (name, cron, timezone, kind, payload, next_run_at)
         VALUES ($1, $2, $3, $4, $5::jsonb, $6)
         ON CONFLICT (name) DO UPDATE
         SET cron = excluded.cron, timezone = excluded.timezone, kind = excluded.kind, payload = excluded.payload,
             next_run_at = CASE
               WHEN (job_schedules.cron, job_schedules.timezone) IS DISTINCT FROM (excluded.cron, excluded.timezone)
               THEN excluded.next_run_at ELSE job_schedules.next_run_at END`,
        [s.name, s.cron, timezone, s.kind, JSON.stringify(s.payload ?? {}), nextSlot(s.cron, timezone, now)],
      );
    }
  });
}

/**
 * Fires the due schedules among `names` (rows the running code no longer declares stay inert) and returns how
 * many fired. A schedule that missed several slots fires once, for its oldest missed slot, then moves to the
 * first slot after `now`: catching up one by one would only stack identical work.
 */
export async function fireDueSchedules(db: Db, names: readonly string[], now: Date): Promise<number> {
  if (names.length === 0) return 0;
  return db.transaction(async (tx) => {
    const due = await tx.query<{
      name: string;
      cron: string;
      timezone: string;
      kind: string;
      payload: unknown;
      next_run_at: Date;
    }>(
      `SELECT name, cron, timezone, kind, payload, next_run_at FROM job_schedules
       WHERE name = ANY($1::text[]) AND next_run_at <= $2
       ORDER BY next_run_at FOR UPDATE SKIP LOCKED`,
      [names, now],
    );
    for (const s of due) {
      await enqueue(tx, {
        kind: s.kind,
        payload: s.payload,
        workspaceId: null,
        runAt: s.next_run_at,
        dedupeKey: `${s.name}@${s.next_run_at.toISOString()}`,
      });
      await tx.query('UPDATE job_schedules SET next_run_at = $2, last_run_at = $3 WHERE name = $1', [
        s.name,
        nextSlot(s.cron, s.timezone, now),
        s.next_run_at,
      ]);
    }
    return due.length;
  });
}
