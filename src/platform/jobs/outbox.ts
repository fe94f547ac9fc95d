// Domain events: written to the outbox in the transaction of the change they announce, fanned out by the workers
// into one job per matching subscriber, and handled by each subscriber exactly once (receipts).
import type { Db, Tx } from '../db/index.ts';
import type { ClaimedJob, DomainEvent, JobHandler, Subscriber } from './index.ts';
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
 * Most event ids one batched job carries: the dispatcher appends to a still-queued job of the same subscriber and
 * workspace until it holds this many, so a subscriber that falls behind gets bigger batches, not a longer queue.
 */
export const MAX_EVENTS_PER_JOB = 2000;

/**
 * Turns up to `limit` undispatched events into subscriber jobs and marks them dispatched, in one transaction:
 * a crash in between leaves both undone. A subscriber with `handle` gets one job per event (dedupe key = event
 * id, so a second dispatch finds its job already there); one with `handleMany` gets one job per workspace and
 * dispatch, `{ eventIds }`, appended to its queued job when there is one. Receipts keep both exactly-once.
 * Returns how many events it took.
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
    const batches = new Map<string, { workspaceId: string; kind: string; eventIds: number[] }>();
    for (const event of events) {
      for (const subscriber of subscribers) {
        if (!wants(subscriber, event.type)) continue;
        const kind = `${EVENT_JOB_PREFIX}${subscriber.name}`;
        if (subscriber.handleMany) {
          const key = `${kind}\u0000${event.workspace_id}`;
          const batch = batches.get(key) ?? { workspaceId: event.workspace_id, kind, eventIds: [] };
          batch.eventIds.push(event.id);
          batches.set(key, batch);
          continue;
        }
        workspaceIds.push(event.workspace_id);
        kinds.push(kind);
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
    }
    for (const batch of batches.values()) await enqueueBatch(tx, batch);
    if (kinds.length > 0 || batches.size > 0) await tx.query(`SELECT pg_notify('${JOBS_CHANNEL}', '')`);
    await tx.query('UPDATE outbox_events SET dispatched_at = $2 WHERE id = ANY($1::bigint[])', [
      events.map((e) => e.id),
      options.now,
    ]);
    return events.length;
  });
}

/**
 * Appends event ids to the subscriber's queued job in that workspace (one not yet claimed: SKIP LOCKED passes over
 * a job a worker is claiming right now, and the state is checked again once the row is locked), or adds a job.
 */
async function enqueueBatch(tx: Tx, batch: { workspaceId: string; kind: string; eventIds: number[] }) {
  for (let i = 0; i < batch.eventIds.length; i += MAX_EVENTS_PER_JOB) {
    const ids = batch.eventIds.slice(i, i + MAX_EVENTS_PER_JOB);
    const appended = await tx.query(
      `UPDATE jobs SET payload = jsonb_build_object('eventIds', (payload->'eventIds') || to_jsonb($3::bigint[]))
       WHERE id = (
         SELECT id FROM jobs
          WHERE workspace_id = $1 AND kind = $2 AND state = 'queued' AND jsonb_typeof(payload->'eventIds') = 'array'
            AND jsonb_array_length(payload->'eventIds') + $4 <= $5
          ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
       RETURNING id`,
      [batch.workspaceId, batch.kind, ids, ids.length, MAX_EVENTS_PER_JOB],
    );
    if (appended.length > 0) continue;
    await tx.query('INSERT INTO jobs (workspace_id, kind, payload) VALUES ($1, $2, $3::jsonb)', [
      batch.workspaceId,
      batch.kind,
      JSON.stringify({ eventIds: ids }),
    ]);
  }
}

/** The event ids a subscriber job carries: `{ eventId }` (one per job) or `{ eventIds }` (a batch). */
function eventIdsOf(job: ClaimedJob): number[] {
  const payload = (job.payload ?? {}) as { eventId?: unknown; eventIds?: unknown };
  const ids = Array.isArray(payload.eventIds) ? payload.eventIds : [payload.eventId];
  if (ids.length === 0 || !ids.every((id) => typeof id === 'number'))
    throw new Error(`job ${job.id} carries no event ids`);
  return [...new Set(ids as number[])].sort((a, b) => a - b);
}

/**
 * The built-in handler of each subscriber's `event:<name>` jobs. It runs in the job's tenant transaction: the
 * receipts, the subscriber's effects and the job's completion commit together or not at all, and an event whose
 * receipt is already there (a duplicate delivery) is left out. Events reach the subscriber in id order.
 */
export function subscriberHandlers(subscribers: readonly Subscriber[]): Record<string, JobHandler> {
  const handlers: Record<string, JobHandler> = {};
  for (const subscriber of subscribers) {
    handlers[`${EVENT_JOB_PREFIX}${subscriber.name}`] = async (job, tx) => {
      const eventIds = eventIdsOf(job);
      const rows = await tx.query<{
        id: number;
        workspace_id: string;
        type: string;
        payload: unknown;
        occurred_at: Date;
      }>(
        `SELECT id, workspace_id, type, payload, occurred_at FROM outbox_events
         WHERE workspace_id = $1 AND id = ANY($2::bigint[]) ORDER BY id`,
        [job.workspaceId, eventIds],
      );
      if (rows.length !== eventIds.length) {
        const found = new Set(rows.map((r) => r.id));
        const missing = eventIds.filter((id) => !found.has(id));
        throw new Error(`events ${missing.join(', ')} of job ${job.id} are not in the outbox of its workspace`);
      }
      const receipts = await tx.query<{ event_id: number }>(
        `INSERT INTO event_receipts (workspace_id, subscriber, event_id)
         SELECT $1, $2, unnest($3::bigint[])
         ON CONFLICT DO NOTHING RETURNING event_id`,
        [job.workspaceId, subscriber.name, eventIds],
      );
      const fresh = new Set(receipts.map((r) => r.event_id));
      const events: DomainEvent[] = rows
        .filter((row) => fresh.has(row.id))
        .map((row) => ({
          id: row.id,
          workspaceId: row.workspace_id,
          type: row.type,
          payload: row.payload,
          occurredAt: row.occurred_at,
        }));
      if (events.length === 0) return;
      if (subscriber.handleMany) await subscriber.handleMany(events, tx);
      else for (const event of events) await subscriber.handle(event, tx);
    };
  }
  return handlers;
}
