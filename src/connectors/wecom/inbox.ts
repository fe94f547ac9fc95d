// The inbox of accepted callbacks: each row becomes its domain event in a job (exactly once: the row's state and
// the event commit together), the console lists recent rows, and old rows, nonces and log entries are pruned.
import type { InboxState, WeComInboxItem, WeComInboxQuery } from '../../contracts/wecom.ts';
import type { Tx } from '../../platform/db/index.ts';
import { AppError } from '../../platform/errors.ts';
import { decodeCursor, pageOf } from '../../platform/http/pagination.ts';
import { emit, type JobHandler } from '../../platform/jobs/index.ts';
import { IncompleteEvent, toDomainEvent } from './events.ts';
import { parseXml } from './xml.ts';

/**
 * Publishes the domain event of one inbox row and marks it processed. A row that is no longer `received` was
 * handled by an earlier attempt. A callback the connector does not handle is `ignored`; one that cannot be read is
 * `failed` with the reason, since running it again would fail the same way.
 */
export async function processInboxRow(tx: Tx, workspaceId: string, inboxId: number, now: Date): Promise<InboxState> {
  const rows = await tx.query<{ xml: string; state: InboxState }>(
    'SELECT xml, state FROM wecom_inbox WHERE workspace_id = $1 AND id = $2 FOR UPDATE',
    [workspaceId, inboxId],
  );
  const row = rows[0];
  if (!row) throw new Error(`wecom inbox row ${inboxId} does not exist in workspace ${workspaceId}`);
  if (row.state !== 'received') return row.state;
  let outcome: { state: InboxState; domainEvent: string | null; error: string | null };
  try {
    const event = toDomainEvent(parseXml(row.xml), String(inboxId));
    if (event) {
      await emit(tx, event.type, event.payload);
      outcome = { state: 'processed', domainEvent: event.type, error: null };
    } else outcome = { state: 'ignored', domainEvent: null, error: null };
  } catch (err) {
    if (!(err instanceof IncompleteEvent) && !(err instanceof AppError)) throw err;
    outcome = { state: 'failed', domainEvent: null, error: err.message };
  }
  await tx.query(
    `UPDATE wecom_inbox SET state = $3, domain_event = $4, error = $5, processed_at = $6
      WHERE workspace_id = $1 AND id = $2`,
    [workspaceId, inboxId, outcome.state, outcome.domainEvent, outcome.error, now],
  );
  return outcome.state;
}

export const inboxJob: JobHandler = async (job, tx) => {
  const { inboxId } = job.payload as { inboxId: number };
  if (!job.workspaceId || typeof inboxId !== 'number') throw new Error(`job ${job.id} names no inbox row`);
  const now = await tx.query<{ now: Date }>('SELECT now() AS now');
  await processInboxRow(tx, job.workspaceId, inboxId, (now[0] as { now: Date }).now);
};

/**
 * Hourly: nonces past any workspace's window (skew is at most an hour either way, so two hours), refusals after 90
 * days, handled inbox rows after 30 days. Database time, as this runs for every workspace at once.
 */
export const pruneJob: JobHandler = async (_job, tx) => {
  await tx.query(`DELETE FROM wecom_callback_nonces WHERE seen_at < now() - interval '2 hours'`);
  await tx.query(`DELETE FROM wecom_security_log WHERE at < now() - interval '90 days'`);
  await tx.query(
    `DELETE FROM wecom_inbox WHERE received_at < now() - interval '30 days' AND state IN ('processed', 'ignored')`,
  );
};

interface InboxRow {
  id: number;
  received_at: Date;
  event: string;
  change_type: string | null;
  created_at: Date | null;
  state: InboxState;
  deliveries: number;
  domain_event: string | null;
  error: string | null;
  xml: string;
}

/** Newest first. */
export async function listInbox(tx: Tx, workspaceId: string, query: WeComInboxQuery) {
  const limit = query.limit ?? 50;
  const cursor = decodeCursor(query.cursor);
  const rows = await tx.query<InboxRow>(
    `SELECT id, received_at, event, change_type, created_at, state, deliveries, domain_event, error, xml
       FROM wecom_inbox
      WHERE workspace_id = $1 AND ($2::text IS NULL OR state = $2) AND ($3::bigint IS NULL OR id < $3)
      ORDER BY id DESC LIMIT $4`,
    [workspaceId, query.state ?? null, cursor ? Number(cursor[0]) : null, limit + 1],
  );
  return pageOf(
    rows,
    limit,
    (r): WeComInboxItem => ({
      id: String(r.id),
      receivedAt: r.received_at.toISOString(),
      event: r.event,
      changeType: r.change_type,
      createdAt: r.created_at?.toISOString() ?? null,
      state: r.state,
      deliveries: r.deliveries,
      domainEvent: r.domain_event,
      error: r.error,
      xml: r.xml,
    }),
    (r) => [r.id],
  );
}
