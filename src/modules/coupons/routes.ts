// HTTP routes of coupons: templates, issuance (lists and segments), rules, issued coupons and redemption records
// for the console, and validate / redeem / unredeem for POS and e-commerce (API key or console session).
import { Type } from '@sinclair/typebox';
import {
  CodeParams,
  Coupon,
  CouponDetail,
  CouponIssuance,
  CouponListQuery,
  CouponRedemption,
  CouponRule,
  CouponRuleBody,
  CouponTemplate,
  CouponTemplateBody,
  CouponValidation,
  CreatedIssuance,
  CreateIssuanceBody,
  CustomerCouponsQuery,
  IssuanceListQuery,
  RedeemCouponBody,
  RedemptionListQuery,
  RedemptionResult,
  RuleListQuery,
  TemplateListQuery,
  TemplateStatusBody,
  UnredeemCouponBody,
  UnredemptionResult,
  UpdateCouponRuleBody,
  UpdateCouponTemplateBody,
  ValidateCouponBody,
  WalletCoupon,
} from '../../contracts/coupons.ts';
import { page, Uuid } from '../../contracts/foundation.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import type { RouteRegistrar } from '../../platform/http/routes.ts';
import { assertCustomerInScope, getCustomerRow } from '../customers/index.ts';
import { createIssuance, getIssuance, listIssuances, rerunIssuance } from './issuance.ts';
import { couponDetail, listCoupons, listRedemptions, memberCoupons } from './lookup.ts';
import { redeemCoupon, unredeemCoupon, validateCoupon } from './redemption.ts';
import { createRule, deleteRule, listRules, updateRule } from './rules.ts';
import { createTemplate, getTemplate, listTemplates, setTemplateStatus, updateTemplate } from './templates.ts';

const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });
const Items = <T extends ReturnType<typeof Type.Object>>(item: T) =>
  Type.Object({ items: Type.Array(item), nextCursor: Type.Null() });
const tags = ['coupons'];

export function couponRoutes(r: RouteRegistrar): void {
  r.route({
    method: 'GET',
    url: '/api/coupon-templates',
    summary: '优惠券模板 / Coupon templates, newest first',
    tags,
    permission: 'coupon.read',
    query: TemplateListQuery,
    response: page(CouponTemplate),
    handler: (ctx, { query }) => listTemplates(ctx.tx, ctx.workspaceId, query),
  });
  r.route({
    method: 'POST',
    url: '/api/coupon-templates',
    summary: '新建优惠券模板（草稿）/ Create a coupon template (as a draft)',
    tags,
    permission: 'coupon.manage',
    audit: { action: 'coupon_template.create', targetType: 'coupon_template' },
    body: CouponTemplateBody,
    response: CouponTemplate,
    status: 201,
    handler: (ctx, { body }) => createTemplate(ctx, body),
  });
  r.route({
    method: 'GET',
    url: '/api/coupon-templates/:id',
    summary: '优惠券模板详情 / One coupon template with its coupons by status',
    tags,
    permission: 'coupon.read',
    params: IdParams,
    response: CouponTemplate,
    handler: (ctx, { params }) => getTemplate(ctx.tx, ctx.workspaceId, params.id),
  });
  r.route({
    method: 'PATCH',
    url: '/api/coupon-templates/:id',
    summary: '修改优惠券模板 / Edit a template (after its draft: title, description, stock, limit, reminder only)',
    tags,
    permission: 'coupon.manage',
    audit: { action: 'coupon_template.update', targetType: 'coupon_template' },
    params: IdParams,
    body: UpdateCouponTemplateBody,
    response: CouponTemplate,
    handler: (ctx, { params, body }) => updateTemplate(ctx, params.id, body),
  });
  r.route({
    method: 'POST',
    url: '/api/coupon-templates/:id/status',
    summary: '启用、暂停或结束模板 / Activate, pause or end a template (ending voids unused coupons)',
    tags,
    permission: 'coupon.manage',
    audit: { action: 'coupon_template.status', targetType: 'coupon_template' },
    params: IdParams,
    body: TemplateStatusBody,
    response: CouponTemplate,
    handler: (ctx, { params, body }) => setTemplateStatus(ctx, params.id, body.status),
  });

  r.route({
    method: 'GET',
    url: '/api/coupon-issuances',
    summary: '发券记录 / Issuances, newest first',
    tags,
    permission: 'coupon.read',
    query: IssuanceListQuery,
    response: page(CouponIssuance),
    handler: (ctx, { query }) => listIssuances(ctx.tx, ctx.workspaceId, query),
  });
  r.route({
    method: 'POST',
    url: '/api/coupon-issuances',
    summary: '发券：给名单（立即）或分群（后台分批）/ Issue to a list (at once) or a segment (in background chunks)',
    description:
      'A list of customer ids and/or phone numbers is issued in this request; a segment is issued by chunk jobs ' +
      '(follow GET /api/coupon-issuances/:id). Each customer gets `quantity` coupons once per issuance.',
    tags,
    permission: 'coupon.manage',
    audit: { action: 'coupon.issue', targetType: 'coupon_issuance' },
    body: CreateIssuanceBody,
    response: CreatedIssuance,
    status: 201,
    handler: (ctx, { body }) => createIssuance(ctx, body),
  });
  r.route({
    method: 'GET',
    url: '/api/coupon-issuances/:id',
    summary: '发券进度 / An issuance and its progress',
    tags,
    permission: 'coupon.read',
    params: IdParams,
    response: CouponIssuance,
    handler: (ctx, { params }) => getIssuance(ctx.tx, ctx.workspaceId, params.id),
  });
  r.route({
    method: 'POST',
    url: '/api/coupon-issuances/:id/rerun',
    summary: '补发：重新跑一遍分群发券 / Run a segment issuance again (who already has theirs is skipped)',
    tags,
    permission: 'coupon.manage',
    audit: { action: 'coupon.issue_rerun', targetType: 'coupon_issuance' },
    params: IdParams,
    response: CouponIssuance,
    handler: (ctx, { params }) => rerunIssuance(ctx, params.id),
  });

  r.route({
    method: 'GET',
    url: '/api/coupon-rules',
    summary: '自动发券规则 / Issuance rules',
    tags,
    permission: 'coupon.read',
    query: RuleListQuery,
    response: Items(CouponRule),
    handler: async (ctx, { query }) => ({ items: await listRules(ctx.tx, ctx.workspaceId, query), nextCursor: null }),
  });
  r.route({
    method: 'POST',
    url: '/api/coupon-rules',
    summary: '新建自动发券规则 / Create an issuance rule (a domain event issues coupons)',
    tags,
    permission: 'coupon.manage',
    audit: { action: 'coupon_rule.create', targetType: 'coupon_rule' },
    body: CouponRuleBody,
    response: CouponRule,
    status: 201,
    handler: (ctx, { body }) => createRule(ctx, body),
  });
  r.route({
    method: 'PATCH',
    url: '/api/coupon-rules/:id',
    summary: '修改自动发券规则 / Edit, pause or resume an issuance rule',
    tags,
    permission: 'coupon.manage',
    audit: { action: 'coupon_rule.update', targetType: 'coupon_rule' },
    params: IdParams,
    body: UpdateCouponRuleBody,
    response: CouponRule,
    handler: (ctx, { params, body }) => updateRule(ctx, params.id, body),
  });
  r.route({
    method: 'DELETE',
    url: '/api/coupon-rules/:id',
    summary: '删除自动发券规则 / Delete an issuance rule (its coupons stay)',
    tags,
    permission: 'coupon.manage',
    audit: { action: 'coupon_rule.delete', targetType: 'coupon_rule' },
    params: IdParams,
    response: null,
    handler: (ctx, { params }) => deleteRule(ctx, params.id),
  });

  r.route({
    method: 'GET',
    url: '/api/coupons',
    summary: '已发放的优惠券 / Issued coupons, newest first, with filters',
    tags,
    permission: 'coupon.read',
    query: CouponListQuery,
    response: page(Coupon),
    handler: (ctx, { query }) => listCoupons(ctx.tx, ctx.workspaceId, query, ctx.scope),
  });
  r.route({
    method: 'GET',
    url: '/api/coupons/:code',
    summary: '按券码查询 / A coupon by its code (dashes, spaces and case ignored), with its redemptions',
    tags,
    permission: 'coupon.read',
    params: CodeParams,
    response: CouponDetail,
    handler: async (ctx, { params }) => {
      const detail = await couponDetail(ctx.tx, ctx.workspaceId, params.code);
      // A guide may look at only their own customers' coupons; anyone else's answers as unknown.
      if (ctx.scope.kind === 'own') {
        await assertCustomerInScope(ctx, detail.coupon.customerId).catch((err: unknown) => {
          throw err instanceof AppError && err.status === 404 ? notFound('coupon.not_found') : err;
        });
      }
      return detail;
    },
  });
  r.route({
    method: 'POST',
    url: '/api/coupons/validate',
    summary: '校验优惠券 / Whether a coupon applies to a checkout, and its discount in fen',
    description: 'Changes nothing. Answers applicable: false with every reason in the caller’s language.',
    tags,
    permission: 'coupon.redeem',
    readOnly: true,
    body: ValidateCouponBody,
    response: CouponValidation,
    handler: (ctx, { body }) => validateCoupon(ctx, body),
  });
  r.route({
    method: 'POST',
    url: '/api/coupons/redeem',
    summary: '核销优惠券 / Redeem a coupon on an order (exactly once; retries answer the first result)',
    description:
      'Idempotent by (code, orderId): the same pair again answers the first redemption with Idempotent-Replayed. ' +
      'A coupon already redeemed on another order is 409 coupon.already_redeemed with when, where and by whom.',
    tags,
    permission: 'coupon.redeem',
    audit: { action: 'coupon.redeem', targetType: 'coupon' },
    body: RedeemCouponBody,
    response: RedemptionResult,
    handler: (ctx, { body }) => redeemCoupon(ctx, body),
  });
  r.route({
    method: 'POST',
    url: '/api/coupons/unredeem',
    summary: '退券（退款时）/ Give a coupon back from a refunded order (idempotent)',
    tags,
    permission: 'coupon.redeem',
    audit: { action: 'coupon.unredeem', targetType: 'coupon' },
    body: UnredeemCouponBody,
    response: UnredemptionResult,
    handler: (ctx, { body }) => unredeemCoupon(ctx, body),
  });
  r.route({
    method: 'GET',
    url: '/api/coupon-redemptions',
    summary: '核销记录 / Redemption records, newest first, with filters',
    tags,
    permission: 'coupon.read',
    query: RedemptionListQuery,
    response: page(CouponRedemption),
    handler: (ctx, { query }) => listRedemptions(ctx.tx, ctx.workspaceId, query, ctx.scope),
  });
  r.route({
    method: 'GET',
    url: '/api/customers/:id/coupons',
    summary: '客户的优惠券 / A customer’s coupons as their wallet shows them',
    tags,
    permission: 'coupon.read',
    params: IdParams,
    query: CustomerCouponsQuery,
    response: Items(WalletCoupon),
    handler: async (ctx, { params, query }) => {
      const customer = await getCustomerRow(ctx.tx, ctx.workspaceId, params.id);
      const items = await memberCoupons(ctx.tx, ctx.workspaceId, customer.id, { status: query.status, now: ctx.now() });
      return { items, nextCursor: null };
    },
  });
}
