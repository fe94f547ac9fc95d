// Transfers: in-service (在职转接, the customer may refuse within 24 hours) and resigned-staff succession (离职继承),
// up to 100 customers per WeCom call, each tracked as waiting / succeeded / failed with its reason. Outcomes arrive
// three ways, whichever comes first: WeCom's callbacks (the takeover guide's add, the handover's removal by transfer,
// transfer_fail), and the transfer_result APIs a scheduled job polls. A success moves ownership: the handover's
// relationship ends as `transferred`, the takeover's is active, open follow-up tasks go along.

import { ERRCODES, WeComApiError, type WeComClient, workspaceClient } from '../../connectors/wecom/index.ts';
import type {
  Transfer,
  TransferKind,
  TransferListQuery,
  TransferRequestResult,
  TransferStatus,
} from '../../contracts/relationships.ts';
import type { Queryable, Tx } from '../../platform/db/index.ts';
import { AppError, conflict, notFound } from '../../platform/errors.ts';
import { decodeCursor, pageOf } from '../../platform/http/pagination.ts';
import type { RequestContext } from '../../platform/http/routes.ts';
import { type Locale, translate } from '../../platform/i18n/index.ts';
import { type CustomerParticipants, maskName, survivorsOf } from '../customers/index.ts';
import { type GuideRef, guideByStaffId, guideByWecomUserId } from './guides.ts';
import type { SmtpConfig } from './mailer.ts';
import { notify } from './notifications.ts';
import { recordEnd, recordStart } from './ownership.ts';
import { moveOpenTasks } from './sop-tasks.ts';

/** WeCom takes at most this many customers per transfer call. */
const PER_CALL = 100;

export interface TransferRow {
  id: string;
  batch_id: string;
  kind: TransferKind;
  customer_id: string;
  external_userid: string;
  handover_userid: string;
  takeover_userid: string;
  handover_staff_id: string | null;
  takeover_staff_id: string | null;
  message: string | null;
  status: TransferStatus;
  fail_reason: string | null;
  fail_detail: Record<string, string | number> | null;
  requested_by: string | null;
  requested_by_name: string | null;
  requested_at: Date;
  takeover_at: Date | null;
  settled_at: Date | null;
  retry_of: string | null;
}

const COLUMNS = `id, batch_id, kind, customer_id, external_userid, handover_userid, takeover_userid, handover_staff_id,
  takeover_staff_id, message, status, fail_reason, fail_detail, requested_by, requested_by_name, requested_at,
  takeover_at, settled_at, retry_of`;

export interface Requester {
  workspaceId: string;
  actor: { type: 'staff' | 'api_key'; id: string; name: string };
  now: Date;
}

/** The two guides of a transfer: the handover must be a linked guide, the takeover an active one, not the same. */
export async function transferGuides(
  q: Queryable,
  workspaceId: string,
  handoverStaffId: string,
  takeoverStaffId: string,
): Promise<{ handover: GuideRef; takeover: GuideRef }> {
  if (handoverStaffId === takeoverStaffId) throw new AppError(422, 'transfer.same_guide');
  const handover = await guideByStaffId(q, workspaceId, handoverStaffId);
  if (!handover) throw new AppError(422, 'transfer.handover_not_guide');
  const takeover = await guideByStaffId(q, workspaceId, takeoverStaffId);
  if (takeover?.status !== 'active') throw new AppError(422, 'transfer.takeover_not_active');
  return { handover, takeover };
}

/** What a transfer request did; `describeFor` turns it into the API's answer in the caller's language. */
export interface RequestSummary {
  batchId: string;
  waiting: number;
  failed: number;
  transferIds: string[];
}

interface Candidate {
  customerId: string;
  externalUserId: string | null;
}

/**
 * Asks WeCom to transfer customers from one guide to another and records one transfer per customer, in a new batch.
 * Customers the handover guide does not have, or whose transfer still waits, fail at once with that reason; so do
 * those WeCom refuses (its errcode's reason), whole calls included, so every customer can be retried from the list.
 */
export async function requestTransfers(
  tx: Tx,
  requester: Requester,
  input: {
    kind: TransferKind;
    handover: GuideRef;
    takeover: GuideRef;
    customerIds: readonly string[];
    message?: string | null;
    retryOf?: string;
  },
): Promise<RequestSummary> {
  const { workspaceId } = requester;
  const survivors = await survivorsOf(tx, workspaceId, input.customerIds);
  const missing = input.customerIds.filter((id) => !survivors.has(id));
  if (missing.length > 0) {
    throw new AppError(422, 'transfer.customers_not_found', { count: missing.length }, { customerIds: missing });
  }
  const ids = [...new Set(input.customerIds.map((id) => survivors.get(id) as string))];
  const owned = await tx.query<{ customer_id: string; external_userid: string; waiting: boolean }>(
    `SELECT DISTINCT ON (r.customer_id) r.customer_id, r.external_userid,
            EXISTS (SELECT 1 FROM customer_transfers t
                     WHERE t.workspace_id = r.workspace_id AND t.external_userid = r.external_userid
                       AND t.status = 'waiting') AS waiting
       FROM customer_relationships r
      WHERE r.workspace_id = $1 AND r.wecom_userid = $2 AND r.status = 'active' AND r.customer_id = ANY($3::uuid[])
      ORDER BY r.customer_id, r.created_at DESC`,
    [workspaceId, input.handover.wecomUserId, ids],
  );
  const ownedBy = new Map(owned.map((o) => [o.customer_id, o]));
  const batchId = crypto.randomUUID();
  const failed: { c: Candidate; reason: string; detail: object | null }[] = [];
  const toAsk: Candidate[] = [];
  for (const customerId of ids) {
    const o = ownedBy.get(customerId);
    if (!o) failed.push({ c: { customerId, externalUserId: null }, reason: 'not_owned', detail: null });
    else if (o.waiting)
      failed.push({ c: { customerId, externalUserId: o.external_userid }, reason: 'in_progress', detail: null });
    else toAsk.push({ customerId, externalUserId: o.external_userid });
  }
  const waiting: Candidate[] = [];
  if (toAsk.length > 0) {
    const client = await workspaceClient(tx, workspaceId);
    for (let i = 0; i < toAsk.length; i += PER_CALL) {
      const chunk = toAsk.slice(i, i + PER_CALL);
      try {
        const answers = await ask(client, input, chunk);
        for (const c of chunk) {
          const errcode = answers.get(c.externalUserId as string);
          if (errcode === 0) waiting.push(c);
          else {
            const code = errcode === undefined ? 'no_answer' : (ERRCODES[errcode] ?? 'wecom.api_error');
            failed.push({ c, reason: code, detail: errcode === undefined ? null : { errcode, errmsg: '' } });
          }
        }
      } catch (err) {
        // WeCom refused the whole call (a guide not yet resigned in WeCom, a missing permission …): every customer of
        // it fails with that reason and stays retryable. Network failures are thrown: the call may have happened.
        if (!(err instanceof WeComApiError)) throw err;
        for (const c of chunk)
          failed.push({ c, reason: err.code, detail: { errcode: err.errcode, errmsg: err.errmsg } });
      }
    }
  }
  const rows = await insertTransfers(tx, requester, input, batchId, [
    ...waiting.map((c) => ({ c, status: 'waiting' as const, reason: null, detail: null })),
    ...failed.map((f) => ({ c: f.c, status: 'failed' as const, reason: f.reason, detail: f.detail })),
  ]);
  return { batchId, waiting: waiting.length, failed: failed.length, transferIds: rows.map((r) => r.id) };
}

async function ask(
  client: WeComClient,
  input: { kind: TransferKind; handover: GuideRef; takeover: GuideRef; message?: string | null },
  chunk: readonly Candidate[],
): Promise<Map<string, number>> {
  const request = {
    handoverUserId: input.handover.wecomUserId,
    takeoverUserId: input.takeover.wecomUserId,
    externalUserIds: chunk.map((c) => c.externalUserId as string),
  };
  const accepted =
    input.kind === 'in_service'
      ? await client.transferCustomers({
          ...request,
          ...(input.message ? { transferSuccessMessage: input.message } : {}),
        })
      : await client.resignedTransferCustomers(request);
  return new Map(accepted.map((a) => [a.externalUserId, a.errcode]));
}

async function insertTransfers(
  tx: Tx,
  requester: Requester,
  input: { kind: TransferKind; handover: GuideRef; takeover: GuideRef; message?: string | null; retryOf?: string },
  batchId: string,
  entries: { c: Candidate; status: TransferStatus; reason: string | null; detail: object | null }[],
): Promise<TransferRow[]> {
  if (entries.length === 0) return [];
  const now = requester.now;
  return tx.query<TransferRow>(
    `INSERT INTO customer_transfers (workspace_id, batch_id, kind, customer_id, external_userid, handover_userid,
       takeover_userid, handover_staff_id, takeover_staff_id, message, status, fail_reason, fail_detail, requested_by,
       requested_by_name, requested_at, settled_at, retry_of)
     SELECT $1, $2, $3, e.customer_id, e.external_userid, $4, $5, $6, $7, $8, e.status, e.reason, e.detail, $9, $10,
            $11, CASE WHEN e.status = 'failed' THEN $11::timestamptz END, $12
       FROM unnest($13::uuid[], $14::text[], $15::text[], $16::text[], $17::jsonb[])
            AS e(customer_id, external_userid, status, reason, detail)
     RETURNING ${COLUMNS}`,
    [
      requester.workspaceId,
      batchId,
      input.kind,
      input.handover.wecomUserId,
      input.takeover.wecomUserId,
      input.handover.staffId,
      input.takeover.staffId,
      input.kind === 'in_service' ? (input.message ?? null) : null,
      requester.actor.type === 'staff' ? requester.actor.id : null,
      requester.actor.name,
      now,
      input.retryOf ?? null,
      entries.map((e) => e.c.customerId),
      entries.map((e) => e.c.externalUserId ?? ''),
      entries.map((e) => e.status),
      entries.map((e) => e.reason),
      entries.map((e) => (e.detail ? JSON.stringify(e.detail) : null)),
    ],
  );
}

/** Resigned-staff succession of a guide's customers (all active ones when `customerIds` is absent). */
export async function requestSuccession(
  tx: Tx,
  requester: Requester,
  handover: GuideRef,
  takeover: GuideRef,
  customerIds?: readonly string[],
): Promise<RequestSummary> {
  if (handover.status !== 'resigned') throw conflict('transfer.handover_not_resigned');
  const ids =
    customerIds ??
    (
      await tx.query<{ customer_id: string }>(
        `SELECT DISTINCT customer_id FROM customer_relationships
          WHERE workspace_id = $1 AND wecom_userid = $2 AND status = 'active'`,
        [requester.workspaceId, handover.wecomUserId],
      )
    ).map((r) => r.customer_id);
  if (ids.length === 0) {
    return { batchId: crypto.randomUUID(), waiting: 0, failed: 0, transferIds: [] };
  }
  return requestTransfers(tx, requester, { kind: 'resigned', handover, takeover, customerIds: ids });
}

/** Sends a failed transfer again as a new one (to another takeover guide if given); the failed one keeps its reason. */
export async function retryTransfer(
  tx: Tx,
  requester: Requester,
  id: string,
  takeoverStaffId?: string,
): Promise<RequestSummary> {
  const [row] = await tx.query<TransferRow & { retried: boolean }>(
    `SELECT ${COLUMNS}, EXISTS (SELECT 1 FROM customer_transfers r WHERE r.workspace_id = t.workspace_id
                                  AND r.retry_of = t.id) AS retried
       FROM customer_transfers t WHERE workspace_id = $1 AND id = $2 FOR UPDATE`,
    [requester.workspaceId, id],
  );
  if (!row) throw notFound('transfer.not_found');
  if (row.status !== 'failed') throw conflict('transfer.not_failed');
  if (row.retried) throw conflict('transfer.already_retried');
  const handover =
    (row.handover_staff_id && (await guideByStaffId(tx, requester.workspaceId, row.handover_staff_id))) ||
    (await guideByWecomUserId(tx, requester.workspaceId, row.handover_userid));
  if (!handover) throw new AppError(422, 'transfer.handover_not_guide');
  const takeoverId = takeoverStaffId ?? row.takeover_staff_id;
  if (!takeoverId) throw new AppError(422, 'transfer.takeover_not_active');
  const { takeover } = await transferGuides(tx, requester.workspaceId, handover.staffId, takeoverId);
  return requestTransfers(tx, requester, {
    kind: row.kind,
    handover,
    takeover,
    customerIds: [row.customer_id],
    message: row.message,
    retryOf: row.id,
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Outcomes.

/** The waiting transfer of a customer to this takeover guide, or one that succeeded around `at`. */
export async function transferInto(
  tx: Tx,
  workspaceId: string,
  externalUserId: string,
  takeoverUserId: string,
  at: Date,
): Promise<TransferRow | null> {
  const rows = await tx.query<TransferRow>(
    `SELECT ${COLUMNS} FROM customer_transfers
      WHERE workspace_id = $1 AND external_userid = $2 AND takeover_userid = $3
        AND (status = 'waiting' OR (status = 'succeeded' AND settled_at > $4::timestamptz - interval '2 days'))
      ORDER BY (status = 'waiting') DESC, requested_at DESC LIMIT 1`,
    [workspaceId, externalUserId, takeoverUserId, at],
  );
  return rows[0] ?? null;
}

/** The waiting transfer of a customer away from this handover guide. */
export async function waitingTransferFrom(
  tx: Tx,
  workspaceId: string,
  externalUserId: string,
  handoverUserId: string,
): Promise<TransferRow | null> {
  const rows = await tx.query<TransferRow>(
    `SELECT ${COLUMNS} FROM customer_transfers
      WHERE workspace_id = $1 AND external_userid = $2 AND handover_userid = $3 AND status = 'waiting'`,
    [workspaceId, externalUserId, handoverUserId],
  );
  return rows[0] ?? null;
}

/**
 * A transfer succeeded (once; later news of it changes nothing): the handover's relationship ends as transferred
 * and the customer's open tasks go to the takeover guide. The takeover's relationship is the caller's to record.
 */
export async function settleSucceeded(
  tx: Tx,
  participants: CustomerParticipants,
  workspaceId: string,
  transfer: TransferRow,
  at: Date,
  now: Date,
): Promise<boolean> {
  const rows = await tx.query(
    `UPDATE customer_transfers SET status = 'succeeded', settled_at = $3, takeover_at = coalesce(takeover_at, $4)
      WHERE workspace_id = $1 AND id = $2 AND status = 'waiting' RETURNING 1`,
    [workspaceId, transfer.id, now, at],
  );
  if (rows.length === 0) return false;
  await recordEnd(tx, participants, workspaceId, {
    wecomUserId: transfer.handover_userid,
    externalUserId: transfer.external_userid,
    at,
    status: 'transferred',
  });
  await moveOpenTasks(tx, workspaceId, transfer.customer_id, transfer.handover_staff_id, transfer.takeover_staff_id);
  return true;
}

/** A transfer failed (once): its reason is kept, and whoever asked for it is told. */
export async function settleFailed(
  tx: Tx,
  workspaceId: string,
  transfer: TransferRow,
  reason: string,
  now: Date,
  smtp: SmtpConfig | null,
): Promise<boolean> {
  const rows = await tx.query(
    `UPDATE customer_transfers SET status = 'failed', fail_reason = $3, settled_at = $4
      WHERE workspace_id = $1 AND id = $2 AND status = 'waiting' RETURNING 1`,
    [workspaceId, transfer.id, reason, now],
  );
  if (rows.length === 0) return false;
  if (transfer.requested_by) {
    const [names] = await tx.query<{ customer: string | null; takeover: string | null }>(
      `SELECT (SELECT name FROM customers WHERE workspace_id = $1 AND id = $2) AS customer,
              (SELECT name FROM staff WHERE workspace_id = $1 AND id = $3) AS takeover`,
      [workspaceId, transfer.customer_id, transfer.takeover_staff_id],
    );
    await notify(tx, workspaceId, {
      recipients: [transfer.requested_by],
      kind: 'transfer_failed',
      data: {
        transferId: transfer.id,
        customerId: transfer.customer_id,
        customerName: names?.customer ?? null,
        takeoverName: names?.takeover ?? null,
        takeoverUserId: transfer.takeover_userid,
        reason,
      },
      dedupeKey: `transfer_failed:${transfer.id}`,
      now,
      smtp,
    });
  }
  return true;
}

/** WeCom's transfer_result status → our outcome (2 is still waiting). */
const FAILURES: Record<number, string> = { 3: 'customer_refused', 4: 'customer_limit_exceed', 5: 'no_transfer' };

/**
 * Asks WeCom how every waiting transfer of the workspace stands (transfer_result and resigned/transfer_result, per
 * pair of guides, all pages) and settles those that ended. A success also records the takeover's relationship from
 * WeCom's follow data, in case the add callback never comes.
 */
export async function pollTransfers(
  tx: Tx,
  participants: CustomerParticipants,
  workspaceId: string,
  now: Date,
  smtp: SmtpConfig | null,
): Promise<{ checked: number; succeeded: number; failed: number }> {
  const waiting = await tx.query<TransferRow>(
    `SELECT ${COLUMNS} FROM customer_transfers WHERE workspace_id = $1 AND status = 'waiting'
      ORDER BY requested_at, id`,
    [workspaceId],
  );
  const result = { checked: waiting.length, succeeded: 0, failed: 0 };
  if (waiting.length === 0) return result;
  const client = await workspaceClient(tx, workspaceId);
  const groups = new Map<string, TransferRow[]>();
  for (const t of waiting) {
    const key = `${t.kind}\u0000${t.handover_userid}\u0000${t.takeover_userid}`;
    groups.set(key, [...(groups.get(key) ?? []), t]);
  }
  for (const rows of groups.values()) {
    const first = rows[0] as TransferRow;
    const outcomes = new Map<string, { status: number; takeoverTime: number }>();
    let cursor: string | undefined;
    for (let page = 0; page < 1000; page++) {
      const input = {
        handoverUserId: first.handover_userid,
        takeoverUserId: first.takeover_userid,
        ...(cursor ? { cursor } : {}),
      };
      const answer =
        first.kind === 'in_service' ? await client.transferResult(input) : await client.resignedTransferResult(input);
      for (const o of answer.items) outcomes.set(o.externalUserId, o);
      if (!answer.nextCursor) break;
      cursor = answer.nextCursor;
    }
    for (const t of rows) {
      const o = outcomes.get(t.external_userid);
      if (!o) continue;
      const takeoverAt = o.takeoverTime > 0 ? new Date(o.takeoverTime * 1000) : null;
      if (o.status === 1) {
        const at = takeoverAt && takeoverAt <= now ? takeoverAt : now;
        if (await settleSucceeded(tx, participants, workspaceId, t, at, now)) {
          result.succeeded++;
          const facts = await followOf(client, t.takeover_userid, t.external_userid);
          await recordStart(tx, participants, workspaceId, {
            wecomUserId: t.takeover_userid,
            externalUserId: t.external_userid,
            contact: facts.contact,
            follow: facts.follow,
            at,
            origin: 'transfer',
          });
        }
      } else if (FAILURES[o.status]) {
        if (await settleFailed(tx, workspaceId, t, FAILURES[o.status] as string, now, smtp)) result.failed++;
      } else if (takeoverAt) {
        await tx.query('UPDATE customer_transfers SET takeover_at = $3 WHERE workspace_id = $1 AND id = $2', [
          workspaceId,
          t.id,
          takeoverAt,
        ]);
      }
    }
  }
  return result;
}

/** A guide's follow record of a contact, as WeCom has it now (null parts when WeCom no longer lists it). */
export async function followOf(client: WeComClient, wecomUserId: string, externalUserId: string) {
  let cursor: string | undefined;
  try {
    for (let page = 0; page < 100; page++) {
      const detail = await client.getExternalContact(externalUserId, cursor);
      const follow = detail.followUsers.find((f) => f.userId === wecomUserId) ?? null;
      if (follow || !detail.nextCursor) return { contact: detail.contact, follow };
      cursor = detail.nextCursor;
    }
  } catch (err) {
    // WeCom no longer knows the pair (deleted meanwhile) or will not say (permissions): the callback's own facts
    // are recorded, and a later callback or sync completes them. Network trouble is thrown, to be retried.
    if (!(err instanceof WeComApiError)) throw err;
  }
  return { contact: null, follow: null };
}

// ---------------------------------------------------------------------------------------------------------------
// Reading.

/** The reason of a failed transfer in `locale`. */
export function failMessage(locale: Locale, reason: string | null, detail: Record<string, string | number> | null) {
  if (!reason) return null;
  const params = { errcode: '', errmsg: '', ...(detail ?? {}) };
  return reason.startsWith('wecom.')
    ? translate(locale, reason, params)
    : translate(locale, `transfer.reason.${reason}`);
}

async function describe(
  q: Queryable,
  workspaceId: string,
  rows: readonly TransferRow[],
  locale: Locale,
  pii: boolean,
): Promise<Transfer[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const extra = await q.query<{
    id: string;
    customer_name: string | null;
    handover_name: string | null;
    takeover_name: string | null;
    retried_by: string | null;
  }>(
    `SELECT t.id, c.name AS customer_name, h.name AS handover_name, k.name AS takeover_name,
            (SELECT r.id FROM customer_transfers r WHERE r.workspace_id = t.workspace_id AND r.retry_of = t.id) AS retried_by
       FROM customer_transfers t
       JOIN customers c ON c.workspace_id = t.workspace_id AND c.id = t.customer_id
       LEFT JOIN staff h ON h.workspace_id = t.workspace_id AND h.id = t.handover_staff_id
       LEFT JOIN staff k ON k.workspace_id = t.workspace_id AND k.id = t.takeover_staff_id
      WHERE t.workspace_id = $1 AND t.id = ANY($2::uuid[])`,
    [workspaceId, ids],
  );
  const byId = new Map(extra.map((e) => [e.id, e]));
  return rows.map((r) => {
    const e = byId.get(r.id);
    const name = e?.customer_name ?? null;
    return {
      id: r.id,
      batchId: r.batch_id,
      kind: r.kind,
      customerId: r.customer_id,
      customerName: name && !pii ? maskName(name) : name,
      externalUserId: r.external_userid,
      handoverStaffId: r.handover_staff_id,
      handoverName: e?.handover_name ?? null,
      handoverUserId: r.handover_userid,
      takeoverStaffId: r.takeover_staff_id,
      takeoverName: e?.takeover_name ?? null,
      takeoverUserId: r.takeover_userid,
      message: r.message,
      status: r.status,
      failReason: r.fail_reason,
      failMessage: failMessage(locale, r.fail_reason, r.fail_detail),
      requestedAt: r.requested_at.toISOString(),
      requestedByName: r.requested_by_name,
      takeoverAt: r.takeover_at?.toISOString() ?? null,
      settledAt: r.settled_at?.toISOString() ?? null,
      retryOf: r.retry_of,
      retriedBy: e?.retried_by ?? null,
    };
  });
}

/** The answer to a transfer request: its transfers, their reasons in the caller's language. */
export async function describeFor(ctx: RequestContext, summary: RequestSummary): Promise<TransferRequestResult> {
  const rows = await ctx.tx.query<TransferRow>(
    `SELECT ${COLUMNS} FROM customer_transfers WHERE workspace_id = $1 AND id = ANY($2::uuid[])
      ORDER BY requested_at, customer_id`,
    [ctx.workspaceId, summary.transferIds],
  );
  return {
    batchId: summary.batchId,
    waiting: summary.waiting,
    failed: summary.failed,
    transfers: await describe(ctx.tx, ctx.workspaceId, rows, ctx.locale, ctx.can('customer.pii')),
  };
}

export async function listTransfers(ctx: RequestContext, query: TransferListQuery) {
  const limit = query.limit ?? 50;
  const params: unknown[] = [ctx.workspaceId];
  const where = ['workspace_id = $1'];
  const add = (clause: string, value: unknown) => {
    params.push(value);
    where.push(clause.replaceAll('?', `$${params.length}`));
  };
  if (query.status) add('status = ?', query.status);
  if (query.kind) add('kind = ?', query.kind);
  if (query.customerId) add('customer_id = ?', query.customerId);
  if (query.batchId) add('batch_id = ?', query.batchId);
  const cursor = decodeCursor(query.cursor);
  if (cursor) {
    params.push(String(cursor[0]), String(cursor[1]));
    where.push(`(requested_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  params.push(limit + 1);
  const rows = await ctx.tx.query<TransferRow>(
    `SELECT ${COLUMNS} FROM customer_transfers WHERE ${where.join(' AND ')}
      ORDER BY requested_at DESC, id DESC LIMIT $${params.length}`,
    params,
  );
  const page = pageOf(
    rows,
    limit,
    (r) => r,
    (r) => [r.requested_at.toISOString(), r.id],
  );
  return {
    items: await describe(ctx.tx, ctx.workspaceId, page.items, ctx.locale, ctx.can('customer.pii')),
    nextCursor: page.nextCursor,
  };
}
