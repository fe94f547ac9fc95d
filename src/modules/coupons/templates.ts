// Coupon templates: what a coupon is worth (满减, 折扣 with a cap, a gift, free shipping), when it is valid, how many
// exist and per member, how it stacks and where it applies; their checks, edits and status (draft → active ⇄
// paused → ended).
import type {
  CouponKind,
  CouponTemplate,
  CouponTemplateBody,
  TemplateListQuery,
  TemplateStatus,
  UpdateCouponTemplateBody,
} from '../../contracts/coupons.ts';
import type { Page } from '../../contracts/foundation.ts';
import type { Queryable, Tx } from '../../platform/db/index.ts';
import { type AppError, badRequest, conflict, notFound } from '../../platform/errors.ts';
import { pageOf } from '../../platform/http/pagination.ts';
import type { RequestContext } from '../../platform/http/routes.ts';
import { type DiscountTerms, yuanText } from './discount.ts';
import { timeCursor } from './paging.ts';

export interface TemplateRow {
  id: string;
  title: string;
  description: string | null;
  kind: CouponKind;
  amount_off_fen: number | null;
  percent_off_bp: number | null;
  max_discount_fen: number | null;
  min_spend_fen: number;
  gift_sku: string | null;
  gift_name: string | null;
  validity_kind: 'fixed' | 'relative';
  valid_from: Date | null;
  valid_until: Date | null;
  valid_days: number | null;
  total_stock: number | null;
  issued_count: number;
  per_member_limit: number | null;
  stackable: boolean;
  exclusive_group: string | null;
  points_offset: boolean;
  scope_skus: string[];
  scope_categories: string[];
  scope_channels: string[];
  scope_stores: string[];
  expiry_reminder_days: number;
  status: TemplateStatus;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
}

export type TemplateStats = CouponTemplate['stats'];
const NO_STATS: TemplateStats = { available: 0, redeemed: 0, expired: 0, void: 0 };

/** A template's definition in one normalised shape, for checks and writes, whether it came from a body or a row. */
interface Definition {
  title: string;
  description: string | null;
  kind: CouponKind;
  amountOffFen: number | null;
  percentOffBp: number | null;
  maxDiscountFen: number | null;
  minSpendFen: number;
  giftSku: string | null;
  giftName: string | null;
  validityKind: 'fixed' | 'relative';
  validFrom: Date | null;
  validUntil: Date | null;
  validDays: number | null;
  totalStock: number | null;
  perMemberLimit: number | null;
  stackable: boolean;
  exclusiveGroup: string | null;
  pointsOffset: boolean;
  scope: { skus: string[]; categories: string[]; channels: string[]; stores: string[] };
  expiryReminderDays: number;
}

/** What may still change once coupons may have been issued: nothing that alters a coupon members already hold. */
const EDITABLE_AFTER_DRAFT = new Set<keyof Definition>([
  'title',
  'description',
  'totalStock',
  'perMemberLimit',
  'expiryReminderDays',
]);

export const templateTerms = (r: TemplateRow): DiscountTerms => ({
  kind: r.kind,
  amountOffFen: r.amount_off_fen,
  percentOffBp: r.percent_off_bp,
  maxDiscountFen: r.max_discount_fen,
  minSpendFen: r.min_spend_fen,
  giftSku: r.gift_sku,
  giftName: r.gift_name,
  scope: { skus: r.scope_skus, categories: r.scope_categories, channels: r.scope_channels, stores: r.scope_stores },
});

export function toTemplate(r: TemplateRow, stats: TemplateStats = NO_STATS): CouponTemplate {
  return {
    id: r.id,
    title: r.title,
    description: r.description,
    kind: r.kind,
    amountOffFen: r.amount_off_fen,
    percentOffBp: r.percent_off_bp,
    maxDiscountFen: r.max_discount_fen,
    minSpendFen: r.min_spend_fen,
    giftSku: r.gift_sku,
    giftName: r.gift_name,
    validityKind: r.validity_kind,
    validFrom: r.valid_from?.toISOString() ?? null,
    validUntil: r.valid_until?.toISOString() ?? null,
    validDays: r.valid_days,
    totalStock: r.total_stock,
    issuedCount: r.issued_count,
    perMemberLimit: r.per_member_limit,
    stackable: r.stackable,
    exclusiveGroup: r.exclusive_group,
    pointsOffset: r.points_offset,
    scope: { skus: r.scope_skus, categories: r.scope_categories, channels: r.scope_channels, stores: r.scope_stores },
    expiryReminderDays: r.expiry_reminder_days,
    status: r.status,
    stats,
    createdBy: r.created_by,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

/** The template, locked against concurrent issuance and status changes when `lock` (FOR UPDATE). */
export async function templateRow(q: Queryable, workspaceId: string, id: string, lock = false): Promise<TemplateRow> {
  const rows = await q.query<TemplateRow>(
    `SELECT * FROM coupon_templates WHERE workspace_id = $1 AND id = $2${lock ? ' FOR UPDATE' : ''}`,
    [workspaceId, id],
  );
  if (!rows[0]) throw notFound('coupon.template_not_found');
  return rows[0];
}

export async function templateStats(
  q: Queryable,
  workspaceId: string,
  ids: readonly string[],
): Promise<Map<string, TemplateStats>> {
  const rows = await q.query<{ template_id: string; status: keyof TemplateStats; n: number }>(
    `SELECT template_id, status, count(*) AS n FROM coupons
      WHERE workspace_id = $1 AND template_id = ANY($2::uuid[]) GROUP BY template_id, status`,
    [workspaceId, ids],
  );
  const out = new Map<string, TemplateStats>();
  for (const r of rows) out.set(r.template_id, { ...(out.get(r.template_id) ?? NO_STATS), [r.status]: r.n });
  return out;
}

export async function getTemplate(q: Queryable, workspaceId: string, id: string): Promise<CouponTemplate> {
  const row = await templateRow(q, workspaceId, id);
  return toTemplate(row, (await templateStats(q, workspaceId, [id])).get(id));
}

export async function listTemplates(
  tx: Tx,
  workspaceId: string,
  query: TemplateListQuery,
): Promise<Page<CouponTemplate>> {
  const limit = query.limit ?? 50;
  const key = timeCursor(query.cursor);
  const rows = await tx.query<TemplateRow>(
    `SELECT * FROM coupon_templates
      WHERE workspace_id = $1
        AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR kind = $3)
        AND ($4::text IS NULL OR strpos(lower(title), lower($4)) > 0)
        AND ($5::timestamptz IS NULL OR (created_at, id) < ($5::timestamptz, $6::uuid))
      ORDER BY created_at DESC, id DESC LIMIT $7`,
    [
      workspaceId,
      query.status ?? null,
      query.kind ?? null,
      query.q?.trim() || null,
      key?.[0] ?? null,
      key?.[1] ?? null,
      limit + 1,
    ],
  );
  const stats = await templateStats(
    tx,
    workspaceId,
    rows.map((r) => r.id),
  );
  return pageOf(
    rows,
    limit,
    (r) => toTemplate(r, stats.get(r.id)),
    (r) => [r.created_at.toISOString(), r.id],
  );
}

const clean = (list: readonly string[] | undefined) => [...new Set((list ?? []).map((s) => s.trim()))].filter(Boolean);
const date = (iso: string | null | undefined) => (iso ? new Date(iso) : null);

function definitionOfRow(r: TemplateRow): Definition {
  return {
    title: r.title,
    description: r.description,
    kind: r.kind,
    amountOffFen: r.amount_off_fen,
    percentOffBp: r.percent_off_bp,
    maxDiscountFen: r.max_discount_fen,
    minSpendFen: r.min_spend_fen,
    giftSku: r.gift_sku,
    giftName: r.gift_name,
    validityKind: r.validity_kind,
    validFrom: r.valid_from,
    validUntil: r.valid_until,
    validDays: r.valid_days,
    totalStock: r.total_stock,
    perMemberLimit: r.per_member_limit,
    stackable: r.stackable,
    exclusiveGroup: r.exclusive_group,
    pointsOffset: r.points_offset,
    scope: { skus: r.scope_skus, categories: r.scope_categories, channels: r.scope_channels, stores: r.scope_stores },
    expiryReminderDays: r.expiry_reminder_days,
  };
}

/** The body laid over a base definition: an absent field keeps the base's value, null clears it. */
function definitionOf(body: UpdateCouponTemplateBody, base: Definition | null): Definition {
  const pick = <K extends keyof UpdateCouponTemplateBody, V>(key: K, fallback: V, map: (v: never) => V): V =>
    body[key] === undefined ? fallback : map(body[key] as never);
  // Switching a draft to another kind or validity drops the old one's fields the body does not restate.
  const b = base && {
    ...base,
    ...(body.kind && body.kind !== base.kind
      ? { amountOffFen: null, percentOffBp: null, maxDiscountFen: null, giftSku: null, giftName: null }
      : {}),
    ...(body.validityKind && body.validityKind !== base.validityKind
      ? { validFrom: null, validUntil: null, validDays: null }
      : {}),
  };
  return {
    title: pick('title', b?.title ?? '', (v: string) => v.trim()),
    description: pick('description', b?.description ?? null, (v: string | null) => v?.trim() || null),
    kind: pick('kind', b?.kind ?? 'amount_off', (v: CouponKind) => v),
    amountOffFen: pick('amountOffFen', b?.amountOffFen ?? null, (v: number | null) => v),
    percentOffBp: pick('percentOffBp', b?.percentOffBp ?? null, (v: number | null) => v),
    maxDiscountFen: pick('maxDiscountFen', b?.maxDiscountFen ?? null, (v: number | null) => v),
    minSpendFen: pick('minSpendFen', b?.minSpendFen ?? 0, (v: number) => v),
    giftSku: pick('giftSku', b?.giftSku ?? null, (v: string | null) => v?.trim() || null),
    giftName: pick('giftName', b?.giftName ?? null, (v: string | null) => v?.trim() || null),
    validityKind: pick('validityKind', b?.validityKind ?? 'fixed', (v: 'fixed' | 'relative') => v),
    validFrom: pick('validFrom', b?.validFrom ?? null, date),
    validUntil: pick('validUntil', b?.validUntil ?? null, date),
    validDays: pick('validDays', b?.validDays ?? null, (v: number | null) => v),
    totalStock: pick('totalStock', b?.totalStock ?? null, (v: number | null) => v),
    perMemberLimit: pick('perMemberLimit', b?.perMemberLimit ?? null, (v: number | null) => v),
    stackable: pick('stackable', b?.stackable ?? false, (v: boolean) => v),
    exclusiveGroup: pick('exclusiveGroup', b?.exclusiveGroup ?? null, (v: string | null) => v?.trim() || null),
    pointsOffset: pick('pointsOffset', b?.pointsOffset ?? true, (v: boolean) => v),
    scope: {
      skus: body.scope?.skus ? clean(body.scope.skus) : (b?.scope.skus ?? []),
      categories: body.scope?.categories ? clean(body.scope.categories) : (b?.scope.categories ?? []),
      channels: body.scope?.channels ? clean(body.scope.channels) : (b?.scope.channels ?? []),
      stores: body.scope?.stores ? clean(body.scope.stores) : (b?.scope.stores ?? []),
    },
    expiryReminderDays: pick('expiryReminderDays', b?.expiryReminderDays ?? 3, (v: number) => v),
  };
}

const KIND_FIELDS: Record<CouponKind, (keyof Definition)[]> = {
  amount_off: ['amountOffFen'],
  percent_off: ['percentOffBp', 'maxDiscountFen'],
  gift: ['giftSku', 'giftName'],
  free_shipping: [],
};
const KIND_SPECIFIC: (keyof Definition)[] = ['amountOffFen', 'percentOffBp', 'maxDiscountFen', 'giftSku', 'giftName'];

/** Every rule a definition must keep, each refusal with its own code so a form can point at the field. */
function check(d: Definition, now: Date, creating: boolean): void {
  if (!d.title) throw badRequest('coupon.title_required');
  for (const field of KIND_SPECIFIC) {
    if (d[field] !== null && !KIND_FIELDS[d.kind].includes(field)) {
      throw badRequest('coupon.field_not_applicable', { field, kind: d.kind });
    }
  }
  if (d.kind === 'amount_off') {
    if (d.amountOffFen === null) throw badRequest('coupon.amount_required');
    // 满100减120 would pay the member to shop; 满100减100 (free up to the threshold) is allowed.
    if (d.minSpendFen > 0 && d.amountOffFen > d.minSpendFen) {
      throw badRequest('coupon.discount_exceeds_threshold', {
        amount: yuanText(d.amountOffFen),
        minSpend: yuanText(d.minSpendFen),
      });
    }
  }
  if (d.kind === 'percent_off' && d.percentOffBp === null) throw badRequest('coupon.percent_required');
  if (d.kind === 'gift' && (d.giftSku === null || d.giftName === null)) throw badRequest('coupon.gift_required');
  if (d.validityKind === 'fixed') {
    if (d.validDays !== null) throw badRequest('coupon.validity_field_not_applicable', { field: 'validDays' });
    if (!d.validFrom || !d.validUntil) throw badRequest('coupon.validity_dates_required');
    if (Number.isNaN(d.validFrom.getTime()) || Number.isNaN(d.validUntil.getTime())) {
      throw badRequest('coupon.validity_dates_required');
    }
    if (d.validUntil <= d.validFrom) throw badRequest('coupon.validity_range_invalid');
    if (creating && d.validUntil <= now) throw badRequest('coupon.validity_in_past');
  } else {
    if (d.validFrom !== null) throw badRequest('coupon.validity_field_not_applicable', { field: 'validFrom' });
    if (d.validUntil !== null) throw badRequest('coupon.validity_field_not_applicable', { field: 'validUntil' });
    if (d.validDays === null) throw badRequest('coupon.validity_days_required');
  }
}

const same = (a: unknown, b: unknown) =>
  JSON.stringify(a, (_k, v) => (v instanceof Date ? v.toISOString() : v)) ===
  JSON.stringify(b, (_k, v) => (v instanceof Date ? v.toISOString() : v));

const definitionParams = (d: Definition) => [
  d.title,
  d.description,
  d.kind,
  d.amountOffFen,
  d.percentOffBp,
  d.maxDiscountFen,
  d.minSpendFen,
  d.giftSku,
  d.giftName,
  d.validityKind,
  d.validFrom,
  d.validUntil,
  d.validDays,
  d.totalStock,
  d.perMemberLimit,
  d.stackable,
  d.exclusiveGroup,
  d.pointsOffset,
  d.scope.skus,
  d.scope.categories,
  d.scope.channels,
  d.scope.stores,
  d.expiryReminderDays,
];

export async function createTemplate(ctx: RequestContext, body: CouponTemplateBody): Promise<CouponTemplate> {
  const template = await insertTemplate(ctx.tx, ctx.workspaceId, body, { by: ctx.actor.name, now: ctx.now() });
  ctx.audit.targetId = template.id;
  return template;
}

/**
 * Writes a template after the same checks as the console's create; `active` skips the draft step (the demo
 * brand's catalogue is on sale from the start).
 */
export async function insertTemplate(
  tx: Tx,
  workspaceId: string,
  body: CouponTemplateBody,
  opts: { by: string; now: Date; active?: boolean },
): Promise<CouponTemplate> {
  const d = definitionOf(body, null);
  check(d, opts.now, true);
  const [row] = (await tx.query<TemplateRow>(
    `INSERT INTO coupon_templates (workspace_id, title, description, kind, amount_off_fen, percent_off_bp,
       max_discount_fen, min_spend_fen, gift_sku, gift_name, validity_kind, valid_from, valid_until, valid_days,
       total_stock, per_member_limit, stackable, exclusive_group, points_offset, scope_skus, scope_categories,
       scope_channels, scope_stores, expiry_reminder_days, created_by, created_at, updated_at, status)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23,
       $24, $25, $26, $26, $27)
     RETURNING *`,
    [workspaceId, ...definitionParams(d), opts.by, opts.now, opts.active ? 'active' : 'draft'],
  )) as [TemplateRow];
  return toTemplate(row);
}

export async function updateTemplate(
  ctx: RequestContext,
  id: string,
  body: UpdateCouponTemplateBody,
): Promise<CouponTemplate> {
  ctx.audit.targetId = id;
  const current = await templateRow(ctx.tx, ctx.workspaceId, id, true);
  if (current.status === 'ended') throw conflict('coupon.template_ended');
  const before = definitionOfRow(current);
  const after = definitionOf(body, before);
  if (current.status !== 'draft') {
    // A form sends every field back: only real changes to a coupon's terms are refused.
    for (const field of Object.keys(after) as (keyof Definition)[]) {
      if (!EDITABLE_AFTER_DRAFT.has(field) && !same(before[field], after[field])) {
        throw conflict('coupon.template_locked', { field });
      }
    }
  }
  check(after, ctx.now(), current.status === 'draft');
  if (after.totalStock !== null && after.totalStock < current.issued_count) {
    throw conflict('coupon.stock_below_issued', { issued: current.issued_count });
  }
  ctx.audit.details = { fields: Object.keys(body) };
  await ctx.tx.query(
    `UPDATE coupon_templates SET title = $3, description = $4, kind = $5, amount_off_fen = $6, percent_off_bp = $7,
       max_discount_fen = $8, min_spend_fen = $9, gift_sku = $10, gift_name = $11, validity_kind = $12,
       valid_from = $13, valid_until = $14, valid_days = $15, total_stock = $16, per_member_limit = $17,
       stackable = $18, exclusive_group = $19, points_offset = $20, scope_skus = $21, scope_categories = $22,
       scope_channels = $23, scope_stores = $24, expiry_reminder_days = $25, updated_at = $26
     WHERE workspace_id = $1 AND id = $2`,
    [ctx.workspaceId, id, ...definitionParams(after), ctx.now()],
  );
  return getTemplate(ctx.tx, ctx.workspaceId, id);
}

const TRANSITIONS: Record<TemplateStatus, TemplateStatus[]> = {
  draft: ['active', 'ended'],
  active: ['paused', 'ended'],
  paused: ['active', 'ended'],
  ended: [],
};

/**
 * Moves a template through its life. Pausing stops issuance while issued coupons stay usable; ending stops both:
 * every coupon not yet redeemed becomes void (it stays in the wallet as withdrawn). Asking for the status a
 * template already has changes nothing, so a retried call is harmless.
 */
export async function setTemplateStatus(
  ctx: RequestContext,
  id: string,
  status: Exclude<TemplateStatus, 'draft'>,
): Promise<CouponTemplate> {
  ctx.audit.targetId = id;
  const current = await templateRow(ctx.tx, ctx.workspaceId, id, true);
  if (current.status === status) return getTemplate(ctx.tx, ctx.workspaceId, id);
  if (!TRANSITIONS[current.status].includes(status)) {
    throw conflict('coupon.invalid_status_change', {}, { from: current.status, to: status });
  }
  const now = ctx.now();
  if (status === 'active' && current.validity_kind === 'fixed' && (current.valid_until as Date) <= now) {
    throw conflict('coupon.template_expired');
  }
  await ctx.tx.query('UPDATE coupon_templates SET status = $3, updated_at = $4 WHERE workspace_id = $1 AND id = $2', [
    ctx.workspaceId,
    id,
    status,
    now,
  ]);
  let voided = 0;
  if (status === 'ended') {
    const rows = await ctx.tx.query<{ id: string }>(
      `UPDATE coupons SET status = 'void', status_at = $3
        WHERE workspace_id = $1 AND template_id = $2 AND status = 'available' RETURNING id`,
      [ctx.workspaceId, id, now],
    );
    voided = rows.length;
  }
  ctx.audit.details = { from: current.status, to: status, ...(status === 'ended' ? { voided } : {}) };
  return getTemplate(ctx.tx, ctx.workspaceId, id);
}

/** The refusal issuing from this template now would meet, if any: it must be active and not past its end. */
export function issueRefusal(t: TemplateRow, now: Date): AppError | null {
  if (t.status !== 'active') return conflict('coupon.template_not_active', {}, { status: t.status });
  if (t.validity_kind === 'fixed' && (t.valid_until as Date) <= now) return conflict('coupon.template_expired');
  return null;
}
