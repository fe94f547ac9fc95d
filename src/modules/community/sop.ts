// Group SOP: messages planned for groups, once (a launch at a given time) or recurring (daily 早安, weekly 上新 on
// chosen weekdays), in the workspace's time zone and between optional first and last days. A minutely schedule
// finds due plans; each occurrence runs once (community_sop_runs) and becomes one group message per group owner
// (a group message template is sent in its owner's name), whose send results are kept on the send.
import type {
  SendLink,
  SopPlan,
  SopPlanBody,
  SopRunResult,
  SopSchedule,
  UpdateSopPlanBody,
} from '../../contracts/community.ts';
import type { Tx } from '../../platform/db/index.ts';
import { badRequest, notFound } from '../../platform/errors.ts';
import { enqueue, type JobHandler, nextSlot } from '../../platform/jobs/index.ts';
import { getSend, queueSend } from './sends.ts';
import { type CommunityDeps, checkGroupScope, dayIn, iso, workspaceSettings } from './shared.ts';

export const SOP_TICK_JOB = 'community.sop-tick';
export const SOP_DUE_JOB = 'community.sop-due';

interface PlanRow {
  id: string;
  name: string;
  group_ids: string[] | null;
  schedule: SopSchedule;
  run_at: Date | null;
  time_of_day: string | null;
  weekdays: number[];
  text: string;
  link: SendLink | null;
  starts_on: string | null;
  ends_on: string | null;
  enabled: boolean;
  next_run_at: Date | null;
  last_run_at: Date | null;
  created_at: Date;
}

const PLAN_COLUMNS = `id, name, group_ids, schedule, run_at, time_of_day, weekdays, text, link,
  to_char(starts_on, 'YYYY-MM-DD') AS starts_on, to_char(ends_on, 'YYYY-MM-DD') AS ends_on, enabled, next_run_at,
  last_run_at, created_at`;

type Timing = Pick<PlanRow, 'schedule' | 'run_at' | 'time_of_day' | 'weekdays' | 'starts_on' | 'ends_on'>;

/** The cron expression of a recurring plan: minute and hour, and the weekdays (cron counts Sunday as 0). */
function cronOf(p: Timing): string {
  const [hour, minute] = (p.time_of_day ?? '00:00').split(':').map(Number);
  const days = p.schedule === 'weekly' ? p.weekdays.map((d) => d % 7).join(',') : '*';
  return `${minute} ${hour} * * ${days}`;
}

/**
 * The first occurrence strictly after `after`, or null when there is none (a one-off already past its run, a
 * recurring plan past its last day). A recurring plan starts no earlier than its first day.
 */
export function nextRun(p: Timing, after: Date, timezone: string, ran: boolean): Date | null {
  if (p.schedule === 'once') return ran || !p.run_at ? null : p.run_at;
  let from = after;
  if (p.starts_on && dayIn(after, timezone) < p.starts_on) {
    // The first day's midnight in the workspace's zone (UTC offsets run from −12 to +14 hours), less a second: the
    // slot search then starts on that day.
    let midnight = nextSlot('0 0 * * *', timezone, new Date(Date.parse(`${p.starts_on}T00:00:00Z`) - 15 * 3_600_000));
    while (dayIn(midnight, timezone) < p.starts_on) midnight = nextSlot('0 0 * * *', timezone, midnight);
    from = new Date(Math.max(after.getTime(), midnight.getTime() - 1000));
  }
  const slot = nextSlot(cronOf(p), timezone, from);
  if (p.ends_on && dayIn(slot, timezone) > p.ends_on) return null;
  return slot;
}

function checkTiming(p: Timing): void {
  if (p.schedule === 'once' && !p.run_at) throw badRequest('community.sop_run_at_required');
  if (p.schedule !== 'once' && !p.time_of_day) throw badRequest('community.sop_time_required');
  if (p.schedule === 'weekly' && p.weekdays.length === 0) throw badRequest('community.sop_weekdays_required');
  if (p.starts_on && p.ends_on && p.starts_on > p.ends_on) throw badRequest('community.sop_bad_days');
}

const planOf = (r: PlanRow & { runs: number }): SopPlan => ({
  id: r.id,
  name: r.name,
  groupIds: r.group_ids,
  schedule: r.schedule,
  runAt: iso(r.run_at),
  time: r.time_of_day,
  weekdays: r.weekdays,
  text: r.text,
  link: r.link,
  startsOn: r.starts_on,
  endsOn: r.ends_on,
  enabled: r.enabled,
  nextRunAt: iso(r.next_run_at),
  lastRunAt: iso(r.last_run_at),
  runs: Number(r.runs),
  createdAt: r.created_at.toISOString(),
});

async function plansWhere(tx: Tx, workspaceId: string, where: string, params: unknown[]) {
  const rows = await tx.query<PlanRow & { runs: number }>(
    `SELECT ${PLAN_COLUMNS},
            (SELECT count(*) FROM community_sop_runs r WHERE r.workspace_id = p.workspace_id AND r.plan_id = p.id)
              AS runs
       FROM community_sop_plans p WHERE workspace_id = $1 ${where} ORDER BY created_at DESC, id`,
    [workspaceId, ...params],
  );
  return rows.map(planOf);
}

export const listSopPlans = async (tx: Tx, workspaceId: string) => ({
  items: await plansWhere(tx, workspaceId, '', []),
  nextCursor: null,
});

export async function getSopPlan(tx: Tx, workspaceId: string, id: string): Promise<SopPlan> {
  const [plan] = await plansWhere(tx, workspaceId, 'AND id = $2', [id]);
  if (!plan) throw notFound('community.sop_not_found');
  return plan;
}

async function writePlan(
  tx: Tx,
  workspaceId: string,
  id: string | null,
  body: UpdateSopPlanBody,
  base: SopPlan | null,
  now: Date,
): Promise<string> {
  const timing: Timing = {
    schedule: (body.schedule ?? base?.schedule) as SopSchedule,
    run_at: body.runAt !== undefined ? new Date(body.runAt) : base?.runAt ? new Date(base.runAt) : null,
    time_of_day: body.time ?? base?.time ?? null,
    weekdays: body.weekdays ?? base?.weekdays ?? [],
    starts_on: body.startsOn === undefined ? (base?.startsOn ?? null) : body.startsOn,
    ends_on: body.endsOn === undefined ? (base?.endsOn ?? null) : body.endsOn,
  };
  checkTiming(timing);
  const groupIds = body.groupIds === undefined ? (base?.groupIds ?? null) : body.groupIds;
  await checkGroupScope(tx, workspaceId, groupIds);
  const enabled = body.enabled ?? base?.enabled ?? true;
  const { timezone } = await workspaceSettings(tx, workspaceId);
  // A changed one-off plan that already ran stays done; a changed timing otherwise starts from now.
  const ran = timing.schedule === 'once' && base?.schedule === 'once' && base.lastRunAt !== null && !body.runAt;
  const next = enabled ? nextRun(timing, now, timezone, ran) : null;
  const link = body.link === undefined ? (base?.link ?? null) : body.link;
  const values = [
    body.name ?? base?.name,
    groupIds,
    timing.schedule,
    timing.run_at,
    timing.time_of_day,
    timing.weekdays,
    body.text ?? base?.text,
    link === null ? null : JSON.stringify(link),
    timing.starts_on,
    timing.ends_on,
    enabled,
    next,
    now,
  ];
  if (id === null) {
    const rows = await tx.query<{ id: string }>(
      `INSERT INTO community_sop_plans (workspace_id, name, group_ids, schedule, run_at, time_of_day, weekdays, text,
                                        link, starts_on, ends_on, enabled, next_run_at, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) RETURNING id`,
      [workspaceId, ...values],
    );
    return (rows[0] as { id: string }).id;
  }
  await tx.query(
    `UPDATE community_sop_plans
        SET name = $3, group_ids = $4, schedule = $5, run_at = $6, time_of_day = $7, weekdays = $8, text = $9,
            link = $10, starts_on = $11, ends_on = $12, enabled = $13, next_run_at = $14, updated_at = $15
      WHERE workspace_id = $1 AND id = $2`,
    [workspaceId, id, ...values],
  );
  return id;
}

export async function createSopPlan(tx: Tx, workspaceId: string, body: SopPlanBody, now: Date) {
  return getSopPlan(tx, workspaceId, await writePlan(tx, workspaceId, null, body, null, now));
}

export async function updateSopPlan(tx: Tx, workspaceId: string, id: string, body: UpdateSopPlanBody, now: Date) {
  const current = await getSopPlan(tx, workspaceId, id);
  return getSopPlan(tx, workspaceId, await writePlan(tx, workspaceId, id, body, current, now));
}

export async function deleteSopPlan(tx: Tx, workspaceId: string, id: string): Promise<void> {
  const rows = await tx.query('DELETE FROM community_sop_plans WHERE workspace_id = $1 AND id = $2 RETURNING id', [
    workspaceId,
    id,
  ]);
  if (rows.length === 0) throw notFound('community.sop_not_found');
}

/**
 * Runs one occurrence of a plan: its active groups, one group message per owner. An occurrence already run sends
 * nothing more and answers its sends.
 */
export async function runPlan(
  tx: Tx,
  workspaceId: string,
  plan: SopPlan,
  occurrence: Date,
  manual: boolean,
  now: Date,
): Promise<SopRunResult> {
  const key = occurrence.toISOString();
  const fresh = await tx.query(
    `INSERT INTO community_sop_runs (workspace_id, plan_id, occurrence, manual, created_at)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING plan_id`,
    [workspaceId, plan.id, occurrence, manual, now],
  );
  if (fresh.length > 0) {
    const groups = await tx.query<{ owner_userid: string; chat_ids: string[] }>(
      `SELECT owner_userid, array_agg(chat_id ORDER BY chat_id) AS chat_ids FROM community_groups
        WHERE workspace_id = $1 AND status = 'active' AND owner_userid <> ''
          AND ($2::uuid[] IS NULL OR id = ANY($2::uuid[]))
        GROUP BY owner_userid ORDER BY owner_userid`,
      [workspaceId, plan.groupIds],
    );
    for (const g of groups) {
      await queueSend(tx, workspaceId, {
        kind: 'sop',
        sourceId: plan.id,
        dedupeKey: `sop:${plan.id}:${key}:${g.owner_userid}`,
        sender: g.owner_userid,
        chatIds: g.chat_ids,
        text: plan.text,
        link: plan.link,
        at: now,
      });
    }
    await tx.query('UPDATE community_sop_plans SET last_run_at = $3 WHERE workspace_id = $1 AND id = $2', [
      workspaceId,
      plan.id,
      now,
    ]);
  }
  const sends = await tx.query<{ id: string }>(
    `SELECT id FROM community_sends WHERE workspace_id = $1 AND dedupe_key LIKE $2 ORDER BY sender`,
    [workspaceId, `sop:${plan.id}:${key}:%`],
  );
  return {
    occurrence: key,
    sends: await Promise.all(sends.map((s) => getSend(tx, workspaceId, s.id))),
  };
}

/**
 * Runs every plan due by `now` and moves it to its next occurrence after now: occurrences missed while no worker
 * ran are not caught up one by one (a week of 早安 at once would be worse than none), only the last one runs.
 */
export async function runDuePlans(tx: Tx, workspaceId: string, now: Date): Promise<number> {
  const due = await tx.query<{ id: string; next_run_at: Date }>(
    `SELECT id, next_run_at FROM community_sop_plans
      WHERE workspace_id = $1 AND enabled AND next_run_at <= $2 ORDER BY next_run_at FOR UPDATE SKIP LOCKED`,
    [workspaceId, now],
  );
  const { timezone } = await workspaceSettings(tx, workspaceId);
  for (const row of due) {
    const plan = await getSopPlan(tx, workspaceId, row.id);
    await runPlan(tx, workspaceId, plan, row.next_run_at, false, now);
    const next = nextRun(
      {
        schedule: plan.schedule,
        run_at: plan.runAt ? new Date(plan.runAt) : null,
        time_of_day: plan.time,
        weekdays: plan.weekdays,
        starts_on: plan.startsOn,
        ends_on: plan.endsOn,
      },
      now,
      timezone,
      true,
    );
    await tx.query('UPDATE community_sop_plans SET next_run_at = $3 WHERE workspace_id = $1 AND id = $2', [
      workspaceId,
      row.id,
      next,
    ]);
  }
  return due.length;
}

/** The minutely schedule's job: one due-run job per workspace with a plan due. */
export const sopTickJob =
  (deps: CommunityDeps): JobHandler =>
  async (job, tx) => {
    const rows = await tx.query<{ workspace_id: string }>(
      'SELECT DISTINCT workspace_id FROM community_sop_plans WHERE enabled AND next_run_at <= $1',
      [deps.now()],
    );
    for (const r of rows) {
      await enqueue(tx, { kind: SOP_DUE_JOB, workspaceId: r.workspace_id, dedupeKey: `${r.workspace_id}@${job.id}` });
    }
  };

export const sopDueJob =
  (deps: CommunityDeps): JobHandler =>
  async (job, tx) => {
    if (!job.workspaceId) throw new Error(`job ${job.id} has no workspace`);
    await runDuePlans(tx, job.workspaceId, deps.now());
  };
