// HTTP routes of members: enrolment, the member list and detail, tier history and growth, status and tier by hand,
// the POS / e-commerce lookup, and the member H5's sign-in, join and card.
import { Type } from '@sinclair/typebox';
import { PageQuery, page, Uuid } from '../../contracts/foundation.ts';
import {
  EnrolBody,
  EnrolResult,
  GrowthEntry,
  H5Me,
  H5Terms,
  H5TermsQuery,
  JoinBody,
  Member,
  MemberCard,
  MemberListItem,
  MemberListQuery,
  MemberLookup,
  MemberLookupQuery,
  MemberStatusBody,
  SendCodeBody,
  SendCodeResult,
  SetTierBody,
  TierHistoryItem,
  VerifyCodeBody,
  VerifyCodeResult,
} from '../../contracts/loyalty.ts';
import { AppError, badRequest, notFound } from '../../platform/errors.ts';
import type { RequestContext, RouteRegistrar } from '../../platform/http/routes.ts';
import type { CustomerParticipants } from '../customers/participants.ts';
import { getCustomerRow } from '../customers/profiles.ts';
import { assertCustomerInScope } from '../customers/scope.ts';
import { lookupMember } from './benefits.ts';
import { enrolByApi, joinByMember, me, signInWithCode } from './enrolment.ts';
import { authenticateMember, dropMemberCookie, endMemberSession, setMemberCookie } from './member-auth.ts';
import {
  findMember,
  getMember,
  growthEntries,
  listMembers,
  setMembershipStatus,
  tierHistory,
  validCardNo,
} from './members.ts';
import { currentTerms, setTierByHand } from './tiers.ts';
import { type CodePolicy, type CodeSender, sendCode, workspaceOf } from './verification.ts';

const CustomerParams = Type.Object({ customerId: Uuid }, { additionalProperties: false });
const HistoryQuery = Type.Object(PageQuery, { additionalProperties: false });

const showPii = (ctx: RequestContext) => ctx.can('customer.pii');

/** The member a route names, as the current profile after merges; 404 when that customer is no member. */
async function memberOf(ctx: RequestContext, customerId: string): Promise<string> {
  const customer = await getCustomerRow(ctx.tx, ctx.workspaceId, customerId).catch((err: unknown) => {
    if (err instanceof AppError && err.status === 404) throw new AppError(404, 'loyalty.member_not_found');
    throw err;
  });
  if (!(await findMember(ctx.tx, ctx.workspaceId, customer.id))) throw new AppError(404, 'loyalty.member_not_found');
  return customer.id;
}

/** A 429 tells the client when to try again, in the header as well as in the body. */
function withRetryAfter(reply: { header(name: string, value: string): unknown }, err: unknown): never {
  if (err instanceof AppError && err.status === 429 && typeof err.params.retryAfter === 'number') {
    reply.header('retry-after', String(err.params.retryAfter));
  }
  throw err;
}

export function memberRoutes(deps: {
  participants: CustomerParticipants;
  codeSender: CodeSender;
  codePolicy: CodePolicy;
}) {
  return (r: RouteRegistrar): void => {
    r.memberAuthenticator(authenticateMember);

    r.route({
      method: 'POST',
      url: '/api/members',
      summary: '会员入会（幂等） / Enrol a customer as a member (idempotent)',
      description:
        'Names the customer by customerId, or by phone and/or identities. A customer who already is a member gets the same membership back (created: false).',
      tags: ['members'],
      permission: 'member.manage',
      audit: { action: 'member.enrol', targetType: 'customer' },
      body: EnrolBody,
      response: EnrolResult,
      handler: async (ctx, { body }) => {
        const { customerId, created } = await enrolByApi(ctx, deps.participants, body);
        return {
          member: await getMember(ctx.tx, ctx.workspaceId, customerId, { now: ctx.now(), showPii: showPii(ctx) }),
          created,
        };
      },
    });
    r.route({
      method: 'GET',
      url: '/api/members',
      summary: '会员列表 / Members, filtered by tier, status, phone, card number or name',
      tags: ['members'],
      permission: 'member.read',
      query: MemberListQuery,
      response: page(MemberListItem),
      handler: (ctx, { query }) =>
        listMembers(ctx.tx, ctx.workspaceId, query, { now: ctx.now(), showPii: showPii(ctx), scope: ctx.scope }),
    });
    r.route({
      method: 'GET',
      url: '/api/members/lookup',
      summary: '会员识别（收银、电商） / Look a member up by phone, card number or customer id, with tier benefits',
      description: 'For POS and e-commerce: exactly one of phone, cardNo, customerId.',
      tags: ['members'],
      permission: 'member.read',
      query: MemberLookupQuery,
      response: MemberLookup,
      handler: async (ctx, { query }) => {
        if (query.cardNo !== undefined && !validCardNo(query.cardNo)) throw badRequest('loyalty.card_invalid');
        const member = await lookupMember(ctx.tx, ctx.workspaceId, query);
        // A guide may look up only their own customers; anyone else's answers as unknown.
        await assertCustomerInScope(ctx, member.customerId).catch((err: unknown) => {
          throw err instanceof AppError && err.status === 404 ? notFound('loyalty.member_not_found') : err;
        });
        return member;
      },
    });
    r.route({
      method: 'GET',
      url: '/api/members/:customerId',
      summary: '会员详情 / A member: card, tier, growth and progress',
      tags: ['members'],
      permission: 'member.read',
      params: CustomerParams,
      response: Member,
      handler: (ctx, { params }) =>
        getMember(ctx.tx, ctx.workspaceId, params.customerId, { now: ctx.now(), showPii: showPii(ctx) }),
    });
    r.route({
      method: 'GET',
      url: '/api/members/:customerId/tier-history',
      summary: '等级变更记录 / A member’s tier changes, newest first',
      tags: ['members'],
      permission: 'member.read',
      params: CustomerParams,
      query: HistoryQuery,
      response: page(TierHistoryItem),
      handler: async (ctx, { params, query }) =>
        tierHistory(ctx.tx, ctx.workspaceId, await memberOf(ctx, params.customerId), query),
    });
    r.route({
      method: 'GET',
      url: '/api/members/:customerId/growth',
      summary: '成长值明细 / A member’s growth entries, newest first',
      tags: ['members'],
      permission: 'member.read',
      params: CustomerParams,
      query: HistoryQuery,
      response: page(GrowthEntry),
      handler: async (ctx, { params, query }) =>
        growthEntries(ctx.tx, ctx.workspaceId, await memberOf(ctx, params.customerId), query),
    });
    r.route({
      method: 'PATCH',
      url: '/api/members/:customerId',
      summary: '冻结、注销或恢复会员 / Freeze, cancel or reactivate a membership',
      tags: ['members'],
      permission: 'member.manage',
      audit: { action: 'member.set_status', targetType: 'customer' },
      params: CustomerParams,
      body: MemberStatusBody,
      response: Member,
      handler: async (ctx, { params, body }) => {
        const customerId = await memberOf(ctx, params.customerId);
        const changed = await setMembershipStatus(ctx.tx, ctx.workspaceId, customerId, body.status);
        ctx.audit.targetId = customerId;
        ctx.audit.details = { status: body.status, reason: body.reason, changed };
        return getMember(ctx.tx, ctx.workspaceId, customerId, { now: ctx.now(), showPii: showPii(ctx) });
      },
    });
    r.route({
      method: 'POST',
      url: '/api/members/:customerId/tier',
      summary: '手动调整等级 / Set a member’s tier by hand (protected from downgrade like an upgrade)',
      tags: ['members'],
      permission: 'member.manage',
      audit: { action: 'member.set_tier', targetType: 'customer' },
      params: CustomerParams,
      body: SetTierBody,
      response: Member,
      handler: async (ctx, { params, body }) => {
        const customerId = await memberOf(ctx, params.customerId);
        await setTierByHand(ctx.tx, ctx.workspaceId, customerId, body.tierId, {
          now: ctx.now(),
          actorId: ctx.actor.id,
          note: body.reason,
        });
        ctx.audit.targetId = customerId;
        ctx.audit.details = { tierId: body.tierId, reason: body.reason };
        return getMember(ctx.tx, ctx.workspaceId, customerId, { now: ctx.now(), showPii: showPii(ctx) });
      },
    });

    r.publicRoute({
      method: 'GET',
      url: '/api/h5/terms',
      summary: '会员 H5：品牌与会员条款 / Member H5: the brand and its current member terms',
      tags: ['h5'],
      query: H5TermsQuery,
      response: H5Terms,
      handler: async (ctx, { query }) => {
        const workspace = await workspaceOf(ctx.db, query.ws);
        const terms = await ctx.db.tenant(workspace.id, (tx) => currentTerms(tx, workspace.id));
        return {
          workspace: { slug: query.ws, name: workspace.name },
          terms: { version: terms.version, text: terms.text },
        };
      },
    });
    r.publicRoute({
      method: 'POST',
      url: '/api/h5/auth/code',
      summary: '会员 H5：发送手机验证码 / Member H5: send a verification code to a phone',
      description:
        'Valid 5 minutes; one send a minute per phone, 5 an hour per phone and 20 an hour per client address (429 with Retry-After).',
      tags: ['h5'],
      body: SendCodeBody,
      response: SendCodeResult,
      handler: (ctx, { body }) =>
        sendCode(ctx.db, deps.codeSender, deps.codePolicy, {
          slug: body.ws,
          phone: body.phone,
          ip: ctx.ip,
          locale: ctx.locale,
          now: ctx.now(),
          log: ctx.request.log,
        }).catch((err: unknown) => withRetryAfter(ctx.reply, err)),
    });
    r.publicRoute({
      method: 'POST',
      url: '/api/h5/auth/verify',
      summary: '会员 H5：验证码登录 / Member H5: sign in with the code (sets the member session cookie)',
      description: 'A wrong code counts one of 5 attempts. The phone’s customer is created when the number is new.',
      tags: ['h5'],
      body: VerifyCodeBody,
      response: VerifyCodeResult,
      handler: async (ctx, { body }) => {
        const result = await signInWithCode(ctx.db, deps.participants, deps.codePolicy, {
          slug: body.ws,
          phone: body.phone,
          code: body.code,
          ip: ctx.ip,
          userAgent: ctx.request.headers['user-agent'] ?? null,
          now: ctx.now(),
          locale: ctx.locale,
        }).catch((err: unknown) => withRetryAfter(ctx.reply, err));
        await setMemberCookie(ctx.db, ctx.reply, result.workspaceId, result.token, ctx.now());
        return { isMember: result.isMember, card: result.card };
      },
    });

    r.memberRoute({
      method: 'GET',
      url: '/api/h5/me',
      summary: '会员 H5：当前登录者与会员卡 / Member H5: who is signed in, and their member card',
      tags: ['h5'],
      response: H5Me,
      handler: (ctx) => me(ctx),
    });
    r.memberRoute({
      method: 'POST',
      url: '/api/h5/join',
      summary: '会员 H5：同意会员条款并入会 / Member H5: consent to the member terms and join',
      tags: ['h5'],
      body: JoinBody,
      response: MemberCard,
      handler: (ctx, { body }) => joinByMember(ctx, body),
    });
    r.memberRoute({
      method: 'POST',
      url: '/api/h5/auth/logout',
      summary: '会员 H5：退出登录 / Member H5: sign out',
      tags: ['h5'],
      response: null,
      handler: async (ctx) => {
        await endMemberSession(ctx.tx, ctx.workspaceId, ctx.sessionTokenHash);
        dropMemberCookie(ctx.reply, ctx.sessionTokenHash);
      },
    });
  };
}
