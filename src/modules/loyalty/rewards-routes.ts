// HTTP routes of the rewards catalogue and the points lottery for the console and integrations: rewards and their
// codes, redemption orders with fulfilment (payment of a cash part, shipping, delivery, cancellation), lotteries
// with their prizes, and every draw.
import { Type } from '@sinclair/typebox';
import { page, Uuid } from '../../contracts/foundation.ts';
import {
  CancelOrderBody,
  DrawListQuery,
  Lottery,
  LotteryBody,
  LotteryDraw,
  PaymentBody,
  Reward,
  RewardBody,
  RewardCodesBody,
  RewardCodesResult,
  RewardListQuery,
  RewardOrder,
  RewardOrderListQuery,
  ShipBody,
  UpdateLotteryBody,
  UpdateRewardBody,
} from '../../contracts/rewards.ts';
import type { RequestContext, RouteRegistrar } from '../../platform/http/routes.ts';
import { createLottery, getLottery, listDraws, listLotteries, updateLottery } from './lottery.ts';
import {
  addRewardCodes,
  cancelOrder,
  confirmPayment,
  createReward,
  deliverOrder,
  getReward,
  getRewardOrder,
  listRewardOrders,
  listRewards,
  shipOrder,
  toRewardOrder,
  updateReward,
} from './rewards.ts';

const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });
const REWARDS = ['rewards'];
const LOTTERY = ['lottery'];
const showPii = (ctx: RequestContext) => ctx.can('customer.pii');

export function rewardsRoutes(r: RouteRegistrar): void {
  r.route({
    method: 'GET',
    url: '/api/rewards',
    summary: '积分商城商品 / The rewards catalogue',
    tags: REWARDS,
    permission: 'member.read',
    query: RewardListQuery,
    response: page(Reward),
    handler: (ctx, { query }) => listRewards(ctx.tx, ctx.workspaceId, query),
  });
  r.route({
    method: 'POST',
    url: '/api/rewards',
    summary: '新建积分商品（实物、虚拟码或优惠券）/ Add a reward: physical, virtual code or coupon',
    tags: REWARDS,
    permission: 'member.manage',
    audit: { action: 'reward.create', targetType: 'reward' },
    body: RewardBody,
    response: Reward,
    status: 201,
    handler: (ctx, { body }) => createReward(ctx.tx, ctx.workspaceId, body, ctx.now()),
  });
  r.route({
    method: 'GET',
    url: '/api/rewards/:id',
    summary: '积分商品详情 / One reward',
    tags: REWARDS,
    permission: 'member.read',
    params: IdParams,
    response: Reward,
    handler: (ctx, { params }) => getReward(ctx.tx, ctx.workspaceId, params.id),
  });
  r.route({
    method: 'PATCH',
    url: '/api/rewards/:id',
    summary: '修改积分商品（上下架、库存、限兑、可见期）/ Edit a reward: on sale, stock, limits, visibility',
    tags: REWARDS,
    permission: 'member.manage',
    audit: { action: 'reward.update', targetType: 'reward' },
    params: IdParams,
    body: UpdateRewardBody,
    response: Reward,
    handler: async (ctx, { params, body }) => {
      ctx.audit.details = { fields: Object.keys(body) };
      return updateReward(ctx.tx, ctx.workspaceId, params.id, body, ctx.now());
    },
  });
  r.route({
    method: 'POST',
    url: '/api/rewards/:id/codes',
    summary: '上传虚拟商品券码 / Upload codes of a virtual reward (each one redemption)',
    description: 'Blank lines and codes the reward already has are skipped and counted; the stock grows by the rest.',
    tags: REWARDS,
    permission: 'member.manage',
    audit: { action: 'reward.codes_add', targetType: 'reward' },
    params: IdParams,
    body: RewardCodesBody,
    response: RewardCodesResult,
    handler: async (ctx, { params, body }) => {
      const result = await addRewardCodes(ctx.tx, ctx.workspaceId, params.id, body.codes, ctx.now());
      ctx.audit.details = { added: result.added, duplicates: result.duplicates };
      return result;
    },
  });

  r.route({
    method: 'GET',
    url: '/api/reward-orders',
    summary: '兑换订单 / Redemption orders, newest first',
    tags: REWARDS,
    permission: 'member.read',
    query: RewardOrderListQuery,
    response: page(RewardOrder),
    handler: (ctx, { query }) => listRewardOrders(ctx.tx, ctx.workspaceId, query, showPii(ctx)),
  });
  r.route({
    method: 'GET',
    url: '/api/reward-orders/:id',
    summary: '兑换订单详情 / One redemption order',
    tags: REWARDS,
    permission: 'member.read',
    params: IdParams,
    response: RewardOrder,
    handler: (ctx, { params }) => getRewardOrder(ctx.tx, ctx.workspaceId, params.id, showPii(ctx)),
  });
  r.route({
    method: 'POST',
    url: '/api/reward-orders/:id/payment',
    summary: '确认现金部分已支付 / Confirm the cash part was paid (the brand’s checkout or a cashier)',
    tags: REWARDS,
    permission: 'member.manage',
    audit: { action: 'reward.order_paid', targetType: 'reward_order' },
    params: IdParams,
    body: PaymentBody,
    response: RewardOrder,
    handler: async (ctx, { params, body }) => {
      ctx.audit.details = { paymentRef: body.paymentRef };
      const o = await confirmPayment(ctx.tx, ctx.workspaceId, params.id, body.paymentRef, ctx.now());
      return toRewardOrder(o, showPii(ctx));
    },
  });
  r.route({
    method: 'POST',
    url: '/api/reward-orders/:id/ship',
    summary: '发货（填写快递单号）/ Ship a physical order with its carrier and tracking number',
    tags: REWARDS,
    permission: 'member.manage',
    audit: { action: 'reward.order_ship', targetType: 'reward_order' },
    params: IdParams,
    body: ShipBody,
    response: RewardOrder,
    handler: async (ctx, { params, body }) => {
      ctx.audit.details = { carrier: body.carrier, trackingNo: body.trackingNo };
      return toRewardOrder(await shipOrder(ctx.tx, ctx.workspaceId, params.id, body, ctx.now()), showPii(ctx));
    },
  });
  r.route({
    method: 'POST',
    url: '/api/reward-orders/:id/deliver',
    summary: '确认签收 / Mark a shipped order delivered',
    tags: REWARDS,
    permission: 'member.manage',
    audit: { action: 'reward.order_deliver', targetType: 'reward_order' },
    params: IdParams,
    response: RewardOrder,
    handler: async (ctx, { params }) =>
      toRewardOrder(await deliverOrder(ctx.tx, ctx.workspaceId, params.id, ctx.now()), showPii(ctx)),
  });
  r.route({
    method: 'POST',
    url: '/api/reward-orders/:id/cancel',
    summary: '取消实物订单并退回积分 / Cancel a physical order not yet delivered: points and stock go back',
    tags: REWARDS,
    permission: 'member.manage',
    audit: { action: 'reward.order_cancel', targetType: 'reward_order' },
    params: IdParams,
    body: CancelOrderBody,
    response: RewardOrder,
    handler: async (ctx, { params, body }) => {
      ctx.audit.details = { reason: body.reason };
      const o = await cancelOrder(
        ctx.tx,
        ctx.workspaceId,
        params.id,
        { by: 'staff', reason: body.reason.trim() },
        ctx.now(),
      );
      return toRewardOrder(o, showPii(ctx));
    },
  });

  r.route({
    method: 'GET',
    url: '/api/lotteries',
    summary: '积分抽奖活动 / Points lotteries, newest first',
    tags: LOTTERY,
    permission: 'member.read',
    response: Type.Object({ items: Type.Array(Lottery), nextCursor: Type.Null() }),
    handler: async (ctx) => ({ items: await listLotteries(ctx.tx, ctx.workspaceId), nextCursor: null }),
  });
  r.route({
    method: 'POST',
    url: '/api/lotteries',
    summary: '新建积分抽奖 / Create a lottery with its prizes and odds',
    tags: LOTTERY,
    permission: 'member.manage',
    audit: { action: 'lottery.create', targetType: 'lottery' },
    body: LotteryBody,
    response: Lottery,
    status: 201,
    handler: (ctx, { body }) => createLottery(ctx.tx, ctx.workspaceId, body, ctx.now()),
  });
  r.route({
    method: 'GET',
    url: '/api/lotteries/:id',
    summary: '抽奖详情 / One lottery, with its prizes, stock and wins',
    tags: LOTTERY,
    permission: 'member.read',
    params: IdParams,
    response: Lottery,
    handler: (ctx, { params }) => getLottery(ctx.tx, ctx.workspaceId, params.id),
  });
  r.route({
    method: 'PATCH',
    url: '/api/lotteries/:id',
    summary: '修改抽奖（奖品列表整体替换）/ Edit a lottery; a prize list sent replaces the prizes',
    tags: LOTTERY,
    permission: 'member.manage',
    audit: { action: 'lottery.update', targetType: 'lottery' },
    params: IdParams,
    body: UpdateLotteryBody,
    response: Lottery,
    handler: async (ctx, { params, body }) => {
      ctx.audit.details = { fields: Object.keys(body) };
      return updateLottery(ctx.tx, ctx.workspaceId, params.id, body, ctx.now());
    },
  });
  r.route({
    method: 'GET',
    url: '/api/lotteries/:id/draws',
    summary: '抽奖记录 / Draws of a lottery, newest first, with their rolls',
    tags: LOTTERY,
    permission: 'member.read',
    params: IdParams,
    query: DrawListQuery,
    response: page(LotteryDraw),
    handler: async (ctx, { params, query }) => {
      await getLottery(ctx.tx, ctx.workspaceId, params.id);
      return listDraws(ctx.tx, ctx.workspaceId, params.id, query, showPii(ctx));
    },
  });
}
