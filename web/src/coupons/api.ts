// The coupons API as the console calls it, through the console's one fetch wrapper (CSRF, idempotency keys,
// localised errors). Types come from the shared contract, imported as types only.
import type {
  Coupon,
  CouponDetail,
  CouponIssuance,
  CouponListQuery,
  CouponRedemption,
  CouponRule,
  CouponRuleBody,
  CouponTemplate,
  CouponTemplateBody,
  CreatedIssuance,
  CreateIssuanceBody,
  RedemptionListQuery,
  TemplateListQuery,
  TemplateStatusBody,
  UpdateCouponRuleBody,
  UpdateCouponTemplateBody,
  WalletCoupon,
} from '../../../src/contracts/coupons.ts';
import type { Page } from '../../../src/contracts/foundation.ts';
import { newIdempotencyKey, type PageParams, request } from '../api.ts';

const id = encodeURIComponent;

export const couponApi = {
  listTemplates: (query: TemplateListQuery) => request<Page<CouponTemplate>>('GET', '/api/coupon-templates', { query }),
  getTemplate: (templateId: string) => request<CouponTemplate>('GET', `/api/coupon-templates/${id(templateId)}`),
  createTemplate: (body: CouponTemplateBody, idempotencyKey = newIdempotencyKey()) =>
    request<CouponTemplate>('POST', '/api/coupon-templates', { body, idempotencyKey }),
  updateTemplate: (templateId: string, body: UpdateCouponTemplateBody) =>
    request<CouponTemplate>('PATCH', `/api/coupon-templates/${id(templateId)}`, { body }),
  setTemplateStatus: (templateId: string, status: TemplateStatusBody['status']) =>
    request<CouponTemplate>('POST', `/api/coupon-templates/${id(templateId)}/status`, { body: { status } }),

  listIssuances: (query: PageParams & { templateId?: string }) =>
    request<Page<CouponIssuance>>('GET', '/api/coupon-issuances', { query }),
  getIssuance: (issuanceId: string) => request<CouponIssuance>('GET', `/api/coupon-issuances/${id(issuanceId)}`),
  issue: (body: CreateIssuanceBody, idempotencyKey = newIdempotencyKey()) =>
    request<CreatedIssuance>('POST', '/api/coupon-issuances', { body, idempotencyKey }),
  rerunIssuance: (issuanceId: string) =>
    request<CouponIssuance>('POST', `/api/coupon-issuances/${id(issuanceId)}/rerun`),

  listRules: (query: { templateId?: string }) => request<Page<CouponRule>>('GET', '/api/coupon-rules', { query }),
  createRule: (body: CouponRuleBody, idempotencyKey = newIdempotencyKey()) =>
    request<CouponRule>('POST', '/api/coupon-rules', { body, idempotencyKey }),
  updateRule: (ruleId: string, body: UpdateCouponRuleBody) =>
    request<CouponRule>('PATCH', `/api/coupon-rules/${id(ruleId)}`, { body }),
  deleteRule: (ruleId: string) => request<void>('DELETE', `/api/coupon-rules/${id(ruleId)}`),

  listCoupons: (query: CouponListQuery) => request<Page<Coupon>>('GET', '/api/coupons', { query }),
  lookup: (code: string) => request<CouponDetail>('GET', `/api/coupons/${id(code)}`),
  listRedemptions: (query: RedemptionListQuery) =>
    request<Page<CouponRedemption>>('GET', '/api/coupon-redemptions', { query }),
  customerCoupons: (customerId: string) =>
    request<Page<WalletCoupon>>('GET', `/api/customers/${id(customerId)}/coupons`),
  /** The loyalty module's tier ladder, for rules that issue on reaching a tier (needs member.read). */
  listTiers: () => request<Page<TierChoice>>('GET', '/api/loyalty/tiers'),
};

/** What a tier-upgrade rule needs of a tier: the loyalty contract has more, the picker needs no more. */
export interface TierChoice {
  id: string;
  name: string;
  rank: number;
}
