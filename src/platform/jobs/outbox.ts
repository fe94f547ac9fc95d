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
       INSERT INTO outbox_events (workspace_id, type, payload) VALUES ($1, $2, $3::json) RETURNING id
     )
     SELECT id, pg_notify('${JOBS_CHANNEL}', '') AS notified FROM inserted`,
    [tx.workspaceId, type, JSON.stringify(payload ?? null)],
  );
  return rows[0]!.id;
}

/** Most events one outbox row (a pack) holds; `emitMany` writes larger sets as several packs. */
export const PACK_SIZE = 1000;

/**
 * Records many domain events of one type (bulk tagging, batch ingestion, trait recomputes) as packs: one outbox row
 * per up to PACK_SIZE events, with the array of their payloads. Subscribers receive them one by one as if each had
 * been emitted alone; packing only saves the rows, index entries, dispatches and receipts of the others.
 */
export async function emitMany(tx: Tx, type: string, payloads: readonly unknown[]): Promise<void> {
  if (!tx.workspaceId) throw new Error(`emitMany('${type}') needs a tenant transaction (db.tenant), not an owner one`);
  if (payloads.length === 0) return;
  if (payloads.length === 1) {
    await emit(tx, type, payloads[0]);
    return;
  }
  const packs: string[] = [];
  for (let i = 0; i < payloads.length; i += PACK_SIZE) {
    packs.push(JSON.stringify(payloads.slice(i, i + PACK_SIZE).map((p) => p ?? null)));
  }
  await insertPacks(tx, type, packs, payloads.length);
}

/**
 * `emitMany` for payloads already serialised, each the JSON text of one payload: for a writer that builds them
 * straight from its rows (ingestion), which is several times cheaper than building objects to serialise.
 */
export async function emitManyJson(tx: Tx, type: string, payloads: readonly string[]): Promise<void> {
  if (!tx.workspaceId) throw new Error(`emitManyJson('${type}') needs a tenant transaction (db.tenant)`);
  if (payloads.length === 0) return;
  const packs: string[] = [];
  for (let i = 0; i < payloads.length; i += PACK_SIZE) packs.push(`[${payloads.slice(i, i + PACK_SIZE).join(',')}]`);
  await insertPacks(tx, type, packs, payloads.length);
}

/**
 * Inserts packs, each the JSON text of an array of up to PACK_SIZE payloads out of `count` in order, and wakes the
 * workers. Each pack is a parameter of its own: node-postgres sends text parameters as they are (it would escape a
 * text[] of them character by character), and PostgreSQL only checks each one's syntax.
 */
async function insertPacks(tx: Tx, type: string, packs: readonly string[], count: number): Promise<void> {
  const rows = packs.map((_, n) => `($1, $2, $${n + 3}::json, ${Math.min(PACK_SIZE, count - n * PACK_SIZE)})`);
  await tx.query(
    `WITH inserted AS (
       INSERT INTO outbox_events (workspace_id, type, payload, pack_size) VALUES ${rows.join(', ')} RETURNING id
     )
     SELECT pg_notify('${JOBS_CHANNEL}', '') FROM (SELECT 1 FROM inserted LIMIT 1) AS any_inserted`,
    [tx.workspaceId, type, ...packs],
  );
}

/**
 * For a writer that announces what its own statement wrote without sending it back and forth: two CTEs that pack
 * the `payload` expression (json or jsonb) over the rows of the CTE `from` into outbox rows of up to PACK_SIZE events, and
 * wake the workers. The statement must read `(SELECT count(*) FROM <name>_notified)`: PostgreSQL never runs a
 * reading CTE that nothing refers to. `workspace` is the SQL of the workspace id (a parameter reference).
 */
export function packedEmitSql(name: string, type: string, from: string, payload: string, workspace: string): string {
  return `${name} AS (
    INSERT INTO outbox_events (workspace_id, type, payload, pack_size)
    SELECT ${workspace}, '${type}', json_agg(p ORDER BY n), count(*)::int
      FROM (SELECT ${payload} AS p, row_number() OVER () - 1 AS n FROM ${from}) AS x
     GROUP BY n / ${PACK_SIZE}
    RETURNING id
  ), ${name}_notified AS (
    SELECT pg_notify('${JOBS_CHANNEL}', '') FROM (SELECT 1 FROM ${name} LIMIT 1) AS any_row
  )`;
}

/** An outbox row as stored: one event, or a pack of them (`pack_size` payloads in an array). */
export interface OutboxRow {
  id: number;
  workspace_id: string;
  type: string;
  payload: unknown;
  pack_size: number | null;
  occurred_at: Date;
}

/** The events of one outbox row: itself, or each payload of a pack, in order. */
export function unpack(row: OutboxRow): DomainEvent[] {
  const payloads = row.pack_size === null ? [row.payload] : (row.payload as unknown[]);
  return payloads.map((payload, index) => ({
    id: row.id,
    index,
    workspaceId: row.workspace_id,
    type: row.type,
    payload,
    occurredAt: row.occurred_at,
  }));
}

const wants = (subscriber: Subscriber, type: string) =>
  subscriber.events.includes(type) || subscriber.events.includes('*');

/**
 * Most events one batched job carries, packs counted by their size: the dispatcher appends to a still-queued job of
 * the same subscriber and workspace until it holds this many, so a subscriber that falls behind gets bigger
 * batches, not a longer queue, and no batch outgrows one transaction.
 */
export const MAX_EVENTS_PER_JOB = 5000;

interface Batch {
  workspaceId: string;
  kind: string;
  priority: number;
  /** Outbox row ids, each with the number of events it holds. */
  rows: { id: number; size: number }[];
}

/**
 * Turns up to `limit` undispatched outbox rows into subscriber jobs and marks them dispatched, in one transaction:
 * a crash in between leaves both undone. A subscriber with `handle` gets one job per row (dedupe key = row id, so
 * a second dispatch finds its job already there); one with `handleMany` gets one job per workspace and dispatch,
 * `{ eventIds, events }`, appended to its queued job when there is one. Receipts keep both exactly-once.
 * Returns how many rows it took.
 */
export async function dispatchEvents(
  db: Db,
  subscribers: readonly Subscriber[],
  options: { limit: number; now: Date },
): Promise<number> {
  return db.transaction(async (tx) => {
    const rows = await tx.query<{ id: number; workspace_id: string; type: string; pack_size: number | null }>(
      `SELECT id, workspace_id, type, pack_size FROM outbox_events
       WHERE dispatched_at IS NULL
       ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [options.limit],
    );
    if (rows.length === 0) return 0;
    const workspaceIds: string[] = [];
    const kinds: string[] = [];
    const payloads: string[] = [];
    const dedupeKeys: string[] = [];
    const priorities: number[] = [];
    const batches = new Map<string, Batch>();
    for (const row of rows) {
      for (const subscriber of subscribers) {
        if (!wants(subscriber, row.type)) continue;
        const kind = `${EVENT_JOB_PREFIX}${subscriber.name}`;
        if (subscriber.handleMany) {
          const key = `${kind}\u0000${row.workspace_id}`;
          const batch = batches.get(key) ?? {
            workspaceId: row.workspace_id,
            kind,
            priority: subscriber.priority ?? 0,
            rows: [],
          };
          batch.rows.push({ id: row.id, size: row.pack_size ?? 1 });
          batches.set(key, batch);
          continue;
        }
        workspaceIds.push(row.workspace_id);
        kinds.push(kind);
        payloads.push(JSON.stringify({ eventId: row.id }));
        dedupeKeys.push(String(row.id));
        priorities.push(subscriber.priority ?? 0);
      }
    }
    if (kinds.length > 0) {
      await tx.query(
        `INSERT INTO jobs (workspace_id, kind, payload, dedupe_key, priority)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::jsonb[], $4::text[], $5::smallint[])
         ON CONFLICT DO NOTHING`,
        [workspaceIds, kinds, payloads, dedupeKeys, priorities],
      );
    }
    for (const batch of batches.values()) await enqueueBatch(tx, batch);
    if (kinds.length > 0 || batches.size > 0) await tx.query(`SELECT pg_notify('${JOBS_CHANNEL}', '')`);
    await tx.query('UPDATE outbox_events SET dispatched_at = $2 WHERE id = ANY($1::bigint[])', [
      rows.map((e) => e.id),
      options.now,
    ]);
    return rows.length;
  });
}

/** Splits a batch's rows into runs of at most MAX_EVENTS_PER_JOB events (a pack larger than that runs alone). */
function runsOf(rows: readonly { id: number; size: number }[]): { ids: number[]; events: number }[] {
  const runs: { ids: number[]; events: number }[] = [];
  let run = { ids: [] as number[], events: 0 };
  for (const row of rows) {
    if (run.ids.length > 0 && run.events + row.size > MAX_EVENTS_PER_JOB) {
      runs.push(run);
      run = { ids: [], events: 0 };
    }
    run.ids.push(row.id);
    run.events += row.size;
  }
  if (run.ids.length > 0) runs.push(run);
  return runs;
}

/**
 * Appends rows to the subscriber's queued job in that workspace (one not yet claimed: SKIP LOCKED passes over a
 * job a worker is claiming right now, and the state is checked again once the row is locked), or adds a job.
 */
async function enqueueBatch(tx: Tx, batch: Batch) {
  for (const run of runsOf(batch.rows)) {
    const appended = await tx.query(
      `UPDATE jobs SET payload = jsonb_build_object(
         'eventIds', (payload->'eventIds') || to_jsonb($3::bigint[]),
         'events', coalesce((payload->>'events')::int, jsonb_array_length(payload->'eventIds')) + $4)
       WHERE id = (
         SELECT id FROM jobs
          WHERE workspace_id = $1 AND kind = $2 AND state = 'queued' AND jsonb_typeof(payload->'eventIds') = 'array'
            AND coalesce((payload->>'events')::int, jsonb_array_length(payload->'eventIds')) + $4 <= $5
          ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
       RETURNING id`,
      [batch.workspaceId, batch.kind, run.ids, run.events, MAX_EVENTS_PER_JOB],
    );
    if (appended.length > 0) continue;
    await tx.query('INSERT INTO jobs (workspace_id, kind, payload, priority) VALUES ($1, $2, $3::jsonb, $4)', [
      batch.workspaceId,
      batch.kind,
      JSON.stringify({ eventIds: run.ids, events: run.events }),
      batch.priority,
    ]);
  }
}

/** The outbox row ids a subscriber job carries: `{ eventId }` (one per job) or `{ eventIds }` (a batch). */
function eventIdsOf(job: ClaimedJob): number[] {
  const payload = (job.payload ?? {}) as { eventId?: unknown; eventIds?: unknown };
  const ids = Array.isArray(payload.eventIds) ? payload.eventIds : [payload.eventId];
  if (ids.length === 0 || !ids.every((id) => typeof id === 'number'))
    throw new Error(`job ${job.id} carries no event ids`);
  return [...new Set(ids as number[])].sort((a, b) => a - b);
}

/**
 * The built-in handler of each subscriber's `event:<name>` jobs. It runs in the job's tenant transaction: the
 * receipts, the subscriber's effects and the job's completion commit together or not at all, and an outbox row
 * whose receipt is already there (a duplicate delivery) is left out. Events reach the subscriber in order, packs
 * unpacked.
 */
export function subscriberHandlers(subscribers: readonly Subscriber[]): Record<string, JobHandler> {
  const handlers: Record<string, JobHandler> = {};
  for (const subscriber of subscribers) {
    handlers[`${EVENT_JOB_PREFIX}${subscriber.name}`] = async (job, tx) => {
      const eventIds = eventIdsOf(job);
      const rows = await tx.query<OutboxRow>(
        `SELECT id, workspace_id, type, payload, pack_size, occurred_at FROM outbox_events
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
      const events = rows.filter((row) => fresh.has(row.id)).flatMap(unpack);
      if (events.length === 0) return;
      if (subscriber.handleMany) await subscriber.handleMany(events, tx);
      else for (const event of events) await subscriber.handle(event, tx);
    };
  }
  return handlers;
}
