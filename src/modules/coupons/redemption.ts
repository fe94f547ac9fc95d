// Validate, redeem and unredeem for POS and e-commerce. Redeeming locks the order (so stacking is judged against
// every coupon already on it) and then the coupon row, so however many tills try one coupon at the same moment,
// the first to get the lock redeems it and every other finds it redeemed; a partial unique index on live
// redemptions makes the database refuse a second one even if that logic were wrong. Retries of one (code, order)
// answer the first result; a refund of the order gives the coupon back.
import type {
  CouponValidation,
  RedeemCouponBody,
  RedemptionResult,
  UnredeemCouponBody,
  UnredemptionResult,
  ValidateCouponBody,
} from '../../contracts/coupons.ts';
import type { Tx } from '../../platform/db/index.ts';
import { AppError, conflict, notFound } from '../../platform/errors.ts';
import type { RequestContext } from '../../platform/http/routes.ts';
import { type Locale, translate } from '../../platform/i18n/index.ts';
import { emit } from '../../platform/jobs/index.ts';
import { normalizePhone } from '../../platform/phone.ts';
import { findIdentities, survivorsOf } from '../customers/index.ts';
import { formatCode } from './codes.ts';
import { type Checkout, type Refusal, type Worth, worth } from './discount.ts';
import {
  COUPON_SELECT,
  type CouponView,
  canonicalCode,
  couponByCode,
  couponView,
  REDEMPTION_SELECT,
  type RedemptionRow,
  toCoupon,
  toRedemption,
} from './lookup.ts';
import { getTemplate, type TemplateRow, templateRow, templateTerms } from './templates.ts';

/** Who is at the till: nobody named (the code is then a bearer credential), or a customer, or an unknown one. */
type Holder = { named: false } | { named: true; customerId: string | null };

async function holderOf(
  tx: Tx,
  workspaceId: string,
  body: { customerId?: string | undefined; phone?: string | undefined },
): Promise<Holder> {
  if (body.customerId) {
    const live = (await survivorsOf(tx, workspaceId, [body.customerId])).get(body.customerId) as string;
    const found = await tx.query('SELECT 1 FROM customers WHERE workspace_id = $1 AND id = $2', [workspaceId, live]);
    return { named: true, customerId: found.length > 0 ? live : null };
  }
  if (body.phone) {
    const phone = normalizePhone(body.phone);
    const [owner] = phone ? await findIdentities(tx, workspaceId, [{ kind: 'phone', appId: '', value: phone }]) : [];
    return { named: true, customerId: owner?.customerId ?? null };
  }
  return { named: false };
}

/** The other coupons an order carries, with the stacking terms of their templates. */
interface OtherCoupon {
  code: string;
  stackable: boolean;
  exclusive_group: string | null;
}

function stackingRefusals(t: TemplateRow, others: readonly OtherCoupon[]): Refusal[] {
  const out: Refusal[] = [];
  for (const o of others) {
    if (!t.stackable || !o.stackable) {
      out.push({ code: 'coupon.not_stackable', params: { other: formatCode(o.code) } });
    } else if (t.exclusive_group !== null && t.exclusive_group === o.exclusive_group) {
      out.push({
        code: 'coupon.exclusive_group_conflict',
        params: { other: formatCode(o.code), group: o.exclusive_group },
      });
    }
  }
  return out;
}

/** Everything about the coupon itself, the customer and the order that stands in the way, in a fixed order. */
function refusalsOf(
  c: CouponView,
  t: TemplateRow,
  holder: Holder,
  checkout: Checkout & { usesPoints?: boolean | undefined },
  others: readonly OtherCoupon[],
  now: Date,
): { refusals: Refusal[]; worth: Worth } {
  const refusals: Refusal[] = [];
  if (c.status === 'redeemed') refusals.push({ code: 'coupon.used' });
  else if (c.status === 'void' || t.status === 'ended') refusals.push({ code: 'coupon.void' });
  else if (c.status === 'expired' || c.valid_until <= now) refusals.push({ code: 'coupon.expired' });
  else if (c.valid_from > now) refusals.push({ code: 'coupon.not_started' });
  if (holder.named && holder.customerId !== c.customer_id) refusals.push({ code: 'coupon.not_yours' });
  if (checkout.usesPoints && !t.points_offset) refusals.push({ code: 'coupon.not_with_points' });
  refusals.push(...stackingRefusals(t, others));
  const w = worth(templateTerms(t), checkout);
  refusals.push(...w.refusals);
  return { refusals, worth: w };
}

/** Coupons live-redeemed on the order, other than `exceptCouponId`. */
async function couponsOnOrder(tx: Tx, workspaceId: string, orderId: string, exceptCouponId: string) {
  return tx.query<OtherCoupon>(
    `SELECT c.code, t.stackable, t.exclusive_group FROM coupon_redemptions r
       JOIN coupons c ON c.workspace_id = r.workspace_id AND c.id = r.coupon_id
       JOIN coupon_templates t ON t.workspace_id = r.workspace_id AND t.id = r.template_id
      WHERE r.workspace_id = $1 AND r.order_id = $2 AND r.unredeemed_at IS NULL AND r.coupon_id <> $3`,
    [workspaceId, orderId, exceptCouponId],
  );
}

const message = (locale: Locale, r: Refusal) => ({ code: r.code, message: translate(locale, r.code, r.params) });

/** Whether the coupon applies to this checkout and what it takes off; changes nothing. */
export async function validateCoupon(ctx: RequestContext, body: ValidateCouponBody): Promise<CouponValidation> {
  const { tx, workspaceId } = ctx;
  const c = await couponByCode(tx, workspaceId, body.code);
  const t = await templateRow(tx, workspaceId, c.template_id);
  const others: OtherCoupon[] = body.orderId ? await couponsOnOrder(tx, workspaceId, body.orderId, c.id) : [];
  const otherCodes = (body.otherCodes ?? []).map(canonicalCode).filter((code) => code !== c.code);
  if (otherCodes.length > 0) {
    const listed = await tx.query<OtherCoupon>(
      `SELECT c.code, t.stackable, t.exclusive_group FROM coupons c
         JOIN coupon_templates t ON t.workspace_id = c.workspace_id AND t.id = c.template_id
        WHERE c.workspace_id = $1 AND c.code = ANY($2::text[])`,
      [workspaceId, otherCodes],
    );
    if (listed.length < new Set(otherCodes).size) throw notFound('coupon.other_not_found');
    others.push(...listed.filter((l) => !others.some((o) => o.code === l.code)));
  }
  const holder = await holderOf(tx, workspaceId, body);
  const { refusals, worth: w } = refusalsOf(c, t, holder, body, others, ctx.now());
  return {
    applicable: refusals.length === 0,
    discountFen: refusals.length === 0 ? w.discountFen : 0,
    eligibleFen: w.eligibleFen,
    gift: refusals.length === 0 ? w.gift : null,
    freeShipping: refusals.length === 0 && w.freeShipping,
    reasons: refusals.map((r) => message(ctx.locale, r)),
    coupon: toCoupon(c),
    template: await getTemplate(tx, workspaceId, t.id),
  };
}

/**
 * Serialises everything done to one order's coupons: two tills redeeming two different non-stackable coupons on
 * one order would otherwise each see the order empty. Taken before the coupon row, always in that order.
 */
async function lockOrder(tx: Tx, workspaceId: string, orderId: string): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`coupons:order:${workspaceId}:${orderId}`]);
}

async function lockCoupon(tx: Tx, workspaceId: string, code: string): Promise<CouponView> {
  const canonical = canonicalCode(code);
  const rows = await tx.query<{ id: string }>(
    'SELECT id FROM coupons WHERE workspace_id = $1 AND code = $2 FOR UPDATE',
    [workspaceId, canonical],
  );
  if (!rows[0]) throw notFound('coupon.not_found');
  return couponView(tx, workspaceId, rows[0].id);
}

async function liveRedemption(tx: Tx, workspaceId: string, couponId: string): Promise<RedemptionRow | null> {
  const rows = await tx.query<RedemptionRow>(
    `${REDEMPTION_SELECT} WHERE r.workspace_id = $1 AND r.coupon_id = $2 AND r.unredeemed_at IS NULL`,
    [workspaceId, couponId],
  );
  return rows[0] ?? null;
}

async function redemptionResult(tx: Tx, workspaceId: string, r: RedemptionRow): Promise<RedemptionResult> {
  const c = await couponView(tx, workspaceId, r.coupon_id);
  const t = await templateRow(tx, workspaceId, r.template_id);
  return {
    redemption: toRedemption(r),
    // A template's terms cannot change once it has issued, so these are what the first answer said.
    gift: t.kind === 'gift' && t.gift_sku && t.gift_name ? { sku: t.gift_sku, name: t.gift_name } : null,
    freeShipping: t.kind === 'free_shipping',
    coupon: toCoupon(c),
  };
}

/** The local time of a moment in the workspace's time zone, for messages a cashier reads. */
async function localTime(tx: Tx, workspaceId: string, at: Date): Promise<string> {
  const rows = await tx.query<{ text: string }>(
    `SELECT to_char($2::timestamptz AT TIME ZONE timezone, 'YYYY-MM-DD HH24:MI:SS') AS text FROM workspaces
      WHERE id = $1`,
    [workspaceId, at],
  );
  return rows[0]?.text ?? at.toISOString();
}

/**
 * Redeems a coupon on an order. The same (code, orderId) again answers the first redemption (with the
 * `Idempotent-Replayed` header); the coupon on another order is 409 coupon.already_redeemed naming when, where and
 * by whom; any other reason it does not apply is 422 with that reason's code and every reason in `details`.
 */
export async function redeemCoupon(ctx: RequestContext, body: RedeemCouponBody): Promise<RedemptionResult> {
  const { tx, workspaceId } = ctx;
  const now = ctx.now();
  await lockOrder(tx, workspaceId, body.orderId);
  const c = await lockCoupon(tx, workspaceId, body.code);
  ctx.audit.targetId = c.id;
  if (c.status === 'redeemed') {
    const live = (await liveRedemption(tx, workspaceId, c.id)) as RedemptionRow;
    if (live.order_id === body.orderId) {
      ctx.reply.header('idempotent-replayed', 'true');
      ctx.audit.details = { code: c.code, orderId: body.orderId, replayed: true };
      return redemptionResult(tx, workspaceId, live);
    }
    throw conflict(
      'coupon.already_redeemed',
      { at: await localTime(tx, workspaceId, live.redeemed_at), by: live.actor_name, store: live.store ?? '—' },
      {
        orderId: live.order_id,
        redeemedAt: live.redeemed_at.toISOString(),
        store: live.store,
        channel: live.channel,
        redeemedBy: { type: live.actor_type, id: live.actor_id, name: live.actor_name },
      },
    );
  }
  const t = await templateRow(tx, workspaceId, c.template_id);
  const others = await couponsOnOrder(tx, workspaceId, body.orderId, c.id);
  const holder = await holderOf(tx, workspaceId, body);
  const { refusals, worth: w } = refusalsOf(c, t, holder, body, others, now);
  const first = refusals[0];
  if (first) {
    throw new AppError(422, first.code, first.params, {
      reasons: refusals.map((r) => message(ctx.locale, r)),
    });
  }
  const [inserted] = (await tx.query<{ id: string }>(
    `INSERT INTO coupon_redemptions (workspace_id, coupon_id, template_id, customer_id, order_id, order_amount_fen,
                                     discount_fen, store, channel, actor_type, actor_id, actor_name, redeemed_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
    [
      workspaceId,
      c.id,
      c.template_id,
      c.customer_id,
      body.orderId,
      body.orderAmountFen,
      w.discountFen,
      body.store ?? null,
      body.channel ?? null,
      ctx.actor.type,
      ctx.actor.id,
      ctx.actor.name,
      now,
    ],
  )) as [{ id: string }];
  await tx.query(`UPDATE coupons SET status = 'redeemed', status_at = $3 WHERE workspace_id = $1 AND id = $2`, [
    workspaceId,
    c.id,
    now,
  ]);
  await emit(tx, 'coupon.redeemed', {
    couponId: c.id,
    code: c.code,
    customerId: c.customer_id,
    templateId: c.template_id,
    orderId: body.orderId,
    discountFen: w.discountFen,
    store: body.store ?? null,
    channel: body.channel ?? null,
  });
  ctx.audit.details = { code: c.code, orderId: body.orderId, discountFen: w.discountFen };
  const redemption = (
    await tx.query<RedemptionRow>(`${REDEMPTION_SELECT} WHERE r.workspace_id = $1 AND r.id = $2`, [
      workspaceId,
      inserted.id,
    ])
  )[0] as RedemptionRow;
  return redemptionResult(tx, workspaceId, redemption);
}

/**
 * Takes a coupon off an order: the redemption is marked undone, and the coupon is available again if it still
 * could be used (its end not passed, its template not ended), else expired or void. Locks are taken as in redeem.
 */
async function undo(
  tx: Tx,
  workspaceId: string,
  c: CouponView,
  live: RedemptionRow,
  reason: 'refund' | 'request',
  by: string,
  now: Date,
): Promise<void> {
  const t = await templateRow(tx, workspaceId, c.template_id);
  const status = t.status === 'ended' ? 'void' : c.valid_until <= now ? 'expired' : 'available';
  await tx.query(
    `UPDATE coupon_redemptions SET unredeemed_at = $3, unredeem_reason = $4, unredeemed_by = $5
      WHERE workspace_id = $1 AND id = $2`,
    [workspaceId, live.id, now, reason, by],
  );
  await tx.query(`UPDATE coupons SET status = $3, status_at = $4 WHERE workspace_id = $1 AND id = $2`, [
    workspaceId,
    c.id,
    status,
    now,
  ]);
  await emit(tx, 'coupon.unredeemed', {
    couponId: c.id,
    code: c.code,
    customerId: c.customer_id,
    templateId: c.template_id,
    orderId: live.order_id,
    reason,
    status,
  });
}

/**
 * Unredeems the coupon from the order (a refund at the till). Asking again answers the same undone redemption;
 * a coupon never redeemed on that order is 404 coupon.redemption_not_found.
 */
export async function unredeemCoupon(ctx: RequestContext, body: UnredeemCouponBody): Promise<UnredemptionResult> {
  const { tx, workspaceId } = ctx;
  const now = ctx.now();
  await lockOrder(tx, workspaceId, body.orderId);
  const c = await lockCoupon(tx, workspaceId, body.code);
  ctx.audit.targetId = c.id;
  ctx.audit.details = { code: c.code, orderId: body.orderId };
  const live = await liveRedemption(tx, workspaceId, c.id);
  if (live && live.order_id === body.orderId) {
    await undo(tx, workspaceId, c, live, 'request', ctx.actor.name, now);
    const after = (
      await tx.query<RedemptionRow>(`${REDEMPTION_SELECT} WHERE r.workspace_id = $1 AND r.id = $2`, [
        workspaceId,
        live.id,
      ])
    )[0] as RedemptionRow;
    return { redemption: toRedemption(after), coupon: toCoupon(await couponView(tx, workspaceId, c.id)) };
  }
  const earlier = (
    await tx.query<RedemptionRow>(
      `${REDEMPTION_SELECT} WHERE r.workspace_id = $1 AND r.coupon_id = $2 AND r.order_id = $3
         AND r.unredeemed_at IS NOT NULL ORDER BY r.unredeemed_at DESC LIMIT 1`,
      [workspaceId, c.id, body.orderId],
    )
  )[0];
  if (!earlier) throw notFound('coupon.redemption_not_found');
  ctx.reply.header('idempotent-replayed', 'true');
  ctx.audit.details.replayed = true;
  return { redemption: toRedemption(earlier), coupon: toCoupon(c) };
}

/**
 * A fully refunded order gives back every coupon redeemed on it (orders carry no coupon codes; the redemption
 * records the order number, the same `orderNo` the order was sent under). A partial refund keeps the coupon used:
 * the order still happened. Runs in the subscriber's transaction, once per refund event.
 */
export async function unredeemRefundedOrders(
  tx: Tx,
  workspaceId: string,
  orderNos: readonly string[],
  now: Date,
): Promise<number> {
  let undone = 0;
  for (const orderNo of [...new Set(orderNos)].sort()) {
    await lockOrder(tx, workspaceId, orderNo);
    const live = await tx.query<{ code: string }>(
      `${COUPON_SELECT} JOIN coupon_redemptions r ON r.workspace_id = c.workspace_id AND r.coupon_id = c.id
        WHERE c.workspace_id = $1 AND r.order_id = $2 AND r.unredeemed_at IS NULL ORDER BY c.code`,
      [workspaceId, orderNo],
    );
    for (const { code } of live) {
      const c = await lockCoupon(tx, workspaceId, code);
      const redemption = await liveRedemption(tx, workspaceId, c.id);
      if (!redemption || redemption.order_id !== orderNo) continue;
      await undo(tx, workspaceId, c, redemption, 'refund', 'system', now);
      undone++;
    }
  }
  return undone;
}
