// SOP tasks: what triggers turn into (one task per plan step, subject and occurrence, however often a trigger is
// handled), what guides see and complete, and the overdue check that marks missed tasks and tells their guides.
import type { CompleteTaskBody, Material, Task, TaskListQuery } from '../../contracts/relationships.ts';
import type { Tx } from '../../platform/db/index.ts';
import { conflict, notFound } from '../../platform/errors.ts';
import { decodeCursor, pageOf } from '../../platform/http/pagination.ts';
import type { RequestContext } from '../../platform/http/routes.ts';
import { type Locale, translate } from '../../platform/i18n/index.ts';
import { maskName, scopeSql } from '../customers/index.ts';
import {
  dateOfDay,
  dayOf,
  dayOfDate,
  instantOf,
  isLeapYear,
  minutesOf,
  workspaceLocale,
  workspaceTimezone,
} from './calendar.ts';
import { festivalCalendar, festivalDate } from './festivals.ts';
import type { SmtpConfig } from './mailer.ts';
import { notify } from './notifications.ts';
import { renderScript, type ScriptValues, scriptValues } from './scripts.ts';
import { enabledPlans, type StepRow } from './sop-plans.ts';

const DAY_MS = 86_400_000;

/** When a step falls due: at the trigger's moment plus its days, or on that day at its time of day (local). */
function dueOf(step: StepRow, base: { instant: Date } | { day: number }, timeZone: string): Date {
  if ('instant' in base) {
    if (step.time_of_day === null) return new Date(base.instant.getTime() + step.offset_days * DAY_MS);
    return instantOf(dayOf(base.instant, timeZone) + step.offset_days, minutesOf(step.time_of_day), timeZone);
  }
  return instantOf(base.day + step.offset_days, step.time_of_day ? minutesOf(step.time_of_day) : 0, timeZone);
}

/**
 * Creates the tasks of one plan step for many subjects at once: `owners` pairs each customer (null for a task about
 * all of a guide's customers) with its guide. Existing tasks of the same step, subject and occurrence are kept.
 */
async function insertTasks(
  tx: Tx,
  workspaceId: string,
  planId: string,
  step: StepRow,
  owners: readonly { customerId: string | null; guideStaffId: string }[],
  occurrence: string,
  dueAt: Date,
  title: string,
): Promise<number> {
  if (owners.length === 0) return 0;
  const rows = await tx.query(
    `INSERT INTO sop_tasks (workspace_id, plan_id, step_id, customer_id, guide_staff_id, subject, occurrence, due_at,
                            title, script_id, script, material)
     SELECT $1::uuid, $2::uuid, $3::uuid, o.customer_id, o.guide_staff_id,
            coalesce(o.customer_id::text, 'guide:' || o.guide_staff_id), $6::text, $7::timestamptz, $8::text, $9::uuid,
            coalesce($10::text, (SELECT s.body FROM scripts s WHERE s.workspace_id = $1::uuid AND s.id = $9::uuid)),
            $11::jsonb
       FROM unnest($4::uuid[], $5::uuid[]) AS o(customer_id, guide_staff_id)
     ON CONFLICT (workspace_id, step_id, subject, occurrence) DO NOTHING RETURNING 1`,
    [
      workspaceId,
      planId,
      step.id,
      owners.map((o) => o.customerId),
      owners.map((o) => o.guideStaffId),
      occurrence,
      dueAt,
      title,
      step.script_id,
      step.script,
      step.material ? JSON.stringify(step.material) : null,
    ],
  );
  return rows.length;
}

/**
 * The guide each customer is followed up by: of the active guides with an active relationship to the customer, the
 * one added first. As a SQL subquery over `customerFilter` (a condition on `r`), giving (customer_id, staff_id).
 */
const OWNERS_SQL = (customerFilter: string) => `
  SELECT DISTINCT ON (r.customer_id) r.customer_id, g.staff_id
    FROM customer_relationships r
    JOIN guides g ON g.workspace_id = r.workspace_id AND g.wecom_userid = r.wecom_userid AND g.status = 'active'
   WHERE r.workspace_id = $1 AND r.status = 'active' AND ${customerFilter}
   ORDER BY r.customer_id, r.added_at NULLS LAST, r.created_at, r.id`;

/** The tasks of every enabled relationship-start plan for one new relationship of a linked, active guide. */
export async function startRelationshipTasks(
  tx: Tx,
  workspaceId: string,
  relationship: { id: string; customer_id: string; wecom_userid: string; added_at: Date | null; created_at: Date },
): Promise<number> {
  const [guide] = await tx.query<{ staff_id: string }>(
    `SELECT staff_id FROM guides WHERE workspace_id = $1 AND wecom_userid = $2 AND status = 'active'`,
    [workspaceId, relationship.wecom_userid],
  );
  if (!guide) return 0;
  const plans = await enabledPlans(tx, workspaceId, 'relationship_start');
  if (plans.length === 0) return 0;
  const timeZone = await workspaceTimezone(tx, workspaceId);
  const base = { instant: relationship.added_at ?? relationship.created_at };
  let created = 0;
  for (const plan of plans) {
    for (const step of plan.steps) {
      created += await insertTasks(
        tx,
        workspaceId,
        plan.id,
        step,
        [{ customerId: relationship.customer_id, guideStaffId: guide.staff_id }],
        `relationship:${relationship.id}`,
        dueOf(step, base, timeZone),
        step.title,
      );
    }
  }
  return created;
}

/** Tasks of plans triggered by a customer's domain event (segment entered, tag added), for the customer's guide. */
export async function eventTasks(
  tx: Tx,
  workspaceId: string,
  trigger: { type: 'segment_entered'; segmentId: string } | { type: 'tag_added'; tagId: string },
  customerId: string,
  occurrence: string,
  at: Date,
): Promise<number> {
  const plans = (await enabledPlans(tx, workspaceId, trigger.type)).filter((p) =>
    trigger.type === 'segment_entered'
      ? p.trigger.type === 'segment_entered' && p.trigger.segmentId === trigger.segmentId
      : p.trigger.type === 'tag_added' && p.trigger.tagId === trigger.tagId,
  );
  if (plans.length === 0) return 0;
  const owners = await tx.query<{ customer_id: string; staff_id: string }>(OWNERS_SQL('r.customer_id = $2'), [
    workspaceId,
    customerId,
  ]);
  const owner = owners[0];
  if (!owner) return 0;
  const timeZone = await workspaceTimezone(tx, workspaceId);
  let created = 0;
  for (const plan of plans) {
    for (const step of plan.steps) {
      created += await insertTasks(
        tx,
        workspaceId,
        plan.id,
        step,
        [{ customerId: owner.customer_id, guideStaffId: owner.staff_id }],
        occurrence,
        dueOf(step, { instant: at }, timeZone),
        step.title,
      );
    }
  }
  return created;
}

/** Days before and after today whose date-triggered tasks each daily run makes (missed runs are caught up). */
const WINDOW_BEFORE = 2;
const WINDOW_AFTER = 1;

/**
 * Birthday and festival tasks due from two days ago to tomorrow (local days). Birthday tasks go to each customer's
 * guide (a 29 February birthday is kept on 28 February in other years); festival tasks go to every active guide who
 * has customers, one each, to greet them all. Idempotent: the daily run and its catch-up overlap safely.
 */
export async function dateTriggeredTasks(tx: Tx, workspaceId: string, now: Date, locale: Locale): Promise<number> {
  const timeZone = await workspaceTimezone(tx, workspaceId);
  const today = dayOf(now, timeZone);
  const window = { from: today - WINDOW_BEFORE, to: today + WINDOW_AFTER };
  let created = 0;
  for (const plan of await enabledPlans(tx, workspaceId, 'birthday')) {
    for (const step of plan.steps) {
      for (let due = window.from; due <= window.to; due++) {
        const birthday = dateOfDay(due - step.offset_days);
        const year = Number(birthday.slice(0, 4));
        const monthDay = birthday.slice(5);
        const days = monthDay === '02-28' && !isLeapYear(year) ? ['02-28', '02-29'] : [monthDay];
        const owners = await tx.query<{ customer_id: string; staff_id: string }>(
          `SELECT o.customer_id, o.staff_id FROM (${OWNERS_SQL('TRUE')}) AS o
             JOIN customers c ON c.workspace_id = $1 AND c.id = o.customer_id AND c.merged_into IS NULL
            WHERE to_char(c.birthday, 'MM-DD') = ANY($2::text[])`,
          [workspaceId, days],
        );
        created += await insertTasks(
          tx,
          workspaceId,
          plan.id,
          step,
          owners.map((o) => ({ customerId: o.customer_id, guideStaffId: o.staff_id })),
          `birthday:${year}`,
          dueOf(step, { day: dayOfDate(birthday) }, timeZone),
          step.title,
        );
      }
    }
  }
  const festivalPlans = await enabledPlans(tx, workspaceId, 'festival');
  if (festivalPlans.length === 0) return created;
  const calendar = await festivalCalendar(tx, workspaceId, locale);
  const guides = await tx.query<{ staff_id: string }>(
    `SELECT g.staff_id FROM guides g WHERE g.workspace_id = $1 AND g.status = 'active'
        AND EXISTS (SELECT 1 FROM customer_relationships r
                     WHERE r.workspace_id = g.workspace_id AND r.wecom_userid = g.wecom_userid AND r.status = 'active')`,
    [workspaceId],
  );
  const year = Number(dateOfDay(today).slice(0, 4));
  for (const plan of festivalPlans) {
    if (plan.trigger.type !== 'festival') continue;
    for (const key of plan.trigger.festivals) {
      const festival = calendar.find((f) => f.key === key);
      if (!festival) continue;
      for (const y of [year - 1, year, year + 1]) {
        const date = festivalDate(festival, y);
        if (!date) continue;
        for (const step of plan.steps) {
          const due = dayOfDate(date) + step.offset_days;
          if (due < window.from || due > window.to) continue;
          created += await insertTasks(
            tx,
            workspaceId,
            plan.id,
            step,
            guides.map((g) => ({ customerId: null, guideStaffId: g.staff_id })),
            `festival:${key}:${y}`,
            dueOf(step, { day: dayOfDate(date) }, timeZone),
            translate(locale, 'sop.festival_task_title', { title: step.title, festival: festival.name }),
          );
        }
      }
    }
  }
  return created;
}

/** The open tasks of a relationship that ended are skipped, with the reason as their note. */
export async function skipTasksOfEnded(
  tx: Tx,
  workspaceId: string,
  customerId: string,
  wecomUserId: string,
  now: Date,
): Promise<void> {
  const locale = await workspaceLocale(tx, workspaceId);
  await tx.query(
    `UPDATE sop_tasks t SET status = 'skipped', completed_at = $4, note = $5
       FROM guides g
      WHERE t.workspace_id = $1 AND t.customer_id = $2 AND t.status IN ('open', 'overdue')
        AND g.workspace_id = t.workspace_id AND g.wecom_userid = $3 AND g.staff_id = t.guide_staff_id`,
    [workspaceId, customerId, wecomUserId, now, translate(locale, 'task.note.relationship_ended')],
  );
}

/** A transferred customer's open tasks go with them to the takeover guide. */
export async function moveOpenTasks(
  tx: Tx,
  workspaceId: string,
  customerId: string,
  fromStaffId: string | null,
  toStaffId: string | null,
): Promise<void> {
  if (!fromStaffId || !toStaffId) return;
  await tx.query(
    `UPDATE sop_tasks SET guide_staff_id = $4
      WHERE workspace_id = $1 AND customer_id = $2 AND guide_staff_id = $3 AND status IN ('open', 'overdue')`,
    [workspaceId, customerId, fromStaffId, toStaffId],
  );
}

/**
 * Marks open tasks past their due time overdue and tells each guide once per check how many of theirs became
 * overdue (in the inbox, and by e-mail when configured).
 */
export async function markOverdue(
  tx: Tx,
  workspaceId: string,
  now: Date,
  smtp: SmtpConfig | null,
): Promise<{ overdue: number; notified: number }> {
  const rows = await tx.query<{ id: string; guide_staff_id: string; title: string; due_at: Date }>(
    `UPDATE sop_tasks SET status = 'overdue', overdue_at = $2
      WHERE workspace_id = $1 AND status = 'open' AND due_at < $2
      RETURNING id, guide_staff_id, title, due_at`,
    [workspaceId, now],
  );
  const byGuide = new Map<string, typeof rows>();
  for (const r of rows) byGuide.set(r.guide_staff_id, [...(byGuide.get(r.guide_staff_id) ?? []), r]);
  let notified = 0;
  for (const [guideStaffId, tasks] of byGuide) {
    tasks.sort((a, b) => a.due_at.getTime() - b.due_at.getTime() || (a.id < b.id ? -1 : 1));
    const ids = tasks.map((t) => t.id).sort();
    const created = await notify(tx, workspaceId, {
      recipients: [guideStaffId],
      kind: 'task_overdue',
      data: { count: tasks.length, titles: tasks.slice(0, 3).map((t) => t.title), taskIds: ids.slice(0, 50) },
      dedupeKey: `task_overdue:${ids[0]}`,
      now,
      smtp,
    });
    notified += created.length;
  }
  return { overdue: rows.length, notified };
}

// ---------------------------------------------------------------------------------------------------------------
// Reading and completing.

interface TaskRow {
  id: string;
  plan_id: string;
  plan_name: string;
  step_id: string | null;
  customer_id: string | null;
  customer_name: string | null;
  guide_staff_id: string;
  guide_name: string | null;
  occurrence: string;
  due_at: Date;
  title: string;
  script: string | null;
  material: Material | null;
  status: Task['status'];
  completed_at: Date | null;
  completed_by_name: string | null;
  note: string | null;
  created_at: Date;
}

const TASK_SELECT = `SELECT t.id, t.plan_id, p.name AS plan_name, t.step_id, t.customer_id, c.name AS customer_name,
    t.guide_staff_id, s.name AS guide_name, t.occurrence, t.due_at, t.title, t.script, t.material, t.status,
    t.completed_at, t.completed_by_name, t.note, t.created_at
  FROM sop_tasks t
  JOIN sop_plans p ON p.workspace_id = t.workspace_id AND p.id = t.plan_id
  LEFT JOIN customers c ON c.workspace_id = t.workspace_id AND c.id = t.customer_id
  LEFT JOIN staff s ON s.workspace_id = t.workspace_id AND s.id = t.guide_staff_id`;

/** Tasks with their scripts filled in for their customer and guide, as of now. */
async function toTasks(ctx: RequestContext, rows: readonly TaskRow[]): Promise<Task[]> {
  const values = new Map<string, ScriptValues>();
  const pii = ctx.can('customer.pii');
  const out: Task[] = [];
  for (const r of rows) {
    let script: string | null = null;
    if (r.script) {
      const key = `${r.customer_id ?? ''}:${r.guide_staff_id}`;
      let v = values.get(key);
      if (!v) {
        v = await scriptValues(ctx.tx, ctx.workspaceId, r.customer_id, r.guide_staff_id, ctx.locale);
        values.set(key, v);
      }
      script = renderScript(r.script, v, ctx.locale).text;
    }
    out.push({
      id: r.id,
      planId: r.plan_id,
      planName: r.plan_name,
      stepId: r.step_id,
      customerId: r.customer_id,
      customerName: r.customer_name && !pii ? maskName(r.customer_name) : r.customer_name,
      guideStaffId: r.guide_staff_id,
      guideName: r.guide_name,
      occurrence: r.occurrence,
      dueAt: r.due_at.toISOString(),
      title: r.title,
      script,
      material: r.material,
      status: r.status,
      completedAt: r.completed_at?.toISOString() ?? null,
      completedByName: r.completed_by_name,
      note: r.note,
      createdAt: r.created_at.toISOString(),
    });
  }
  return out;
}

/** The end of the workspace's local today, for "due today". */
async function endOfToday(ctx: RequestContext): Promise<Date> {
  const timeZone = await workspaceTimezone(ctx.tx, ctx.workspaceId);
  return instantOf(dayOf(ctx.now(), timeZone) + 1, 0, timeZone);
}

/**
 * Tasks, soonest due first. A guide sees their own, about customers they still own (or about all their customers);
 * others see everyone's, or one guide's with `guideStaffId`.
 */
export async function listTasks(ctx: RequestContext, query: TaskListQuery, guides?: readonly string[]) {
  const limit = query.limit ?? 50;
  const params: unknown[] = [ctx.workspaceId];
  const where = ['t.workspace_id = $1'];
  const add = (clause: string, value: unknown) => {
    params.push(value);
    where.push(clause.replaceAll('?', `$${params.length}`));
  };
  if (ctx.scope.kind === 'own') {
    add('t.guide_staff_id = ?', ctx.scope.staffId);
    where.push(`(t.customer_id IS NULL OR ${scopeSql(ctx, 't.customer_id', params)})`);
  } else if (query.guideStaffId) add('t.guide_staff_id = ?', query.guideStaffId);
  if (guides) add('t.guide_staff_id = ANY(?::uuid[])', guides);
  if (query.status) add('t.status = ?', query.status);
  if (query.customerId) add('t.customer_id = ?', query.customerId);
  if (query.planId) add('t.plan_id = ?', query.planId);
  if (query.due === 'today') {
    where.push(`t.status IN ('open', 'overdue')`);
    add('t.due_at < ?', await endOfToday(ctx));
  } else if (query.due === 'upcoming') {
    where.push(`t.status = 'open'`);
    add('t.due_at >= ?', await endOfToday(ctx));
  }
  const cursor = decodeCursor(query.cursor);
  if (cursor) {
    params.push(String(cursor[0]), String(cursor[1]));
    where.push(`(t.due_at, t.id) > ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  params.push(limit + 1);
  const rows = await ctx.tx.query<TaskRow>(
    `${TASK_SELECT} WHERE ${where.join(' AND ')} ORDER BY t.due_at, t.id LIMIT $${params.length}`,
    params,
  );
  const page = pageOf(
    rows,
    limit,
    (r) => r,
    (r) => [r.due_at.toISOString(), r.id],
  );
  return { items: await toTasks(ctx, page.items), nextCursor: page.nextCursor };
}

/**
 * Finishes a task as done or skipped, with a note. A guide finishes only their own. Sending the same outcome
 * again answers the task as it is (a retried request); another outcome for a finished task is a 409.
 */
export async function completeTask(ctx: RequestContext, id: string, body: CompleteTaskBody): Promise<Task> {
  const own = ctx.scope.kind === 'own' ? ctx.scope.staffId : null;
  const [task] = await ctx.tx.query<{ status: Task['status'] }>(
    `SELECT status FROM sop_tasks WHERE workspace_id = $1 AND id = $2 AND ($3::uuid IS NULL OR guide_staff_id = $3)
      FOR UPDATE`,
    [ctx.workspaceId, id, own],
  );
  if (!task) throw notFound('task.not_found');
  if (task.status === 'done' || task.status === 'skipped') {
    if (task.status !== body.outcome) throw conflict('task.already_finished', { status: task.status });
  } else {
    await ctx.tx.query(
      `UPDATE sop_tasks SET status = $3, completed_at = $4, completed_by = $5, completed_by_name = $6, note = $7
        WHERE workspace_id = $1 AND id = $2`,
      [
        ctx.workspaceId,
        id,
        body.outcome,
        ctx.now(),
        ctx.actor.type === 'staff' ? ctx.actor.id : null,
        ctx.actor.name,
        body.note ?? null,
      ],
    );
  }
  const rows = await ctx.tx.query<TaskRow>(`${TASK_SELECT} WHERE t.workspace_id = $1 AND t.id = $2`, [
    ctx.workspaceId,
    id,
  ]);
  return (await toTasks(ctx, rows))[0] as Task;
}
