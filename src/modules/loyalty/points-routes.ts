// HTTP routes of the points ledger: rules and their scheduled changes (and the members' notice board), a
// member's points, lots and history, audited adjustments, earning (check-in, interactions, tasks), redemption at
// checkout for POS and e-commerce, leaderboards, the liability report and the ledger check.
import { Type } from '@sinclair/typebox';
import { page, Uuid } from '../../contracts/foundation.ts';
import {
  AdjustmentBody,
  CheckIn,
  CheckInBody,
  CustomerParams,
  HistoryQuery,
  Interaction,
  InteractionBody,
  Leaderboard,
  LeaderboardParams,
  LeaderboardQuery,
  LedgerCheck,
  LedgerTransaction,
  Liability,
  MemberPoints,
  NoticesQuery,
  OrderNoParams,
  PointsPosting,
  PointsPostingBody,
  Quote,
  QuoteQuery,
  Redemption,
  RedemptionBody,
  RuleChange,
  RuleChangeBody,
  RuleNotice,
  RulesOverview,
  SetRulesBody,
  Task,
  TaskBody,
  TaskCompletion,
  TaskCompletionBody,
  TaskListQuery,
  UpdateTaskBody,
} from '../../contracts/points.ts';
import { AppError, unprocessable } from '../../platform/errors.ts';
import type { GroupCommit, RequestContext, RouteRegistrar } from '../../platform/http/routes.ts';
import { workspaceBySlug } from '../../platform/workspaces.ts';
import { getCustomerRow } from '../customers/index.ts';
import { adjustPoints, memberPoints, transactionHistory } from './accounts.ts';
import { checkIn } from './checkins.ts';
import { recordInteraction } from './earn-rules.ts';
import { leaderboard } from './leaderboards.ts';
import type { PostingActor } from './ledger.ts';
import { checkLedger } from './ledger-check.ts';
import { liabilityReport } from './liability.ts';
import { postingBatchesOf } from './posting-batches.ts';
import { cancelRedemption, getRedemption, quote, redeem } from './redemption.ts';
import {
  cancelRuleChange,
  listRuleChanges,
  pendingRuleNotices,
  rulesOverview,
  scheduleRuleChange,
  setRulesNow,
} from './rule-changes.ts';
import { completeTask, createTask, listTasks, updateTask } from './tasks.ts';

const TAG = ['points'];
const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });
const Items = <T extends ReturnType<typeof Type.Object>>(item: T) =>
  Type.Object({ items: Type.Array(item), nextCursor: Type.Null() });

const actorOf = (ctx: RequestContext): PostingActor => ({
  type: ctx.actor.type,
  id: ctx.actor.id,
  name: ctx.actor.name,
});

/** The customer a request names, followed to the profile it was merged into. */
async function customerOf(ctx: RequestContext, id: string): Promise<string> {
  return (await getCustomerRow(ctx.tx, ctx.workspaceId, id)).id;
}

/** Keys the points API posts under, apart from the keys the platform makes (orders, rewards, check-ins …). */
const API_KEY_PREFIX = 'api:';

/**
 * Posts an earning or a spend for an external system through the group commit (posting-batches.ts): concurrent
 * requests are written together, each answered once its posting is committed, with the audit entry.
 */
async function postForSystem(ctx: RequestContext, type: 'earn' | 'spend', body: PointsPostingBody) {
  const group = ctx.groupCommit as GroupCommit;
  const key = body.key ?? group.idempotencyKey;
  if (key === null) throw unprocessable('points.key_required');
  if (body.key !== undefined && group.idempotencyKey !== null && body.key !== group.idempotencyKey) {
    throw unprocessable('points.key_mismatch');
  }
  const cause = body.cause ?? 'api';
  const { transaction: t, replayed } = await postingBatchesOf(group.db).post(ctx.workspaceId, {
    type,
    customerId: body.customerId,
    points: body.points,
    cause,
    key: `${API_KEY_PREFIX}${key}`,
    at: ctx.now(),
    actor: actorOf(ctx),
    audit: group.auditEntry(body.customerId, { points: body.points, cause, key }),
  });
  if (replayed) ctx.reply.header('idempotent-replayed', 'true');
  return {
    id: t.id,
    kind: type,
    cause: t.cause,
    key,
    customerId: t.customer_id,
    amount: t.amount,
    points: t.points,
    balanceAfter: t.balance_after,
    at: t.at.toISOString(),
    replayed,
  };
}

export function pointsRoutes(r: RouteRegistrar): void {
  r.route({
    method: 'GET',
    url: '/api/points/rules',
    summary: '积分规则 / Points rules in force, pending changes',
    tags: TAG,
    permission: 'points.read',
    response: RulesOverview,
    handler: (ctx) => rulesOverview(ctx.tx, ctx.workspaceId, ctx.now()),
  });
  r.route({
    method: 'PUT',
    url: '/api/points/rules',
    summary: '立即设置积分规则（仅限尚未发放积分时）/ Set the rules at once (only before any points are issued)',
    tags: TAG,
    permission: 'points.configure',
    audit: { action: 'points.rules_set', targetType: 'points_rules' },
    body: SetRulesBody,
    response: RulesOverview,
    handler: async (ctx, { body }) => {
      ctx.audit.details = { rules: body.rules };
      return setRulesNow(ctx.tx, ctx.workspaceId, body.rules, ctx.actor.name, ctx.now());
    },
  });
  r.route({
    method: 'GET',
    url: '/api/points/rule-changes',
    summary: '积分规则版本 / Every version of the rules, with its status',
    tags: TAG,
    permission: 'points.read',
    response: Items(RuleChange),
    handler: async (ctx) => ({ items: await listRuleChanges(ctx.tx, ctx.workspaceId, ctx.now()), nextCursor: null }),
  });
  r.route({
    method: 'POST',
    url: '/api/points/rule-changes',
    summary: '预约规则变更（至少提前 30 天）/ Schedule a change of the rules, at least 30 days ahead',
    tags: TAG,
    permission: 'points.configure',
    audit: { action: 'points.rule_change_schedule', targetType: 'points_rule_change' },
    body: RuleChangeBody,
    response: RuleChange,
    status: 201,
    handler: async (ctx, { body }) => {
      const change = await scheduleRuleChange(ctx.tx, ctx.workspaceId, body, ctx.actor.name, ctx.now());
      ctx.audit.targetId = change.id;
      ctx.audit.details = { effectiveOn: change.effectiveOn };
      return change;
    },
  });
  r.route({
    method: 'POST',
    url: '/api/points/rule-changes/:id/cancel',
    summary: '撤销未生效的规则变更 / Withdraw a change not yet in force',
    tags: TAG,
    permission: 'points.configure',
    audit: { action: 'points.rule_change_cancel', targetType: 'points_rule_change' },
    params: IdParams,
    response: RuleChange,
    handler: (ctx, { params }) => cancelRuleChange(ctx.tx, ctx.workspaceId, params.id, ctx.now()),
  });
  r.publicRoute({
    method: 'GET',
    url: '/api/points/notices',
    summary: '积分规则变更公告（会员 H5）/ Announced rule changes, for members',
    tags: TAG,
    query: NoticesQuery,
    response: Items(RuleNotice),
    handler: async (ctx, { query }) => {
      const ws = await workspaceBySlug(ctx.db, query.ws);
      if (!ws) throw new AppError(404, 'points.workspace_not_found');
      const items = await ctx.db.tenant(ws.id, (tx) => pendingRuleNotices(tx, ws.id, ctx.now()));
      return { items, nextCursor: null };
    },
  });

  r.route({
    method: 'GET',
    url: '/api/points/members/:customerId',
    summary: '会员积分：余额、欠分、积分批次 / A member’s balance, debt and lots',
    tags: TAG,
    permission: 'points.read',
    params: CustomerParams,
    response: MemberPoints,
    handler: async (ctx, { params }) =>
      memberPoints(ctx.tx, ctx.workspaceId, await customerOf(ctx, params.customerId), ctx.now()),
  });
  r.route({
    method: 'GET',
    url: '/api/points/members/:customerId/transactions',
    summary: '积分流水（含分录）/ A member’s transactions with their entries, newest first',
    tags: TAG,
    permission: 'points.read',
    params: CustomerParams,
    query: HistoryQuery,
    response: page(LedgerTransaction),
    handler: async (ctx, { params, query }) =>
      transactionHistory(ctx.tx, ctx.workspaceId, await customerOf(ctx, params.customerId), query),
  });
  r.route({
    method: 'POST',
    url: '/api/points/members/:customerId/adjustments',
    summary: '手动调整积分（须填写原因）/ Add or deduct points by hand, with a reason',
    tags: TAG,
    permission: 'points.adjust',
    audit: { action: 'points.adjust', targetType: 'customer' },
    params: CustomerParams,
    body: AdjustmentBody,
    response: LedgerTransaction,
    status: 201,
    handler: async (ctx, { params, body }) => {
      const customerId = await customerOf(ctx, params.customerId);
      ctx.audit.targetId = customerId;
      ctx.audit.details = { points: body.points, reason: body.reason };
      return adjustPoints(
        ctx.tx,
        ctx.workspaceId,
        { customerId, points: body.points, reason: body.reason, key: `adjust:${ctx.requestId}`, actor: actorOf(ctx) },
        ctx.now(),
      );
    },
  });

  r.route({
    method: 'POST',
    url: '/api/points/earnings',
    summary: '外部系统发放积分（按 key 幂等，高并发合并提交）/ Points earned in an external system, once per key',
    description:
      'For POS, e-commerce and partner systems. The key (in the body or as `Idempotency-Key`) posts once: a retry ' +
      'answers the first posting with `Idempotent-Replayed: true`; the same key with other points is a 409. ' +
      'Concurrent requests are committed together (group commit), each answered once its posting is durable.',
    tags: TAG,
    permission: 'points.earn',
    audit: { action: 'points.earn', targetType: 'customer' },
    groupCommit: true,
    body: PointsPostingBody,
    response: PointsPosting,
    status: 201,
    handler: (ctx, { body }) => postForSystem(ctx, 'earn', body),
  });
  r.route({
    method: 'POST',
    url: '/api/points/spendings',
    summary: '外部系统扣减积分（先到期先扣，按 key 幂等）/ Points spent in an external system, once per key',
    description:
      'Spends first-expiring-first; more than the member has is a 409 `points.insufficient_balance`. The key makes ' +
      'retries safe as for earnings.',
    tags: TAG,
    permission: 'points.redeem',
    audit: { action: 'points.spend', targetType: 'customer' },
    groupCommit: true,
    body: PointsPostingBody,
    response: PointsPosting,
    status: 201,
    handler: (ctx, { body }) => postForSystem(ctx, 'spend', body),
  });

  r.route({
    method: 'POST',
    url: '/api/points/check-ins',
    summary: '会员签到 / Check a member in for today',
    tags: TAG,
    permission: 'points.earn',
    audit: { action: 'points.check_in', targetType: 'customer' },
    body: CheckInBody,
    response: CheckIn,
    handler: async (ctx, { body }) => {
      const customerId = await customerOf(ctx, body.customerId);
      ctx.audit.targetId = customerId;
      return checkIn(ctx.tx, ctx.workspaceId, customerId, ctx.now());
    },
  });
  r.route({
    method: 'POST',
    url: '/api/points/interactions',
    summary: '社群互动积分（按来源 key 去重，按日封顶）/ Points for a community interaction, once per key, capped',
    tags: TAG,
    permission: 'points.earn',
    audit: { action: 'points.interaction', targetType: 'customer' },
    body: InteractionBody,
    response: Interaction,
    handler: async (ctx, { body }) => {
      const customerId = await customerOf(ctx, body.customerId);
      ctx.audit.targetId = customerId;
      ctx.audit.details = { kind: body.kind, key: body.key };
      return recordInteraction(ctx.tx, ctx.workspaceId, { ...body, customerId }, ctx.now());
    },
  });
  r.route({
    method: 'GET',
    url: '/api/points/tasks',
    summary: '积分任务 / Custom tasks',
    tags: TAG,
    permission: 'points.read',
    query: TaskListQuery,
    response: Items(Task),
    handler: async (ctx, { query }) => ({
      items: await listTasks(ctx.tx, ctx.workspaceId, query.includeArchived ?? false),
      nextCursor: null,
    }),
  });
  r.route({
    method: 'POST',
    url: '/api/points/tasks',
    summary: '新建积分任务 / Create a task',
    tags: TAG,
    permission: 'points.configure',
    audit: { action: 'points.task_create', targetType: 'points_task' },
    body: TaskBody,
    response: Task,
    status: 201,
    handler: (ctx, { body }) => createTask(ctx.tx, ctx.workspaceId, body, ctx.now()),
  });
  r.route({
    method: 'PATCH',
    url: '/api/points/tasks/:id',
    summary: '修改或归档积分任务 / Edit or archive a task',
    tags: TAG,
    permission: 'points.configure',
    audit: { action: 'points.task_update', targetType: 'points_task' },
    params: IdParams,
    body: UpdateTaskBody,
    response: Task,
    handler: (ctx, { params, body }) => updateTask(ctx.tx, ctx.workspaceId, params.id, body, ctx.now()),
  });
  r.route({
    method: 'POST',
    url: '/api/points/tasks/:id/completions',
    summary: '记录任务完成并发放积分 / Record a completion of a task',
    tags: TAG,
    permission: 'points.earn',
    audit: { action: 'points.task_complete', targetType: 'points_task' },
    params: IdParams,
    body: TaskCompletionBody,
    response: TaskCompletion,
    handler: async (ctx, { params, body }) => {
      ctx.audit.targetId = params.id;
      const customerId = await customerOf(ctx, body.customerId);
      ctx.audit.details = { customerId };
      return completeTask(ctx.tx, ctx.workspaceId, params.id, { customerId, key: body.key }, ctx.now());
    },
  });

  r.route({
    method: 'GET',
    url: '/api/points/redemptions/quote',
    summary: '积分抵现试算 / How many points an order may use, and their value',
    tags: TAG,
    permission: 'points.redeem',
    query: QuoteQuery,
    response: Quote,
    handler: async (ctx, { query }) =>
      quote(ctx.tx, ctx.workspaceId, await customerOf(ctx, query.customerId), query.orderAmountFen, ctx.now()),
  });
  r.route({
    method: 'POST',
    url: '/api/points/redemptions',
    summary: '积分抵现（订单号即幂等键）/ Use points as cash for an order; the order number makes retries safe',
    description:
      'A retry with the same order number and body answers the first result with `Idempotent-Replayed: true`; ' +
      'another body for the same order number is a 409.',
    tags: TAG,
    permission: 'points.redeem',
    audit: { action: 'points.redeem', targetType: 'points_redemption' },
    body: RedemptionBody,
    response: Redemption,
    handler: async (ctx, { body }) => {
      const customerId = await customerOf(ctx, body.customerId);
      ctx.audit.targetId = body.orderNo;
      ctx.audit.details = { customerId, points: body.points, orderAmountFen: body.orderAmountFen };
      const { redemption, replayed } = await redeem(
        ctx.tx,
        ctx.workspaceId,
        { ...body, customerId },
        actorOf(ctx),
        ctx.now(),
      );
      if (replayed) ctx.reply.header('idempotent-replayed', 'true');
      return redemption;
    },
  });
  r.route({
    method: 'GET',
    url: '/api/points/redemptions/:orderNo',
    summary: '查询积分抵现 / One redemption by order number',
    tags: TAG,
    permission: 'points.redeem',
    params: OrderNoParams,
    response: Redemption,
    handler: (ctx, { params }) => getRedemption(ctx.tx, ctx.workspaceId, params.orderNo),
  });
  r.route({
    method: 'POST',
    url: '/api/points/redemptions/:orderNo/cancel',
    summary: '撤销积分抵现，积分按原有效期退回 / Cancel a redemption: the points go back with their expiry',
    tags: TAG,
    permission: 'points.redeem',
    audit: { action: 'points.redemption_cancel', targetType: 'points_redemption' },
    params: OrderNoParams,
    response: Redemption,
    handler: async (ctx, { params }) => {
      ctx.audit.targetId = params.orderNo;
      return cancelRedemption(ctx.tx, ctx.workspaceId, params.orderNo, ctx.now());
    },
  });

  r.route({
    method: 'GET',
    url: '/api/points/leaderboards/:period',
    summary: '积分排行榜（周 / 月）/ Points earned this week or month: top members and one member’s rank',
    tags: TAG,
    permission: 'points.read',
    params: LeaderboardParams,
    query: LeaderboardQuery,
    response: Leaderboard,
    handler: (ctx, { params, query }) =>
      leaderboard(ctx.tx, ctx.workspaceId, params.period, query, ctx.now(), ctx.can('customer.pii')),
  });
  r.route({
    method: 'GET',
    url: '/api/points/liability',
    summary: '积分负债：按到期月份的未使用积分及其价值 / Outstanding points and their value by expiry month',
    tags: TAG,
    permission: 'points.read',
    response: Liability,
    handler: (ctx) => liabilityReport(ctx.tx, ctx.workspaceId, ctx.now()),
  });
  r.route({
    method: 'GET',
    url: '/api/points/ledger-check',
    summary: '账本校验 / Prove every balance equals its entries and every transaction balances',
    tags: TAG,
    permission: 'points.configure',
    response: LedgerCheck,
    handler: (ctx) => checkLedger(ctx.tx, { workspaceId: ctx.workspaceId, now: ctx.now() }),
  });
}
