// Domain events: written to the outbox in the transaction of the change they announce, fanned out by the workers
// into one job per matching subscriber, and handled by each subscriber exactly once (receipts).
import type { Db, Tx } from '../db/index.ts';
import type { DomainEvent, JobHandler, Subscriber } from './index.ts';
import { JOBS_CHANNEL } from './queue.ts';

/** Job kinds of subscriber deliveries are `event:<subscriber name>`; no other handler may use the prefix. */
export const EVENT_JOB_PREFIX = 'event:';

/**
 * Records a domain event in the caller's tenant transaction: it is published if and only if the change commits.
 * Returns the event id.
 */
export async function emit(tx: Tx, type: string, payload: unknown): Promise<number> {
  if (!tx.workspaceId) throw new Error(`emit('${type}') needs a tenant transaction (db.tenant), not an owner one`);
  const rows = await tx.query<{ id: number }>(
    `WITH inserted AS (
       INSERT INTO outbox_events (workspace_id, type, payload) VALUES ($1, $2, $3::jsonb) RETURNING id
     )
     SELECT id, pg_notify('${JOBS_CHANNEL}', '') AS notified FROM inserted`,
    [tx.workspaceId, type, JSON.stringify(payload ?? null)],
  );
  return rows[0]!.id;
}

/**
 * Records many domain events of one type in one statement (bulk tagging, batch ingestion, trait recomputes):
 * the same rows `emit` would write, without a round trip per event.
 */
export async function emitMany(tx: Tx, type: string, payloads: readonly unknown[]): Promise<void> {
  if (!tx.workspaceId) throw new Error(`emitMany('${type}') needs a tenant transaction (db.tenant), not an owner one`);
  if (payloads.length === 0) return;
  await tx.query(
    `WITH inserted AS (
       INSERT INTO outbox_events (workspace_id, type, payload)
       SELECT $1, $2, p FROM unnest($3::jsonb[]) AS p RETURNING id
     )
     SELECT pg_notify('${JOBS_CHANNEL}', '') FROM (SELECT 1 FROM inserted LIMIT 1) AS any_inserted`,
    [tx.workspaceId, type, payloads.map((p) => JSON.stringify(p ?? null))],
  );
}

const wants = (subscriber: Subscriber, type: string) =>
  subscriber.events.includes(type) || subscriber.events.includes('*');

/**
 * Turns up to `limit` undispatched events into subscriber jobs and marks them dispatched, in one transaction:
 * a crash in between leaves both undone, and a second dispatch of the same event finds its jobs already there
 * (dedupe key = event id). Returns how many events it took.
 */
export async function dispatchEvents(
  db: Db,
  subscribers: readonly Subscriber[],
  options: { limit: number; now: Date },
): Promise<number> {
  return db.transaction(async (tx) => {
    const events = await tx.query<{ id: number; workspace_id: string; type: string }>(
      `SELECT id, workspace_id, type FROM outbox_events
       WHERE dispatched_at IS NULL
       ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [options.limit],
    );
    if (events.length === 0) return 0;
    const workspaceIds: string[] = [];
    const kinds: string[] = [];
    const payloads: string[] = [];
    const dedupeKeys: string[] = [];
    for (const event of events) {
      for (const subscriber of subscribers) {
        if (!wants(subscriber, event.type)) continue;
        workspaceIds.push(event.workspace_id);
        kinds.push(`${EVENT_JOB_PREFIX}${subscriber.name}`);
        payloads.push(JSON.stringify({ eventId: event.id }));
        dedupeKeys.push(String(event.id));
      }
    }
    if (kinds.length > 0) {
      await tx.query(
        `INSERT INTO jobs (workspace_id, kind, payload, dedupe_key)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::jsonb[], $4::text[])
         ON CONFLICT DO NOTHING`,
        [workspaceIds, kinds, payloads, dedupeKeys],
      );
      await tx.query(`SELECT pg_notify('${JOBS_CHANNEL}', '')`);
    }
    await tx.query('UPDATE outbox_events SET dispatched_at = $2 WHERE id = ANY($1::bigint[])', [
      events.map((e) => e.id),
      options.now,
    ]);
    return events.length;
  });
}

/**
 * The built-in handler of each subscriber's `event:<name>` jobs. It runs in the job's tenant transaction: the
 * receipt, the subscriber's effects and the job's completion commit together or not at all, and a receipt
 * already present (a duplicate delivery) means the event was handled and is skipped.
 */
export function subscriberHandlers(subscribers: readonly Subscriber[]): Record<string, JobHandler> {
  const handlers: Record<string, JobHandler> = {};
  for (const subscriber of subscribers) {
    handlers[`${EVENT_JOB_PREFIX}${subscriber.name}`] = async (job, tx) => {
      const eventId = (job.payload as { eventId?: unknown } | null)?.eventId;
      if (typeof eventId !== 'number') throw new Error(`job ${job.id} carries no event id`);
      const rows = await tx.query<{
        id: number;
        workspace_id: string;
        type: string;
        payload: unknown;
        occurred_at: Date;
      }>(
        `SELECT id, workspace_id, type, payload, occurred_at FROM outbox_events
         WHERE workspace_id = $1 AND id = $2`,
        [job.workspaceId, eventId],
      );
      const row = rows[0];
      if (!row) throw new Error(`event ${eventId} of job ${job.id} is not in the outbox of its workspace`);
      const receipt = await tx.query(
        `INSERT INTO event_receipts (workspace_id, subscriber, event_id) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING RETURNING event_id`,
        [row.workspace_id, subscriber.name, row.id],
      );
      if (receipt.length === 0) return;
      const event: DomainEvent = {
        id: row.id,
        workspaceId: row.workspace_id,
        type: row.type,
        payload: row.payload,
        occurredAt: row.occurred_at,
      };
      await subscriber.handle(event, tx);
    };
  }
  return handlers;
}
