// Issuing coupons: one path for every way a coupon comes to be (a hand-made list, a segment, a rule, a reward),
// each coupon under an idempotency key, with stock and the per-member limit enforced under concurrency, and a
// unique random code for each.
import type {
  CouponIssuance,
  CouponSource,
  CreatedIssuance,
  CreateIssuanceBody,
  IssuanceState,
} from '../../contracts/coupons.ts';
import type { Page } from '../../contracts/foundation.ts';
import type { Tx } from '../../platform/db/index.ts';
import { AppError, badRequest, conflict, notFound } from '../../platform/errors.ts';
import { pageOf } from '../../platform/http/pagination.ts';
import type { RequestContext } from '../../platform/http/routes.ts';
import { emitMany, enqueue } from '../../platform/jobs/index.ts';
import { normalizePhone } from '../../platform/phone.ts';
import { findIdentities, survivorsOf } from '../customers/index.ts';
import { generateCode } from './codes.ts';
import { timeCursor } from './paging.ts';
import { issueRefusal, type TemplateRow, templateRow } from './templates.ts';

export interface CouponRow {
  id: string;
  code: string;
  template_id: string;
  customer_id: string;
  status: 'available' | 'redeemed' | 'expired' | 'void';
  source: CouponSource;
  source_ref: string | null;
  idempotency_key: string;
  valid_from: Date;
  valid_until: Date;
  issued_at: Date;
  status_at: Date;
  reminded_at: Date | null;
}

/** One coupon wanted: for whom, under which key (unique per template and source). */
export interface IssueRequest {
  customerId: string;
  key: string;
}

export type RefusalReason =
  | 'coupon.limit_reached'
  | 'coupon.out_of_stock'
  | 'coupon.customer_not_found'
  | 'coupon.template_not_active'
  | 'coupon.template_expired';

/** Refusals that concern the template, not the customer: nobody can be issued one now. */
const TEMPLATE_REFUSALS = new Set<RefusalReason>(['coupon.template_not_active', 'coupon.template_expired']);

export type IssueOutcome =
  | { status: 'issued'; coupon: CouponRow }
  | { status: 'existing'; coupon: CouponRow }
  | { status: 'refused'; reason: RefusalReason; customerId: string };

export interface IssueOptions {
  source: CouponSource;
  sourceRef: string | null;
  now: Date;
}

/** Customers per chunk job of a segment issuance: each chunk commits its coupons and its progress. */
export const ISSUE_CHUNK = 500;
export const SEGMENT_JOB = 'coupons.issue-segment';

/**
 * The customers these ids live on now (a merged-away id follows its survivor), each locked FOR SHARE: a merge
 * locks the customer it merges away FOR UPDATE, so a coupon is never written for a customer a concurrent merge is
 * moving away from, and one written just before waits for the merge to move it.
 */
async function liveCustomers(tx: Tx, workspaceId: string, ids: readonly string[]): Promise<Map<string, string>> {
  for (let attempt = 1; ; attempt++) {
    const survivor = await survivorsOf(tx, workspaceId, ids);
    const locked = await tx.query<{ id: string; merged_into: string | null }>(
      `SELECT id, merged_into FROM customers WHERE workspace_id = $1 AND id = ANY($2::uuid[]) ORDER BY id FOR SHARE`,
      [workspaceId, [...new Set(survivor.values())].sort()],
    );
    // A merge that committed while this waited for its lock moved the customer on: look again (a few times).
    if (attempt < 3 && locked.some((c) => c.merged_into !== null)) continue;
    const live = new Set(locked.filter((c) => c.merged_into === null).map((c) => c.id));
    return new Map([...survivor].filter(([, to]) => live.has(to)));
  }
}

/** When coupons issued now end: the template's fixed end, or the end of the N-th local day counting today. */
async function validity(tx: Tx, workspaceId: string, t: TemplateRow, now: Date): Promise<{ from: Date; until: Date }> {
  if (t.validity_kind === 'fixed') return { from: t.valid_from as Date, until: t.valid_until as Date };
  const rows = await tx.query<{ until: Date }>(
    `SELECT (date_trunc('day', $2::timestamptz AT TIME ZONE timezone) + make_interval(days => $3))
              AT TIME ZONE timezone AS until
       FROM workspaces WHERE id = $1`,
    [workspaceId, now, t.valid_days],
  );
  return { from: now, until: (rows[0] as { until: Date }).until };
}

/**
 * Issues coupons of one template, one per request, in the caller's transaction:
 * 1. the template row is locked, so issuers of one template queue and each sees the stock the last one left;
 * 2. requests whose key was issued before answer that coupon (`existing`), whatever the template's state now;
 * 3. each customer's count for the template is raised by a conditional upsert that refuses to pass the limit;
 * 4. stock is granted from the locked row, never past `total_stock` (a CHECK constraint backs this up), and the
 *    counts of customers left without stock are given back;
 * 5. coupons are inserted with fresh random codes (a code already taken is drawn again) and announced.
 * A customer named twice gets two coupons, each counted against the limit. When the template cannot issue (not
 * active, past its end), every request not answered from before is refused with that reason.
 */
export async function issueMany(
  tx: Tx,
  workspaceId: string,
  templateId: string,
  requests: readonly IssueRequest[],
  options: IssueOptions,
): Promise<IssueOutcome[]> {
  const t = await templateRow(tx, workspaceId, templateId, true);
  const keyOf = (r: IssueRequest) => `${options.source}:${r.key}`;
  const existing = new Map(
    (
      await tx.query<CouponRow>(
        `SELECT * FROM coupons WHERE workspace_id = $1 AND template_id = $2 AND idempotency_key = ANY($3::text[])`,
        [workspaceId, templateId, requests.map(keyOf)],
      )
    ).map((c) => [c.idempotency_key, c]),
  );
  const outcomes = new Map<string, IssueOutcome>();
  for (const r of requests) {
    const found = existing.get(keyOf(r));
    if (found) outcomes.set(keyOf(r), { status: 'existing', coupon: found });
  }
  const pending = [...new Map(requests.filter((r) => !outcomes.has(keyOf(r))).map((r) => [keyOf(r), r])).values()];
  const refusal = pending.length > 0 ? issueRefusal(t, options.now) : null;
  if (refusal) {
    for (const r of pending) {
      outcomes.set(keyOf(r), { status: 'refused', reason: refusal.code as RefusalReason, customerId: r.customerId });
    }
  } else if (pending.length > 0) {
    const live = await liveCustomers(
      tx,
      workspaceId,
      pending.map((r) => r.customerId),
    );
    const wanted: (IssueRequest & { owner: string })[] = [];
    for (const r of pending) {
      const owner = live.get(r.customerId);
      if (owner) wanted.push({ ...r, owner });
      else outcomes.set(keyOf(r), { status: 'refused', reason: 'coupon.customer_not_found', customerId: r.customerId });
    }
    const { from, until } = await validity(tx, workspaceId, t, options.now);
    let stockLeft = t.total_stock === null ? Number.POSITIVE_INFINITY : t.total_stock - t.issued_count;
    // Rounds: the n-th request of each customer in round n, so one conditional upsert per round decides them all.
    // With no stock left nobody is counted at all (a segment issuance past the stock stays cheap).
    const rounds: (typeof wanted)[] = [];
    const seen = new Map<string, number>();
    for (const w of wanted) {
      if (stockLeft <= 0) {
        outcomes.set(keyOf(w), { status: 'refused', reason: 'coupon.out_of_stock', customerId: w.owner });
        continue;
      }
      const n = seen.get(w.owner) ?? 0;
      seen.set(w.owner, n + 1);
      const round = rounds[n] ?? [];
      round.push(w);
      rounds[n] = round;
    }
    const granted: typeof wanted = [];
    for (const round of rounds) {
      const allowed = new Set(
        (
          await tx.query<{ customer_id: string }>(
            `INSERT INTO coupon_member_counts AS m (workspace_id, template_id, customer_id, issued)
             SELECT $1, $2, c, 1 FROM unnest($3::uuid[]) AS c ORDER BY c
             ON CONFLICT (workspace_id, template_id, customer_id) DO UPDATE SET issued = m.issued + 1
              WHERE $4::int IS NULL OR m.issued < $4
             RETURNING customer_id`,
            [workspaceId, templateId, round.map((w) => w.owner), t.per_member_limit],
          )
        ).map((r) => r.customer_id),
      );
      const givenBack: string[] = [];
      for (const w of round) {
        if (!allowed.has(w.owner)) {
          outcomes.set(keyOf(w), { status: 'refused', reason: 'coupon.limit_reached', customerId: w.owner });
        } else if (stockLeft > 0) {
          stockLeft--;
          granted.push(w);
        } else {
          givenBack.push(w.owner);
          outcomes.set(keyOf(w), { status: 'refused', reason: 'coupon.out_of_stock', customerId: w.owner });
        }
      }
      if (givenBack.length > 0) {
        await tx.query(
          `UPDATE coupon_member_counts SET issued = issued - 1
            WHERE workspace_id = $1 AND template_id = $2 AND customer_id = ANY($3::uuid[])`,
          [workspaceId, templateId, givenBack],
        );
      }
    }
    if (granted.length > 0) {
      await tx.query(
        `UPDATE coupon_templates SET issued_count = issued_count + $3 WHERE workspace_id = $1 AND id = $2`,
        [workspaceId, templateId, granted.length],
      );
      const coupons = await insertCoupons(tx, workspaceId, t, granted, { ...options, from, until, keyOf });
      for (const c of coupons) outcomes.set(c.idempotency_key, { status: 'issued', coupon: c });
      await emitMany(
        tx,
        'coupon.issued',
        coupons.map((c) => ({
          couponId: c.id,
          code: c.code,
          customerId: c.customer_id,
          templateId,
          source: c.source,
          sourceRef: c.source_ref,
          validUntil: c.valid_until.toISOString(),
        })),
      );
    }
  }
  return requests.map((r) => outcomes.get(keyOf(r)) as IssueOutcome);
}

/** Inserts the coupons; a code that happens to be taken already in the workspace is drawn again. */
async function insertCoupons(
  tx: Tx,
  workspaceId: string,
  t: TemplateRow,
  granted: readonly (IssueRequest & { owner: string })[],
  o: IssueOptions & { from: Date; until: Date; keyOf: (r: IssueRequest) => string },
): Promise<CouponRow[]> {
  const out: CouponRow[] = [];
  let left = [...granted];
  for (let attempt = 0; left.length > 0; attempt++) {
    if (attempt >= 5) throw new Error('could not draw unique coupon codes');
    const codes = left.map(() => generateCode());
    const rows = await tx.query<CouponRow>(
      `INSERT INTO coupons (workspace_id, code, template_id, customer_id, source, source_ref, idempotency_key,
                            valid_from, valid_until, issued_at, status_at)
       SELECT $1, u.code, $2, u.customer_id, $3, $4, u.key, $5, $6, $7, $7
         FROM unnest($8::text[], $9::uuid[], $10::text[]) AS u(code, customer_id, key)
       ON CONFLICT (workspace_id, code) DO NOTHING
       RETURNING *`,
      [
        workspaceId,
        t.id,
        o.source,
        o.sourceRef,
        o.from,
        o.until,
        o.now,
        codes,
        left.map((w) => w.owner),
        left.map((w) => o.keyOf(w)),
      ],
    );
    out.push(...rows);
    const done = new Set(rows.map((r) => r.idempotency_key));
    left = left.filter((w) => !done.has(o.keyOf(w)));
  }
  return out;
}

export interface IssuedCoupon {
  id: string;
  code: string;
  templateId: string;
  customerId: string;
  validFrom: Date;
  validUntil: Date;
  issuedAt: Date;
  /** False when the key was used before and this is the coupon issued then. */
  created: boolean;
}

const REFUSAL_STATUS: Record<RefusalReason, number> = {
  'coupon.limit_reached': 409,
  'coupon.out_of_stock': 409,
  'coupon.customer_not_found': 404,
  'coupon.template_not_active': 409,
  'coupon.template_expired': 409,
};

/**
 * Issues one coupon: the door for other modules (loyalty's rewards catalogue, campaigns, journeys). The same key
 * again answers the coupon issued the first time. Refusals throw: 409 coupon.out_of_stock, coupon.limit_reached,
 * coupon.template_not_active, coupon.template_expired; 404 coupon.template_not_found, coupon.customer_not_found.
 */
export async function issueCoupon(
  tx: Tx,
  workspaceId: string,
  input: { templateId: string; customerId: string; source: CouponSource; idempotencyKey: string; now: Date },
): Promise<IssuedCoupon> {
  const [outcome] = (await issueMany(
    tx,
    workspaceId,
    input.templateId,
    [{ customerId: input.customerId, key: input.idempotencyKey }],
    { source: input.source, sourceRef: input.idempotencyKey, now: input.now },
  )) as [IssueOutcome];
  if (outcome.status === 'refused') throw new AppError(REFUSAL_STATUS[outcome.reason], outcome.reason);
  const c = outcome.coupon;
  return {
    id: c.id,
    code: c.code,
    templateId: c.template_id,
    customerId: c.customer_id,
    validFrom: c.valid_from,
    validUntil: c.valid_until,
    issuedAt: c.issued_at,
    created: outcome.status === 'issued',
  };
}

interface IssuanceRow {
  id: string;
  template_id: string;
  template_title: string;
  kind: 'manual' | 'segment';
  segment_id: string | null;
  segment_name: string | null;
  quantity: number;
  state: IssuanceState;
  total: number;
  done: number;
  last_seq: number;
  issued: number;
  skipped: number;
  refused_limit: number;
  refused_stock: number;
  unmatched: number;
  runs: number;
  error: string | null;
  created_by: string | null;
  created_at: Date;
  finished_at: Date | null;
}

const toIssuance = (r: IssuanceRow): CouponIssuance => ({
  id: r.id,
  templateId: r.template_id,
  templateTitle: r.template_title,
  kind: r.kind,
  segmentId: r.segment_id,
  segmentName: r.segment_name,
  quantity: r.quantity,
  state: r.state,
  total: r.total,
  done: r.done,
  progress: r.state === 'succeeded' ? 100 : r.total === 0 ? 0 : Math.min(99, Math.floor((r.done * 100) / r.total)),
  issued: r.issued,
  skipped: r.skipped,
  refusedLimit: r.refused_limit,
  refusedStock: r.refused_stock,
  unmatched: r.unmatched,
  runs: r.runs,
  error: r.error,
  createdBy: r.created_by,
  createdAt: r.created_at.toISOString(),
  finishedAt: r.finished_at?.toISOString() ?? null,
});

const ISSUANCE_SELECT = `SELECT i.*, t.title AS template_title FROM coupon_issuances i
  JOIN coupon_templates t ON t.workspace_id = i.workspace_id AND t.id = i.template_id`;

async function issuanceRow(tx: Tx, workspaceId: string, id: string): Promise<IssuanceRow> {
  const rows = await tx.query<IssuanceRow>(`${ISSUANCE_SELECT} WHERE i.workspace_id = $1 AND i.id = $2`, [
    workspaceId,
    id,
  ]);
  if (!rows[0]) throw notFound('coupon.issuance_not_found');
  return rows[0];
}

export async function getIssuance(tx: Tx, workspaceId: string, id: string): Promise<CouponIssuance> {
  return toIssuance(await issuanceRow(tx, workspaceId, id));
}

export async function listIssuances(
  tx: Tx,
  workspaceId: string,
  query: { templateId?: string; cursor?: string; limit?: number },
): Promise<Page<CouponIssuance>> {
  const limit = query.limit ?? 50;
  const key = timeCursor(query.cursor);
  const rows = await tx.query<IssuanceRow>(
    `${ISSUANCE_SELECT}
      WHERE i.workspace_id = $1 AND ($2::uuid IS NULL OR i.template_id = $2)
        AND ($3::timestamptz IS NULL OR (i.created_at, i.id) < ($3::timestamptz, $4::uuid))
      ORDER BY i.created_at DESC, i.id DESC LIMIT $5`,
    [workspaceId, query.templateId ?? null, key?.[0] ?? null, key?.[1] ?? null, limit + 1],
  );
  return pageOf(rows, limit, toIssuance, (r) => [r.created_at.toISOString(), r.id]);
}

/** The current customers a manual list names: ids (following merges) and phone numbers, and what matched nobody. */
async function resolveList(
  tx: Tx,
  workspaceId: string,
  body: CreateIssuanceBody,
): Promise<{ customerIds: string[]; unmatched: string[] }> {
  const ids = [...new Set(body.customerIds ?? [])];
  const survivors = await liveCustomers(tx, workspaceId, ids);
  const phones = [...new Set(body.phones ?? [])];
  const normal = phones.map((p) => normalizePhone(p));
  const owners = await findIdentities(
    tx,
    workspaceId,
    normal.filter((p): p is string => p !== null).map((value) => ({ kind: 'phone', appId: '', value })),
  );
  const byPhone = new Map(owners.map((o) => [o.value, o.customerId]));
  const phoneOwners = normal.map((p) => (p ? byPhone.get(p) : undefined));
  return {
    customerIds: [
      ...new Set([
        ...ids.map((id) => survivors.get(id)).filter((id): id is string => !!id),
        ...phoneOwners.filter((id): id is string => !!id),
      ]),
    ],
    unmatched: [...ids.filter((id) => !survivors.has(id)), ...phones.filter((_, i) => !phoneOwners[i])],
  };
}

interface Tally {
  issued: number;
  skipped: number;
  refusedLimit: number;
  refusedStock: number;
  refused: { customerId: string; reason: string }[];
}

/** Issues `quantity` coupons to each customer under the issuance's keys, and counts what happened. */
async function issueToCustomers(
  tx: Tx,
  workspaceId: string,
  issuance: { id: string; template_id: string; quantity: number; kind: 'manual' | 'segment' },
  customerIds: readonly string[],
  now: Date,
): Promise<Tally> {
  const tally: Tally = { issued: 0, skipped: 0, refusedLimit: 0, refusedStock: 0, refused: [] };
  const requests = customerIds.flatMap((customerId) =>
    Array.from({ length: issuance.quantity }, (_, n) => ({ customerId, key: `${issuance.id}:${customerId}:${n + 1}` })),
  );
  const outcomes = await issueMany(tx, workspaceId, issuance.template_id, requests, {
    source: issuance.kind,
    sourceRef: issuance.id,
    now,
  });
  const stop = outcomes.find((o) => o.status === 'refused' && TEMPLATE_REFUSALS.has(o.reason));
  if (stop?.status === 'refused') throw conflict(stop.reason);
  const had = new Set<string>();
  const refusedOnce = new Set<string>();
  outcomes.forEach((o, i) => {
    const customerId = (requests[i] as IssueRequest).customerId;
    if (o.status === 'issued') tally.issued++;
    if (o.status === 'existing') had.add(customerId);
    if (o.status === 'refused' && !refusedOnce.has(customerId)) {
      refusedOnce.add(customerId);
      if (o.reason === 'coupon.limit_reached') tally.refusedLimit++;
      if (o.reason === 'coupon.out_of_stock') tally.refusedStock++;
      tally.refused.push({ customerId, reason: o.reason });
    }
  });
  tally.skipped = [...had].filter((c) => !refusedOnce.has(c)).length;
  return tally;
}

/**
 * Starts an issuance. A list of customers is issued at once and answered with its outcome; a segment becomes
 * chunk jobs that go through its members in seq order, recording progress as they commit.
 */
export async function createIssuance(ctx: RequestContext, body: CreateIssuanceBody): Promise<CreatedIssuance> {
  const hasList = body.customerIds !== undefined || body.phones !== undefined;
  if (hasList && body.segmentId) throw badRequest('coupon.issuance_target_ambiguous');
  if (!hasList && !body.segmentId) throw badRequest('coupon.issuance_target_required');
  const now = ctx.now();
  const template = await templateRow(ctx.tx, ctx.workspaceId, body.templateId);
  const refusal = issueRefusal(template, now);
  if (refusal) throw refusal;
  const quantity = body.quantity ?? 1;

  if (body.segmentId) {
    // Issuing to a segment reveals who is in it: the caller needs segment.read as well as coupon.manage.
    if (!ctx.can('segment.read')) throw new AppError(403, 'auth.forbidden', { permission: 'segment.read' });
    const segment = (
      await ctx.tx.query<{ name: string; member_count: number }>(
        'SELECT name, member_count FROM segments WHERE workspace_id = $1 AND id = $2',
        [ctx.workspaceId, body.segmentId],
      )
    )[0];
    if (!segment) throw notFound('segment.not_found');
    const [row] = (await ctx.tx.query<{ id: string }>(
      `INSERT INTO coupon_issuances (workspace_id, template_id, kind, segment_id, segment_name, quantity, state, total,
                                     created_by, created_at)
       VALUES ($1, $2, 'segment', $3, $4, $5, 'queued', $6, $7, $8) RETURNING id`,
      [ctx.workspaceId, template.id, body.segmentId, segment.name, quantity, segment.member_count, ctx.actor.name, now],
    )) as [{ id: string }];
    await enqueue(ctx.tx, { kind: SEGMENT_JOB, payload: { issuanceId: row.id }, dedupeKey: `${row.id}:1:0` });
    ctx.audit.targetId = row.id;
    ctx.audit.details = { templateId: template.id, segmentId: body.segmentId, quantity };
    return { issuance: await getIssuance(ctx.tx, ctx.workspaceId, row.id), unmatched: [], refused: [] };
  }

  const { customerIds, unmatched } = await resolveList(ctx.tx, ctx.workspaceId, body);
  const [row] = (await ctx.tx.query<{ id: string }>(
    `INSERT INTO coupon_issuances (workspace_id, template_id, kind, quantity, state, total, unmatched, created_by,
                                   created_at)
     VALUES ($1, $2, 'manual', $3, 'running', $4, $5, $6, $7) RETURNING id`,
    [ctx.workspaceId, template.id, quantity, customerIds.length, unmatched.length, ctx.actor.name, now],
  )) as [{ id: string }];
  const tally = await issueToCustomers(
    ctx.tx,
    ctx.workspaceId,
    { id: row.id, template_id: template.id, quantity, kind: 'manual' },
    customerIds,
    now,
  );
  await ctx.tx.query(
    `UPDATE coupon_issuances SET state = 'succeeded', done = total, issued = $3, skipped = $4, refused_limit = $5,
       refused_stock = $6, finished_at = $7 WHERE workspace_id = $1 AND id = $2`,
    [ctx.workspaceId, row.id, tally.issued, tally.skipped, tally.refusedLimit, tally.refusedStock, now],
  );
  ctx.audit.targetId = row.id;
  ctx.audit.details = {
    templateId: template.id,
    matched: customerIds.length,
    unmatched: unmatched.length,
    issued: tally.issued,
    quantity,
  };
  return {
    issuance: await getIssuance(ctx.tx, ctx.workspaceId, row.id),
    unmatched: unmatched.slice(0, 100),
    refused: tally.refused.slice(0, 100),
  };
}

/**
 * Runs a finished segment issuance again from its first member: members who already have their coupons from it
 * are skipped (the keys are per issuance and customer), so only those who joined the segment since, or were
 * refused for stock that has been raised since, get theirs.
 */
export async function rerunIssuance(ctx: RequestContext, id: string): Promise<CouponIssuance> {
  ctx.audit.targetId = id;
  const row = await issuanceRow(ctx.tx, ctx.workspaceId, id);
  if (row.kind !== 'segment') throw conflict('coupon.issuance_not_rerunnable');
  if (row.state === 'queued' || row.state === 'running') throw conflict('coupon.issuance_running');
  const template = await templateRow(ctx.tx, ctx.workspaceId, row.template_id);
  const refusal = issueRefusal(template, ctx.now());
  if (refusal) throw refusal;
  const segment = (
    await ctx.tx.query<{ member_count: number }>(
      'SELECT member_count FROM segments WHERE workspace_id = $1 AND id = $2',
      [ctx.workspaceId, row.segment_id],
    )
  )[0];
  if (!segment) throw notFound('segment.not_found');
  const runs = row.runs + 1;
  await ctx.tx.query(
    `UPDATE coupon_issuances SET state = 'queued', runs = $3, total = $4, done = 0, last_seq = 0, skipped = 0,
       refused_limit = 0, refused_stock = 0, error = NULL, finished_at = NULL WHERE workspace_id = $1 AND id = $2`,
    [ctx.workspaceId, id, runs, segment.member_count],
  );
  await enqueue(ctx.tx, { kind: SEGMENT_JOB, payload: { issuanceId: id }, dedupeKey: `${id}:${runs}:0` });
  ctx.audit.details = { runs };
  return getIssuance(ctx.tx, ctx.workspaceId, id);
}

/**
 * One chunk of a segment issuance, in its own job: the next members after the last seq done get their coupons,
 * progress is recorded, and the next chunk is queued. A chunk that runs twice issues nothing twice (the keys), and
 * a template that can no longer issue (paused, ended, past its end) fails the issuance with the reason.
 *
 * Members are read from segment_members, where the segments module keeps the current members of static and
 * dynamic segments alike (dynamic ones follow every change as its events are handled).
 */
export async function runIssuanceChunk(tx: Tx, workspaceId: string, issuanceId: string, now: Date): Promise<void> {
  const rows = await tx.query<IssuanceRow>(
    `${ISSUANCE_SELECT} WHERE i.workspace_id = $1 AND i.id = $2 FOR UPDATE OF i`,
    [workspaceId, issuanceId],
  );
  const job = rows[0];
  if (!job || job.state === 'succeeded' || job.state === 'failed') return;
  const members = await tx.query<{ seq: number; customer_id: string }>(
    `SELECT seq, customer_id FROM segment_members WHERE workspace_id = $1 AND segment_id = $2 AND seq > $3
      ORDER BY seq LIMIT $4`,
    [workspaceId, job.segment_id, job.last_seq, ISSUE_CHUNK],
  );
  let tally: Tally;
  try {
    tally = await issueToCustomers(
      tx,
      workspaceId,
      job,
      members.map((m) => m.customer_id),
      now,
    );
  } catch (err) {
    if (!(err instanceof AppError) || err.status >= 500) throw err;
    await tx.query(
      `UPDATE coupon_issuances SET state = 'failed', error = $3, finished_at = $4 WHERE workspace_id = $1 AND id = $2`,
      [workspaceId, issuanceId, err.code, now],
    );
    return;
  }
  const lastSeq = members[members.length - 1]?.seq ?? job.last_seq;
  const finished = members.length < ISSUE_CHUNK;
  await tx.query(
    `UPDATE coupon_issuances SET state = $3, done = done + $4, total = greatest(total, done + $4), last_seq = $5,
       issued = issued + $6, skipped = skipped + $7, refused_limit = refused_limit + $8,
       refused_stock = refused_stock + $9, finished_at = $10
     WHERE workspace_id = $1 AND id = $2`,
    [
      workspaceId,
      issuanceId,
      finished ? 'succeeded' : 'running',
      members.length,
      lastSeq,
      tally.issued,
      tally.skipped,
      tally.refusedLimit,
      tally.refusedStock,
      finished ? now : null,
    ],
  );
  if (!finished) {
    await enqueue(tx, {
      kind: SEGMENT_JOB,
      workspaceId,
      payload: { issuanceId },
      dedupeKey: `${issuanceId}:${job.runs}:${lastSeq}`,
    });
  }
}
