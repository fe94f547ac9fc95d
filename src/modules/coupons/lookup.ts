// Reading issued coupons and redemptions: the console's lists with filters, a coupon by its code with its
// redemption history, and the member wallet (memberCoupons) with each template's face value and terms.
import type {
  Coupon,
  CouponDetail,
  CouponListQuery,
  CouponRedemption,
  RedemptionListQuery,
  WalletCoupon,
} from '../../contracts/coupons.ts';
import type { Page } from '../../contracts/foundation.ts';
import type { Queryable } from '../../platform/db/index.ts';
import { badRequest, notFound } from '../../platform/errors.ts';
import { pageOf } from '../../platform/http/pagination.ts';
import type { Scope } from '../../platform/http/routes.ts';
import { scopeSql } from '../customers/scope.ts';
import { isWellFormedCode, normalizeCode } from './codes.ts';
import type { CouponRow } from './issuance.ts';
import { timeCursor } from './paging.ts';
import { getTemplate, type TemplateRow } from './templates.ts';

export type CouponView = CouponRow & { template_title: string; kind: Coupon['kind'] };

export interface RedemptionRow {
  id: string;
  coupon_id: string;
  code: string;
  template_id: string;
  template_title: string;
  customer_id: string;
  order_id: string;
  order_amount_fen: number;
  discount_fen: number;
  store: string | null;
  channel: string | null;
  actor_type: string;
  actor_id: string;
  actor_name: string;
  redeemed_at: Date;
  unredeemed_at: Date | null;
  unredeem_reason: 'refund' | 'request' | null;
  unredeemed_by: string | null;
}

export const COUPON_SELECT = `SELECT c.*, t.title AS template_title, t.kind FROM coupons c
  JOIN coupon_templates t ON t.workspace_id = c.workspace_id AND t.id = c.template_id`;

export const REDEMPTION_SELECT = `SELECT r.*, c.code, t.title AS template_title FROM coupon_redemptions r
  JOIN coupons c ON c.workspace_id = r.workspace_id AND c.id = r.coupon_id
  JOIN coupon_templates t ON t.workspace_id = r.workspace_id AND t.id = r.template_id`;

export const toCoupon = (r: CouponView): Coupon => ({
  id: r.id,
  code: r.code,
  templateId: r.template_id,
  templateTitle: r.template_title,
  kind: r.kind,
  customerId: r.customer_id,
  status: r.status,
  source: r.source,
  sourceRef: r.source_ref,
  validFrom: r.valid_from.toISOString(),
  validUntil: r.valid_until.toISOString(),
  issuedAt: r.issued_at.toISOString(),
  statusAt: r.status_at.toISOString(),
});

export const toRedemption = (r: RedemptionRow): CouponRedemption => ({
  id: r.id,
  couponId: r.coupon_id,
  code: r.code,
  templateId: r.template_id,
  templateTitle: r.template_title,
  customerId: r.customer_id,
  orderId: r.order_id,
  orderAmountFen: r.order_amount_fen,
  discountFen: r.discount_fen,
  store: r.store,
  channel: r.channel,
  redeemedBy: { type: r.actor_type, id: r.actor_id, name: r.actor_name },
  redeemedAt: r.redeemed_at.toISOString(),
  unredeemedAt: r.unredeemed_at?.toISOString() ?? null,
  unredeemReason: r.unredeem_reason,
  unredeemedBy: r.unredeemed_by,
});

/** A code as typed, in canonical form; a malformed one (wrong length, foreign characters, bad check) is a 400. */
export function canonicalCode(input: string): string {
  const code = normalizeCode(input);
  if (!isWellFormedCode(code)) throw badRequest('coupon.code_invalid');
  return code;
}

export async function couponByCode(q: Queryable, workspaceId: string, input: string): Promise<CouponView> {
  const rows = await q.query<CouponView>(`${COUPON_SELECT} WHERE c.workspace_id = $1 AND c.code = $2`, [
    workspaceId,
    canonicalCode(input),
  ]);
  if (!rows[0]) throw notFound('coupon.not_found');
  return rows[0];
}

export async function couponView(q: Queryable, workspaceId: string, id: string): Promise<CouponView> {
  const rows = await q.query<CouponView>(`${COUPON_SELECT} WHERE c.workspace_id = $1 AND c.id = $2`, [workspaceId, id]);
  if (!rows[0]) throw notFound('coupon.not_found');
  return rows[0];
}

export async function couponDetail(q: Queryable, workspaceId: string, code: string): Promise<CouponDetail> {
  const coupon = await couponByCode(q, workspaceId, code);
  const redemptions = await q.query<RedemptionRow>(
    `${REDEMPTION_SELECT} WHERE r.workspace_id = $1 AND r.coupon_id = $2 ORDER BY r.redeemed_at DESC, r.id DESC`,
    [workspaceId, coupon.id],
  );
  return {
    coupon: toCoupon(coupon),
    template: await getTemplate(q, workspaceId, coupon.template_id),
    redemptions: redemptions.map(toRedemption),
  };
}

/** Issued coupons, newest first, by template, customer, status, source or issuance/rule. */
export async function listCoupons(
  q: Queryable,
  workspaceId: string,
  query: CouponListQuery,
  scope: Scope,
): Promise<Page<Coupon>> {
  const limit = query.limit ?? 50;
  const key = timeCursor(query.cursor);
  const params: unknown[] = [
    workspaceId,
    query.templateId ?? null,
    query.customerId ?? null,
    query.status ?? null,
    query.source ?? null,
    query.sourceRef ?? null,
    key?.[0] ?? null,
    key?.[1] ?? null,
    limit + 1,
  ];
  // A guide sees only the coupons of customers they own.
  const inScope = scopeSql({ workspaceId, scope }, 'c.customer_id', params);
  const rows = await q.query<CouponView>(
    `${COUPON_SELECT}
      WHERE c.workspace_id = $1
        AND ($2::uuid IS NULL OR c.template_id = $2) AND ($3::uuid IS NULL OR c.customer_id = $3)
        AND ($4::text IS NULL OR c.status = $4) AND ($5::text IS NULL OR c.source = $5)
        AND ($6::text IS NULL OR c.source_ref = $6)
        AND ($7::timestamptz IS NULL OR (c.issued_at, c.id) < ($7::timestamptz, $8::uuid)) AND ${inScope}
      ORDER BY c.issued_at DESC, c.id DESC LIMIT $9`,
    params,
  );
  return pageOf(rows, limit, toCoupon, (r) => [r.issued_at.toISOString(), r.id]);
}

/** Redemption records, newest first, by template, customer, order, store or channel. */
export async function listRedemptions(
  q: Queryable,
  workspaceId: string,
  query: RedemptionListQuery,
  scope: Scope,
): Promise<Page<CouponRedemption>> {
  const limit = query.limit ?? 50;
  const key = timeCursor(query.cursor);
  const params: unknown[] = [
    workspaceId,
    query.templateId ?? null,
    query.customerId ?? null,
    query.orderId ?? null,
    query.store ?? null,
    query.channel ?? null,
    key?.[0] ?? null,
    key?.[1] ?? null,
    limit + 1,
  ];
  const inScope = scopeSql({ workspaceId, scope }, 'r.customer_id', params);
  const rows = await q.query<RedemptionRow>(
    `${REDEMPTION_SELECT}
      WHERE r.workspace_id = $1
        AND ($2::uuid IS NULL OR r.template_id = $2) AND ($3::uuid IS NULL OR r.customer_id = $3)
        AND ($4::text IS NULL OR r.order_id = $4) AND ($5::text IS NULL OR r.store = $5)
        AND ($6::text IS NULL OR r.channel = $6)
        AND ($7::timestamptz IS NULL OR (r.redeemed_at, r.id) < ($7::timestamptz, $8::uuid)) AND ${inScope}
      ORDER BY r.redeemed_at DESC, r.id DESC LIMIT $9`,
    params,
  );
  return pageOf(rows, limit, toRedemption, (r) => [r.redeemed_at.toISOString(), r.id]);
}

export type WalletStatus = WalletCoupon['status'];

/**
 * A member's coupons for the wallet: `available` (not redeemed, not withdrawn, not yet past their end; ones that
 * start later included) soonest-ending first, `used` most recently redeemed first, `expired` (past their end, or
 * withdrawn when their template ended) latest-ending first. At most 200 of each; with no status, all three.
 */
export async function memberCoupons(
  q: Queryable,
  workspaceId: string,
  customerId: string,
  options: { status?: WalletStatus; now: Date },
): Promise<WalletCoupon[]> {
  const rows = await q.query<
    CouponRow &
      Pick<
        TemplateRow,
        | 'title'
        | 'description'
        | 'kind'
        | 'amount_off_fen'
        | 'percent_off_bp'
        | 'max_discount_fen'
        | 'min_spend_fen'
        | 'gift_sku'
        | 'gift_name'
        | 'stackable'
      > & { wallet: WalletStatus; redeemed_at: Date | null }
  >(
    `SELECT x.*, (SELECT r.redeemed_at FROM coupon_redemptions r
                    WHERE r.workspace_id = $1 AND r.coupon_id = x.id AND r.unredeemed_at IS NULL) AS redeemed_at
       FROM (
         SELECT w.*, row_number() OVER (
                  PARTITION BY w.wallet
                  ORDER BY CASE WHEN w.wallet = 'available' THEN w.valid_until END ASC,
                           CASE WHEN w.wallet = 'used' THEN w.status_at END DESC,
                           CASE WHEN w.wallet = 'expired' THEN w.valid_until END DESC, w.id) AS n
           FROM (
             SELECT c.*, t.title, t.description, t.kind, t.amount_off_fen, t.percent_off_bp, t.max_discount_fen,
                    t.min_spend_fen, t.gift_sku, t.gift_name, t.stackable,
                    CASE WHEN c.status = 'redeemed' THEN 'used'
                         WHEN c.status = 'available' AND c.valid_until > $3 THEN 'available'
                         ELSE 'expired' END AS wallet
               FROM coupons c JOIN coupon_templates t ON t.workspace_id = c.workspace_id AND t.id = c.template_id
              WHERE c.workspace_id = $1 AND c.customer_id = $2
           ) w
       ) x
      WHERE x.n <= 200 AND ($4::text IS NULL OR x.wallet = $4)
      ORDER BY CASE x.wallet WHEN 'available' THEN 0 WHEN 'used' THEN 1 ELSE 2 END, x.n`,
    [workspaceId, customerId, options.now, options.status ?? null],
  );
  return rows.map((r) => ({
    id: r.id,
    code: r.code,
    status: r.wallet,
    title: r.title,
    description: r.description,
    kind: r.kind,
    amountOffFen: r.amount_off_fen,
    percentOffBp: r.percent_off_bp,
    maxDiscountFen: r.max_discount_fen,
    minSpendFen: r.min_spend_fen,
    gift: r.gift_sku && r.gift_name ? { sku: r.gift_sku, name: r.gift_name } : null,
    stackable: r.stackable,
    validFrom: r.valid_from.toISOString(),
    validUntil: r.valid_until.toISOString(),
    issuedAt: r.issued_at.toISOString(),
    redeemedAt: r.redeemed_at?.toISOString() ?? null,
  }));
}
