// HTTP routes of the tier ladder and its benefits, the tier policy, growth rules and the member terms.
import { Type } from '@sinclair/typebox';
import { Uuid } from '../../contracts/foundation.ts';
import {
  GrowthRules,
  LoyaltySettings,
  MemberTerms,
  PublishTermsBody,
  Tier,
  TierBody,
  TierPolicy,
  UpdateTierBody,
  UpdateTierPolicyBody,
} from '../../contracts/loyalty.ts';
import type { Tx } from '../../platform/db/index.ts';
import type { RouteRegistrar } from '../../platform/http/routes.ts';
import { enqueue } from '../../platform/jobs/index.ts';
import {
  createTier,
  deleteTier,
  listTerms,
  listTiers,
  loyaltySettings,
  publishTerms,
  updateGrowthRules,
  updateTier,
  updateTierPolicy,
} from './tiers.ts';

export const EVALUATE_WORKSPACE_JOB = 'loyalty.tiers-evaluate-workspace';

const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });
const Items = <T extends ReturnType<typeof Type.Object>>(item: T) =>
  Type.Object({ items: Type.Array(item), nextCursor: Type.Null() });

/**
 * A changed ladder or policy may leave members short of their tier or above it: the review runs as a job (it may
 * touch every member), upgrading at once and announcing downgrades with notice as the daily schedule does.
 */
const reviewSoon = (tx: Tx, workspaceId: string) => enqueue(tx, { kind: EVALUATE_WORKSPACE_JOB, workspaceId });

export function tierRoutes(r: RouteRegistrar): void {
  r.route({
    method: 'GET',
    url: '/api/loyalty/tiers',
    summary: '会员等级与权益 / The tier ladder with benefits and member counts',
    tags: ['loyalty'],
    permission: 'member.read',
    response: Items(Tier),
    handler: async (ctx) => ({ items: await listTiers(ctx.tx, ctx.workspaceId), nextCursor: null }),
  });
  r.route({
    method: 'POST',
    url: '/api/loyalty/tiers',
    summary: '新增等级 / Add a tier',
    description: 'The entry tier (lowest rank) needs growth 0; thresholds must rise strictly with rank.',
    tags: ['loyalty'],
    permission: 'loyalty.configure',
    audit: { action: 'tier.create', targetType: 'tier' },
    body: TierBody,
    response: Tier,
    status: 201,
    handler: async (ctx, { body }) => {
      const tier = await createTier(ctx.tx, ctx.workspaceId, body);
      ctx.audit.details = { code: tier.code, rank: tier.rank, growthThreshold: tier.growthThreshold };
      await reviewSoon(ctx.tx, ctx.workspaceId);
      return tier;
    },
  });
  r.route({
    method: 'PATCH',
    url: '/api/loyalty/tiers/:id',
    summary: '修改等级与权益 / Change a tier: name, rank, threshold, multiplier, benefits',
    tags: ['loyalty'],
    permission: 'loyalty.configure',
    audit: { action: 'tier.update', targetType: 'tier' },
    params: IdParams,
    body: UpdateTierBody,
    response: Tier,
    handler: async (ctx, { params, body }) => {
      const tier = await updateTier(ctx.tx, ctx.workspaceId, params.id, body);
      ctx.audit.details = { fields: Object.keys(body) };
      if (body.rank !== undefined || body.growthThreshold !== undefined) await reviewSoon(ctx.tx, ctx.workspaceId);
      return tier;
    },
  });
  r.route({
    method: 'DELETE',
    url: '/api/loyalty/tiers/:id',
    summary: '删除无会员的等级 / Delete a tier nobody holds',
    tags: ['loyalty'],
    permission: 'loyalty.configure',
    audit: { action: 'tier.delete', targetType: 'tier' },
    params: IdParams,
    response: null,
    handler: async (ctx, { params }) => {
      await deleteTier(ctx.tx, ctx.workspaceId, params.id);
      await reviewSoon(ctx.tx, ctx.workspaceId);
    },
  });
  r.route({
    method: 'GET',
    url: '/api/loyalty/settings',
    summary: '会员设置 / Tier policy, growth rules and the current member terms',
    tags: ['loyalty'],
    permission: 'member.read',
    response: LoyaltySettings,
    handler: (ctx) => loyaltySettings(ctx.tx, ctx.workspaceId),
  });
  r.route({
    method: 'PATCH',
    url: '/api/loyalty/tier-policy',
    summary: '修改等级规则 / Change the evaluation window, protection period or notice period',
    tags: ['loyalty'],
    permission: 'loyalty.configure',
    audit: { action: 'loyalty.tier_policy', targetType: 'workspace' },
    body: UpdateTierPolicyBody,
    response: TierPolicy,
    handler: async (ctx, { body }) => {
      const policy = await updateTierPolicy(ctx.tx, ctx.workspaceId, body);
      ctx.audit.targetId = ctx.workspaceId;
      ctx.audit.details = { ...body };
      await reviewSoon(ctx.tx, ctx.workspaceId);
      return policy;
    },
  });
  r.route({
    method: 'PUT',
    url: '/api/loyalty/growth-rules',
    summary: '成长值规则 / Set how growth is earned (spend, check-in, task)',
    tags: ['loyalty'],
    permission: 'loyalty.configure',
    audit: { action: 'loyalty.growth_rules', targetType: 'workspace' },
    body: GrowthRules,
    response: GrowthRules,
    handler: async (ctx, { body }) => {
      ctx.audit.targetId = ctx.workspaceId;
      ctx.audit.details = { ...body };
      return updateGrowthRules(ctx.tx, ctx.workspaceId, body);
    },
  });
  r.route({
    method: 'GET',
    url: '/api/loyalty/terms',
    summary: '会员条款版本 / Every published version of the member terms, newest first',
    tags: ['loyalty'],
    permission: 'member.read',
    response: Items(MemberTerms),
    handler: async (ctx) => ({ items: await listTerms(ctx.tx, ctx.workspaceId), nextCursor: null }),
  });
  r.route({
    method: 'POST',
    url: '/api/loyalty/terms',
    summary: '发布新版会员条款 / Publish a new version of the member terms',
    description: 'New members consent to it from now on; a version is never reused.',
    tags: ['loyalty'],
    permission: 'loyalty.configure',
    audit: { action: 'loyalty.terms_publish', targetType: 'workspace' },
    body: PublishTermsBody,
    response: MemberTerms,
    status: 201,
    handler: async (ctx, { body }) => {
      ctx.audit.targetId = ctx.workspaceId;
      ctx.audit.details = { version: body.version };
      return publishTerms(ctx.tx, ctx.workspaceId, body, ctx.actor.id);
    },
  });
}
