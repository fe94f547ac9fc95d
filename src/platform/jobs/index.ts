// Background work: the jobs queue, cron schedules and the domain-event outbox (see README.md in this folder).
import type { Queryable, Tx } from '../db/index.ts';

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
}

export interface Schedule {
  name: string;
  /** Five-field cron expression, evaluated in `timezone` (default Asia/Shanghai). */
  cron: string;
  timezone?: string;
  kind: string;
  payload?: unknown;
}

export interface DomainEvent {
  id: number;
  workspaceId: string;
  type: string;
  payload: unknown;
  occurredAt: Date;
}

export interface Subscriber {
  /** Stable name: receipts are kept under it, so renaming a subscriber replays history to it. */
  name: string;
  events: readonly string[];
  handle: (event: DomainEvent, tx: Tx) => Promise<void>;
}

export declare function enqueue(tx: Queryable, job: NewJob): Promise<number | null>;
export declare function emit(tx: Tx, type: string, payload: unknown): Promise<number>;
