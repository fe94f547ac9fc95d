// Background work: the jobs queue, cron schedules and the domain-event outbox (see README.md in this folder).
import type { Tx } from '../db/index.ts';

export interface ClaimedJob {
  id: number;
  kind: string;
  workspaceId: string | null;
  payload: unknown;
  /** 1 on the first run. */
  attempts: number;
  maxAttempts: number;
}

/**
 * Runs one job. `tx` is the transaction that also marks the job succeeded, so the handler's database effects
 * commit exactly once; it is confined to the job's workspace when the job has one.
 */
export type JobHandler = (job: ClaimedJob, tx: Tx) => Promise<void>;

export interface NewJob {
  kind: string;
  payload?: unknown;
  workspaceId?: string | null;
  runAt?: Date;
  /** A second job with the same kind and dedupe key is not created (enqueue returns null). */
  dedupeKey?: string;
  maxAttempts?: number;
  /** Due jobs are claimed highest priority first (default 0): for work that must not wait behind a backlog. */
  priority?: number;
}

export interface Schedule {
  name: string;
  /** Five-field cron expression, evaluated in `timezone` (default Asia/Shanghai). */
  cron: string;
  timezone?: string;
  kind: string;
  payload?: unknown;
}

/** One domain event. Events emitted together share their outbox row (`id`) and differ by `index` in it. */
export interface DomainEvent {
  id: number;
  index: number;
  workspaceId: string;
  type: string;
  payload: unknown;
  occurredAt: Date;
}

export interface Subscriber {
  /** Stable name: receipts are kept under it, so renaming a subscriber replays history to it. */
  name: string;
  events: readonly string[];
  /** Handles one event; used when the subscriber has no `handleMany`. */
  handle: (event: DomainEvent, tx: Tx) => Promise<void>;
  /**
   * Handles a batch of events (in id order, each new to this subscriber) in one transaction. Subscribers whose
   * work is set-based (reload these customers, recompute those traits) declare it: the dispatcher then makes one
   * job per workspace for everything that arrived, instead of one job per event.
   */
  handleMany?: (events: DomainEvent[], tx: Tx) => Promise<void>;
  /** Priority of this subscriber's jobs (see NewJob.priority); default 0. */
  priority?: number;
}

/** What the worker logs through; a pino logger fits. */
export interface JobLog {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export { InvalidJobCursor, InvalidSchedule, JobNotFound, JobNotRetryable } from './errors.ts';
export {
  dispatchEvents,
  emit,
  emitMany,
  emitManyJson,
  type OutboxRow,
  PACK_SIZE,
  packedEmitSql,
  unpack,
} from './outbox.ts';
export {
  claimJobs,
  DEFAULT_MAX_ATTEMPTS,
  enqueue,
  type JobOutcome,
  type JobState,
  listJobs,
  retryDelaySeconds,
  retryJob,
  runJob,
} from './queue.ts';
export { fireDueSchedules, nextSlot, syncSchedules } from './schedules.ts';
export { startWorker, type Worker, type WorkerOptions } from './worker.ts';
