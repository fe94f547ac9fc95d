// Custom tasks: points for what a brand asks of its members (fill in the profile, follow the official account,
// review an order …). A task is done once per member, once per member and day, or repeatedly with a key per
// completion; each completion earns within the task caps and announces `member.task_completed`.
import type { Task, TaskBody, TaskCompletion, UpdateTaskBody } from '../../contracts/points.ts';
import type { Queryable, Tx } from '../../platform/db/index.ts';
import { badRequest, conflict, notFound, unprocessable } from '../../platform/errors.ts';
import { emit } from '../../platform/jobs/index.ts';
import { capped, requireActiveMember } from './earn-rules.ts';
import { earn, lockMember } from './ledger.ts';

interface TaskRow {
  id: string;
  name: string;
  description: string | null;
  points: number;
  frequency: Task['frequency'];
  starts_at: Date | null;
  ends_at: Date | null;
  archived_at: Date | null;
  created_at: Date;
  completions: number;
}
const TASK_COLUMNS = `id, name, description, points, frequency, starts_at, ends_at, archived_at, created_at,
  (SELECT count(*) FROM points_task_completions c WHERE c.workspace_id = t.workspace_id AND c.task_id = t.id)::int
    AS completions`;

const taskOf = (r: TaskRow): Task => ({
  id: r.id,
  name: r.name,
  description: r.description,
  points: Number(r.points),
  frequency: r.frequency,
  startsAt: r.starts_at?.toISOString() ?? null,
  endsAt: r.ends_at?.toISOString() ?? null,
  archived: r.archived_at !== null,
  completions: r.completions,
  createdAt: r.created_at.toISOString(),
});

function checkWindow(startsAt: string | null | undefined, endsAt: string | null | undefined) {
  if (startsAt && endsAt && Date.parse(endsAt) <= Date.parse(startsAt)) throw unprocessable('points.task_window');
}

export async function listTasks(q: Queryable, workspaceId: string, includeArchived: boolean): Promise<Task[]> {
  const rows = await q.query<TaskRow>(
    `SELECT ${TASK_COLUMNS} FROM points_tasks t
      WHERE workspace_id = $1 AND ($2 OR archived_at IS NULL) ORDER BY created_at DESC, id`,
    [workspaceId, includeArchived],
  );
  return rows.map(taskOf);
}

export async function getTask(q: Queryable, workspaceId: string, id: string): Promise<Task> {
  const rows = await q.query<TaskRow>(
    `SELECT ${TASK_COLUMNS} FROM points_tasks t WHERE workspace_id = $1 AND id = $2`,
    [workspaceId, id],
  );
  if (!rows[0]) throw notFound('points.task_not_found');
  return taskOf(rows[0]);
}

export async function createTask(tx: Tx, workspaceId: string, body: TaskBody, now: Date): Promise<Task> {
  checkWindow(body.startsAt, body.endsAt);
  const rows = await tx.query<{ id: string }>(
    `INSERT INTO points_tasks (workspace_id, name, description, points, frequency, starts_at, ends_at, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
    [
      workspaceId,
      body.name.trim(),
      body.description?.trim() || null,
      body.points,
      body.frequency,
      body.startsAt ?? null,
      body.endsAt ?? null,
      now,
    ],
  );
  return getTask(tx, workspaceId, (rows[0] as { id: string }).id);
}

/** Edits a task; its frequency stays as it was once it has completions (their keys were made by it). */
export async function updateTask(tx: Tx, workspaceId: string, id: string, body: UpdateTaskBody, now: Date) {
  const task = await getTask(tx, workspaceId, id);
  if (body.frequency && body.frequency !== task.frequency && task.completions > 0) {
    throw conflict('points.task_frequency_locked');
  }
  const startsAt = body.startsAt === undefined ? task.startsAt : body.startsAt;
  const endsAt = body.endsAt === undefined ? task.endsAt : body.endsAt;
  checkWindow(startsAt, endsAt);
  await tx.query(
    `UPDATE points_tasks SET name = $3, description = $4, points = $5, frequency = $6, starts_at = $7, ends_at = $8,
            archived_at = CASE WHEN $9::boolean IS NULL THEN archived_at WHEN $9 THEN coalesce(archived_at, $10) END
      WHERE workspace_id = $1 AND id = $2`,
    [
      workspaceId,
      id,
      body.name?.trim() ?? task.name,
      body.description === undefined ? task.description : body.description.trim() || null,
      body.points ?? task.points,
      body.frequency ?? task.frequency,
      startsAt,
      endsAt,
      body.archived ?? null,
      now,
    ],
  );
  return getTask(tx, workspaceId, id);
}

interface CompletionRow {
  task_id: string;
  key: string;
  customer_id: string;
  points: number;
  capped: boolean;
  at: Date;
}

const completionOf = (r: CompletionRow, created: boolean): TaskCompletion => ({
  taskId: r.task_id,
  customerId: r.customer_id,
  key: r.key,
  points: Number(r.points),
  capped: r.capped,
  created,
  at: r.at.toISOString(),
});

/**
 * Records that a member completed a task. The completion's key follows the task's frequency (the member; the
 * member and the day; or the caller's key), so completing twice is answered with the first completion.
 */
export async function completeTask(
  tx: Tx,
  workspaceId: string,
  taskId: string,
  input: { customerId: string; key?: string | undefined },
  now: Date,
): Promise<TaskCompletion> {
  const task = await getTask(tx, workspaceId, taskId);
  const { states, state } = await lockMember(tx, workspaceId, input.customerId, now);
  if (task.frequency === 'repeatable' && !input.key) throw badRequest('points.task_key_required');
  const key =
    task.frequency === 'once'
      ? input.customerId
      : task.frequency === 'daily'
        ? `${input.customerId}:${state.program.today}`
        : `${input.customerId}:${input.key}`;
  const existing = (
    await tx.query<CompletionRow>(
      `SELECT task_id, key, customer_id, points, capped, at FROM points_task_completions
        WHERE workspace_id = $1 AND task_id = $2 AND key = $3`,
      [workspaceId, taskId, key],
    )
  )[0];
  if (existing) return completionOf(existing, false);
  requireActiveMember(state);
  if (task.archived) throw conflict('points.task_archived');
  if ((task.startsAt && now < new Date(task.startsAt)) || (task.endsAt && now >= new Date(task.endsAt))) {
    throw conflict('points.task_not_open');
  }
  const points = await capped(tx, workspaceId, state, 'task', task.points, state.program.rules.task);
  let transactionId: number | null = null;
  if (points > 0) {
    const posted = await earn(tx, workspaceId, states, {
      customerId: input.customerId,
      points,
      cause: 'task',
      key: `task:${taskId}:${key}`,
      at: now,
      details: { taskId, taskName: task.name },
    });
    transactionId = posted.id;
  }
  const rows = await tx.query<CompletionRow>(
    `INSERT INTO points_task_completions (workspace_id, task_id, key, customer_id, points, capped, transaction_id, at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING task_id, key, customer_id, points, capped, at`,
    [workspaceId, taskId, key, input.customerId, points, points < task.points, transactionId, now],
  );
  await emit(tx, 'member.task_completed', { customerId: input.customerId, taskId, key });
  return completionOf(rows[0] as CompletionRow, true);
}
