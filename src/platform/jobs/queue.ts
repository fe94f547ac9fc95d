// The jobs queue: enqueue, claim under a lease, run a handler in the transaction that also completes the job
// (fenced on the lease), retry with backoff into the dead-letter state, and the console's list and retry.
import type { JOB_STATES, Job, Page } from '../../contracts/foundation.ts';
import type { Db, Queryable, Tx } from '../db/index.ts';
import { InvalidJobCursor, JobNotFound, JobNotRetryable } from './errors.ts';
import type { ClaimedJob, JobHandler, JobLog, NewJob } from './index.ts';

export const DEFAULT_MAX_ATTEMPTS = 8;
/** The channel workers LISTEN on; enqueue and emit notify it so an idle worker starts at once instead of polling. */
export const JOBS_CHANNEL = 'siyu_jobs';

const BACKOFF_BASE_SECONDS = 10;
const BACKOFF_CAP_SECONDS = 3600;
const ERROR_MAX_LINES = 8;
const ERROR_MAX_CHARS = 2000;

export type JobState = (typeof JOB_STATES)[number];

/**
 * Adds a job in the caller's transaction, so it exists exactly when the change that asked for it commits.
 * Returns its id, or null when a job of the same kind and dedupe key already exists. In a tenant transaction the
 * job belongs to that workspace unless `workspaceId` says otherwise.
 */
export async function enqueue(tx: Queryable, job: NewJob): Promise<number | null> {
  const workspaceId = job.workspaceId !== undefined ? job.workspaceId : ((tx as Partial<Tx>).workspaceId ?? null);
  const rows = await tx.query<{ id: number }>(
    `WITH inserted AS (
       INSERT INTO jobs (workspace_id, kind, payload, run_at, dedupe_key, max_attempts, priority)
       VALUES ($1, $2, $3::jsonb, coalesce($4::timestamptz, now()), $5, $6, $7)
       ON CONFLICT DO NOTHING
       RETURNING id
     )
     SELECT id, pg_notify('${JOBS_CHANNEL}', '') AS notified FROM inserted`,
    [
      workspaceId,
      job.kind,
      JSON.stringify(job.payload ?? {}),
      job.runAt ?? null,
      job.dedupeKey ?? null,
      job.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      job.priority ?? 0,
    ],
  );
  return rows[0]?.id ?? null;
}

interface ClaimedRow {
  id: number;
  kind: string;
  workspace_id: string | null;
  payload: unknown;
  attempts: number;
  max_attempts: number;
}

/**
 * Takes up to `limit` runnable jobs for `workerId`: queued jobs that are due, and running jobs whose worker let
 * the lease run out (it died or stalled). SKIP LOCKED lets any number of workers claim side by side; each claim
 * counts an attempt, and (id, worker, attempts) is the fence the completion is checked against.
 */
export async function claimJobs(
  db: Queryable,
  options: { workerId: string; limit: number; leaseSeconds: number; now: Date },
): Promise<ClaimedJob[]> {
  // Two locking subqueries rather than one with OR, so each walks its own partial index in order and stops at the
  // limit; rows locked beyond the limit are released when this statement commits.
  const rows = await db.query<ClaimedRow>(
    `WITH expired AS (
       SELECT id FROM jobs WHERE state = 'running' AND locked_until <= $2
       ORDER BY locked_until LIMIT $3 FOR UPDATE SKIP LOCKED
     ), due AS (
       SELECT id FROM jobs WHERE state = 'queued' AND run_at <= $2
       ORDER BY priority DESC, run_at LIMIT $3 FOR UPDATE SKIP LOCKED
     )
     UPDATE jobs j
     SET state = 'running', attempts = j.attempts + 1, locked_by = $1,
         locked_until = $2::timestamptz + make_interval(secs => $4),
         last_error = CASE WHEN j.state = 'running'
                           THEN format('lease of worker %s expired during attempt %s', j.locked_by, j.attempts)
                           ELSE j.last_error END
     WHERE j.id IN (SELECT id FROM expired UNION ALL SELECT id FROM due LIMIT $3)
     RETURNING j.id, j.kind, j.workspace_id, j.payload, j.attempts, j.max_attempts`,
    [options.workerId, options.now, options.limit, options.leaseSeconds],
  );
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    workspaceId: r.workspace_id,
    payload: r.payload,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
  }));
}

/** Pushes the lease forward while a long handler runs; false once the lease is no longer this worker's. */
export async function extendLease(
  db: Queryable,
  job: ClaimedJob,
  options: { workerId: string; leaseSeconds: number; now: Date },
): Promise<boolean> {
  const rows = await db.query(
    `UPDATE jobs SET locked_until = $4::timestamptz + make_interval(secs => $5)
     WHERE id = $1 AND locked_by = $2 AND attempts = $3 AND state = 'running'
     RETURNING id`,
    [job.id, options.workerId, job.attempts, options.now, options.leaseSeconds],
  );
  return rows.length > 0;
}

/** The completion found the job no longer leased to this worker; thrown inside the handler's transaction. */
class LeaseLost extends Error {
  constructor(job: ClaimedJob, workerId: string) {
    super(`job ${job.id} attempt ${job.attempts} is no longer leased to ${workerId}`);
  }
}

export type JobOutcome = 'succeeded' | 'retrying' | 'dead' | 'lost';

export interface RunOptions {
  workerId: string;
  /** The clock for finished_at and the retry time. */
  now: () => Date;
  log: JobLog;
}

/**
 * Runs one claimed job. The handler and the fenced completion share one transaction: if another worker has taken
 * the job over (this lease expired), the completion matches no row and everything the handler wrote rolls back,
 * so a job's database effects commit exactly once however often it runs. Never throws.
 */
export async function runJob(
  db: Db,
  job: ClaimedJob,
  handler: JobHandler | undefined,
  options: RunOptions,
): Promise<JobOutcome> {
  try {
    // A job claimed back from an expired lease after its last attempt has used up its attempts without failing
    // visibly (the worker died, perhaps because of this very job): it goes to the dead letters, not round again.
    if (job.attempts > job.maxAttempts) {
      throw new Error(`no attempts left: attempt ${job.attempts - 1} of ${job.maxAttempts} lost its worker`);
    }
    if (!handler) throw new Error(`no handler is registered for job kind '${job.kind}'`);
    const inTransaction = <T>(fn: (tx: Tx) => Promise<T>) =>
      job.workspaceId ? db.tenant(job.workspaceId, fn) : db.transaction(fn);
    await inTransaction(async (tx) => {
      await handler(job, tx);
      const done = await tx.query(
        `UPDATE jobs SET state = 'succeeded', finished_at = $4, locked_until = NULL
         WHERE id = $1 AND locked_by = $2 AND attempts = $3 AND state = 'running'
         RETURNING id`,
        [job.id, options.workerId, job.attempts, options.now()],
      );
      if (done.length === 0) throw new LeaseLost(job, options.workerId);
    });
    options.log.debug({ jobId: job.id, kind: job.kind, attempt: job.attempts }, 'job succeeded');
    return 'succeeded';
  } catch (err) {
    if (err instanceof LeaseLost) {
      options.log.warn(
        { jobId: job.id, kind: job.kind, attempt: job.attempts },
        'job lease lost to another worker; this attempt rolled back',
      );
      return 'lost';
    }
    try {
      return await recordFailure(db, job, err, options);
    } catch (recordErr) {
      // The job stays running under its lease; when the lease runs out another claim retries it.
      options.log.error({ jobId: job.id, err: recordErr }, 'could not record job failure');
      return 'lost';
    }
  }
}

async function recordFailure(db: Db, job: ClaimedJob, err: unknown, options: RunOptions): Promise<JobOutcome> {
  const lastError = describeError(err);
  const rows = await db.query<{ state: JobState }>(
    `UPDATE jobs
     SET state = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'queued' END,
         run_at = CASE WHEN attempts >= max_attempts THEN run_at
                       ELSE $5::timestamptz + make_interval(secs => $6) END,
         finished_at = CASE WHEN attempts >= max_attempts THEN $5::timestamptz END,
         last_error = $4, locked_until = NULL
     WHERE id = $1 AND locked_by = $2 AND attempts = $3 AND state = 'running'
     RETURNING state`,
    [job.id, options.workerId, job.attempts, lastError, options.now(), retryDelaySeconds(job.attempts)],
  );
  const context = { jobId: job.id, kind: job.kind, attempt: job.attempts, error: lastError };
  if (!rows[0]) {
    options.log.warn(context, 'job failed after its lease was lost; the new owner decides');
    return 'lost';
  }
  if (rows[0].state === 'dead') {
    options.log.error(context, 'job failed for the last time and is dead');
    return 'dead';
  }
  options.log.warn(context, 'job failed and will be retried');
  return 'retrying';
}

/**
 * Seconds before retry number `attempt` (1 after the first failure): exponential from 10 s, capped at an hour, with
 * "equal jitter" (a random point in the upper half) so jobs that failed together do not all return together.
 */
export function retryDelaySeconds(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** Math.max(0, attempt - 1));
  return ceiling / 2 + (random() * ceiling) / 2;
}

/** The message and the first stack lines: enough to find the failing line, bounded so a row stays small. */
export function describeError(err: unknown): string {
  const text = err instanceof Error ? (err.stack ?? `${err.name}: ${err.message}`) : String(err);
  return text.split('\n').slice(0, ERROR_MAX_LINES).join('\n').slice(0, ERROR_MAX_CHARS);
}

interface JobRow {
  id: number;
  kind: string;
  state: JobState;
  attempts: number;
  max_attempts: number;
  run_at: Date;
  last_error: string | null;
  payload: unknown;
  created_at: Date;
  finished_at: Date | null;
}

const JOB_COLUMNS = 'id, kind, state, attempts, max_attempts, run_at, last_error, payload, created_at, finished_at';

function toJob(r: JobRow): Job {
  return {
    id: String(r.id),
    kind: r.kind,
    state: r.state,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    runAt: r.run_at.toISOString(),
    lastError: r.last_error,
    payload: r.payload,
    createdAt: r.created_at.toISOString(),
    finishedAt: r.finished_at ? r.finished_at.toISOString() : null,
  };
}

// The cursor is the last id seen, wrapped so clients treat it as opaque and we may change it later.
const encodeCursor = (id: number) => Buffer.from(`j:${id}`).toString('base64url');
function decodeCursor(cursor: string): number {
  const match = /^j:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match?.[1]) throw new InvalidJobCursor();
  return Number(match[1]);
}

/**
 * Jobs newest first for the console, one page at a time. In a tenant transaction only that workspace's jobs;
 * in an owner transaction every job, system jobs included.
 */
export async function listJobs(
  tx: Tx,
  query: { state?: JobState; cursor?: string; limit: number },
): Promise<Page<Job>> {
  const before = query.cursor ? decodeCursor(query.cursor) : null;
  const rows = await tx.query<JobRow>(
    `SELECT ${JOB_COLUMNS} FROM jobs
     WHERE ($1::uuid IS NULL OR workspace_id = $1)
       AND ($2::text IS NULL OR state = $2)
       AND ($3::bigint IS NULL OR id < $3)
     ORDER BY id DESC
     LIMIT $4`,
    [tx.workspaceId, query.state ?? null, before, query.limit + 1],
  );
  const items = rows.slice(0, query.limit).map(toJob);
  const last = rows.length > query.limit ? rows[query.limit - 1] : undefined;
  return { items, nextCursor: last ? encodeCursor(last.id) : null };
}

/** Sends a dead job round again from its first attempt, now. Keeps last_error so the console still shows why. */
export async function retryJob(tx: Tx, id: number | string): Promise<Job> {
  const jobId = String(id);
  if (!/^\d{1,15}$/.test(jobId)) throw new JobNotFound(jobId);
  const rows = await tx.query<JobRow>(
    `WITH revived AS (
       UPDATE jobs SET state = 'queued', attempts = 0, run_at = now(), finished_at = NULL, locked_until = NULL
       WHERE id = $1 AND ($2::uuid IS NULL OR workspace_id = $2) AND state = 'dead'
       RETURNING ${JOB_COLUMNS}
     )
     SELECT revived.*, pg_notify('${JOBS_CHANNEL}', '') AS notified FROM revived`,
    [Number(jobId), tx.workspaceId],
  );
  if (rows[0]) return toJob(rows[0]);
  const existing = await tx.query<{ state: string }>(
    'SELECT state FROM jobs WHERE id = $1 AND ($2::uuid IS NULL OR workspace_id = $2)',
    [Number(jobId), tx.workspaceId],
  );
  if (!existing[0]) throw new JobNotFound(jobId);
  throw new JobNotRetryable(jobId, existing[0].state);
}
