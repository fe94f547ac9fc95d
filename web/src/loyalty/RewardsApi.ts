// The rewards catalogue, redemption orders and the points lottery as the console calls them, through the console's
// one fetch wrapper (CSRF, idempotency keys, localised errors). Types come from the shared contract, types only.
import type { Page } from '../../../src/contracts/foundation.ts';
import type {
  DrawListQuery,
  Lottery,
  LotteryBody,
  LotteryDraw,
  Reward,
  RewardBody,
  RewardCodesResult,
  RewardKind,
  RewardListQuery,
  RewardOrder,
  RewardOrderListQuery,
  RewardOrderStatus,
  ShipBody,
  UpdateLotteryBody,
  UpdateRewardBody,
} from '../../../src/contracts/rewards.ts';
import { newIdempotencyKey, request } from '../api.ts';

const id = encodeURIComponent;

export const rewardsApi = {
  list: (query: RewardListQuery) =>
    request<Page<Reward>>('GET', '/api/rewards', {
      query: { ...query, active: query.active === undefined ? undefined : String(query.active) },
    }),
  create: (body: RewardBody, idempotencyKey = newIdempotencyKey()) =>
    request<Reward>('POST', '/api/rewards', { body, idempotencyKey }),
  update: (rewardId: string, body: UpdateRewardBody) =>
    request<Reward>('PATCH', `/api/rewards/${id(rewardId)}`, { body }),
  addCodes: (rewardId: string, codes: string[], idempotencyKey = newIdempotencyKey()) =>
    request<RewardCodesResult>('POST', `/api/rewards/${id(rewardId)}/codes`, { body: { codes }, idempotencyKey }),

  orders: (query: RewardOrderListQuery) =>
    request<Page<RewardOrder>>('GET', '/api/reward-orders', {
      query: { ...query, needsAddress: query.needsAddress === undefined ? undefined : String(query.needsAddress) },
    }),
  pay: (orderId: string, paymentRef: string) =>
    request<RewardOrder>('POST', `/api/reward-orders/${id(orderId)}/payment`, { body: { paymentRef } }),
  ship: (orderId: string, body: ShipBody) =>
    request<RewardOrder>('POST', `/api/reward-orders/${id(orderId)}/ship`, { body }),
  deliver: (orderId: string) => request<RewardOrder>('POST', `/api/reward-orders/${id(orderId)}/deliver`),
  cancel: (orderId: string, reason: string) =>
    request<RewardOrder>('POST', `/api/reward-orders/${id(orderId)}/cancel`, { body: { reason } }),

  lotteries: () => request<Page<Lottery>>('GET', '/api/lotteries'),
  createLottery: (body: LotteryBody, idempotencyKey = newIdempotencyKey()) =>
    request<Lottery>('POST', '/api/lotteries', { body, idempotencyKey }),
  updateLottery: (lotteryId: string, body: UpdateLotteryBody) =>
    request<Lottery>('PATCH', `/api/lotteries/${id(lotteryId)}`, { body }),
  draws: (lotteryId: string, query: DrawListQuery) =>
    request<Page<LotteryDraw>>('GET', `/api/lotteries/${id(lotteryId)}/draws`, {
      query: { ...query, won: query.won === undefined ? undefined : String(query.won) },
    }),
};

// The contract's runtime arrays stay out of the browser bundle (they would bring TypeBox): these records are typed
// against it, so a kind or status added there fails the typecheck here until it has a colour.
export const REWARD_KIND_COLORS: Record<RewardKind, string> = {
  physical: 'orange',
  virtual: 'blue',
  coupon: 'magenta',
};
export const REWARD_KINDS = Object.keys(REWARD_KIND_COLORS) as RewardKind[];
export const ORDER_STATUS_COLORS: Record<RewardOrderStatus, string> = {
  awaiting_payment: 'gold',
  pending: 'processing',
  shipped: 'cyan',
  delivered: 'success',
  cancelled: 'default',
};
export const ORDER_STATUSES = Object.keys(ORDER_STATUS_COLORS) as RewardOrderStatus[];

/** ¥9.90 from fen. */
export const yuanText = (fen: number) => `¥${(fen / 100).toFixed(2)}`;
/** 1% from parts per million, up to four decimals (0.0001 % is the finest odds a prize can have). */
export const percentText = (ppm: number) => `${Number((ppm / 10_000).toFixed(4))}%`;
