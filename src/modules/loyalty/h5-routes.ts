// The member H5's API (`/api/h5/...`, member sessions): the card with points, check-in and its calendar, points
// history, the rewards mall and its orders, the lottery, the coupon wallet, benefits, rule-change notices, the
// leaderboard and the invite link. Each route reads or acts for the signed-in member only.
import { Type } from '@sinclair/typebox';
import { page, Uuid } from '../../contracts/foundation.ts';
import {
  AddressBody,
  CalendarQuery,
  DrawBody,
  H5Benefits,
  H5Card,
  H5CheckIn,
  H5Draw,
  H5Invite,
  H5Leaderboard,
  H5LeaderboardParams,
  H5Lotteries,
  H5Notices,
  H5PageQuery,
  H5Reward,
  H5RewardOrder,
  H5Rewards,
  H5Transaction,
  H5Wallet,
  RedeemBody,
  WalletQuery,
} from '../../contracts/h5.ts';
import { CheckIn } from '../../contracts/points.ts';
import type { Tx } from '../../platform/db/index.ts';
import { notFound } from '../../platform/errors.ts';
import type { MemberContext, RouteRegistrar } from '../../platform/http/routes.ts';
import { memberCoupons } from '../coupons/index.ts';
import { getCustomerRow } from '../customers/index.ts';
import { memberPoints, transactionHistory } from './accounts.ts';
import { tierBenefits } from './benefits.ts';
import { checkIn, checkInCalendar, checkInPoints } from './checkins.ts';
import { leaderboard } from './leaderboards.ts';
import { drawLottery, memberDraws, memberLotteries } from './lottery.ts';
import { findMember, type MemberRow, memberCard } from './members.ts';
import {
  cancelOrderByMember,
  memberOrder,
  memberOrders,
  memberReward,
  memberRewards,
  redeemReward,
  rewardNotes,
  setOrderAddress,
} from './rewards.ts';
import { pendingRuleNotices, rulesAt } from './rule-changes.ts';
import { ladder, summaryOf } from './tiers.ts';

const TAGS = ['h5'];
const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });

/** The signed-in member (their current profile after merges); 404 for a customer who has not joined. */
async function memberOf(ctx: MemberContext): Promise<MemberRow> {
  const customer = await getCustomerRow(ctx.tx, ctx.workspaceId, ctx.customerId);
  const member = await findMember(ctx.tx, ctx.workspaceId, customer.id);
  if (!member) throw notFound('loyalty.member_not_found');
  return member;
}

/** Today in the workspace's time zone. */
async function localToday(tx: Tx, workspaceId: string, now: Date): Promise<string> {
  const rows = await tx.query<{ today: string }>(
    `SELECT to_char(($2::timestamptz AT TIME ZONE timezone)::date, 'YYYY-MM-DD') AS today FROM workspaces WHERE id = $1`,
    [workspaceId, now],
  );
  return (rows[0] as { today: string }).today;
}

/** A calendar day `days` away from `day` (YYYY-MM-DD), as calendar arithmetic without time zones. */
function addDays(day: string, days: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

async function checkInView(ctx: MemberContext, customerId: string, month: string | undefined): Promise<H5CheckIn> {
  const now = ctx.now();
  const { rules } = await rulesAt(ctx.tx, ctx.workspaceId, now);
  const today = await localToday(ctx.tx, ctx.workspaceId, now);
  const yesterday = addDays(today, -1);
  const shown = month ?? today.slice(0, 7);
  const days = await checkInCalendar(ctx.tx, ctx.workspaceId, customerId, shown);
  // The streak runs through today or yesterday, which may lie in another month than the one shown.
  const recentMonths = [...new Set([today.slice(0, 7), yesterday.slice(0, 7)])];
  const recent = (
    await Promise.all(recentMonths.map((m) => checkInCalendar(ctx.tx, ctx.workspaceId, customerId, m)))
  ).flat();
  const todayRow = recent.find((d) => d.date === today);
  const yesterdayRow = recent.find((d) => d.date === yesterday);
  const rule = rules.checkIn;
  const next = todayRow
    ? { date: addDays(today, 1), streak: todayRow.streak + 1 }
    : { date: today, streak: (yesterdayRow?.streak ?? 0) + 1 };
  return {
    today,
    checkedInToday: todayRow !== undefined,
    streak: todayRow?.streak ?? yesterdayRow?.streak ?? 0,
    next: { ...next, points: checkInPoints(rule, next.streak) },
    month: shown,
    days,
    rule: { enabled: rule.enabled, points: rule.points, cycleDays: rule.cycleDays, streakBonuses: rule.streakBonuses },
  };
}

/** What a member may read about a transaction: the adjustment's reason, the order, the reward or lottery. */
function noteOf(
  t: { id: number; reason: string | null; details: Record<string, unknown> },
  notes: Map<number, string>,
) {
  if (notes.has(t.id)) return notes.get(t.id) as string;
  if (t.reason) return t.reason;
  return typeof t.details.orderNo === 'string' ? t.details.orderNo : null;
}

export function h5Routes(r: RouteRegistrar): void {
  r.memberRoute({
    method: 'GET',
    url: '/api/h5/card',
    summary: '会员 H5：会员卡、成长进度与积分 / Member H5: card, growth progress, balance, debt, points expiring soon',
    tags: TAGS,
    response: H5Card,
    handler: async (ctx) => {
      const member = await memberOf(ctx);
      const points = await memberPoints(ctx.tx, ctx.workspaceId, member.customer_id, ctx.now());
      return {
        card: await memberCard(ctx.tx, ctx.workspaceId, member, ctx.now()),
        points: {
          balance: points.balance,
          debt: points.debt,
          valueFen: points.valueFen,
          expiringSoon: points.expiringSoon,
        },
      };
    },
  });

  r.memberRoute({
    method: 'GET',
    url: '/api/h5/check-in',
    summary: '会员 H5：签到日历与连续签到 / Member H5: today, the month’s check-ins, the streak, the next reward',
    tags: TAGS,
    query: CalendarQuery,
    response: H5CheckIn,
    handler: async (ctx, { query }) => checkInView(ctx, (await memberOf(ctx)).customer_id, query.month),
  });
  r.memberRoute({
    method: 'POST',
    url: '/api/h5/check-in',
    summary: '会员 H5：今日签到（当日重复签到返回首次结果）/ Member H5: check in today (again: the first result)',
    tags: TAGS,
    response: CheckIn,
    handler: async (ctx) => checkIn(ctx.tx, ctx.workspaceId, (await memberOf(ctx)).customer_id, ctx.now()),
  });

  r.memberRoute({
    method: 'GET',
    url: '/api/h5/points/history',
    summary: '会员 H5：积分明细 / Member H5: points history, newest first',
    tags: TAGS,
    query: H5PageQuery,
    response: page(H5Transaction),
    handler: async (ctx, { query }) => {
      const member = await memberOf(ctx);
      const history = await transactionHistory(ctx.tx, ctx.workspaceId, member.customer_id, {
        cursor: query.cursor,
        limit: query.limit ?? 20,
      });
      const notes = await rewardNotes(
        ctx.tx,
        ctx.workspaceId,
        history.items.map((t) => t.id),
      );
      return {
        items: history.items.map((t) => ({
          id: t.id,
          kind: t.kind,
          cause: t.cause,
          points: t.points,
          debtChange: t.debtChange,
          balanceAfter: t.balanceAfter,
          note: noteOf(t, notes),
          at: t.at,
        })),
        nextCursor: history.nextCursor,
      };
    },
  });

  r.memberRoute({
    method: 'GET',
    url: '/api/h5/rewards',
    summary: '会员 H5：积分商城 / Member H5: rewards on sale, each with what keeps the member from it',
    tags: TAGS,
    response: H5Rewards,
    handler: async (ctx) => memberRewards(ctx.tx, ctx.workspaceId, (await memberOf(ctx)).customer_id, ctx.now()),
  });
  r.memberRoute({
    method: 'GET',
    url: '/api/h5/rewards/:id',
    summary: '会员 H5：商品详情 / Member H5: one reward',
    tags: TAGS,
    params: IdParams,
    response: H5Reward,
    handler: async (ctx, { params }) =>
      memberReward(ctx.tx, ctx.workspaceId, (await memberOf(ctx)).customer_id, params.id, ctx.now()),
  });
  r.memberRoute({
    method: 'POST',
    url: '/api/h5/rewards/:id/redeem',
    summary: '会员 H5：积分兑换（requestId 幂等）/ Member H5: redeem a reward; the request id makes retries safe',
    description:
      'Points, stock and limits move together or not at all. The same requestId again answers the first order ' +
      '(`Idempotent-Replayed: true`).',
    tags: TAGS,
    params: IdParams,
    body: RedeemBody,
    response: H5RewardOrder,
    status: 201,
    handler: async (ctx, { params, body }) => {
      const member = await memberOf(ctx);
      const { order, replayed } = await redeemReward(
        ctx.tx,
        ctx.workspaceId,
        { customerId: member.customer_id, rewardId: params.id, requestId: body.requestId, address: body.address },
        ctx.now(),
      );
      if (replayed) ctx.reply.header('idempotent-replayed', 'true');
      return order;
    },
  });
  r.memberRoute({
    method: 'GET',
    url: '/api/h5/reward-orders',
    summary: '会员 H5：我的兑换 / Member H5: my redemptions and prizes, newest first',
    tags: TAGS,
    query: H5PageQuery,
    response: page(H5RewardOrder),
    handler: async (ctx, { query }) => memberOrders(ctx.tx, ctx.workspaceId, (await memberOf(ctx)).customer_id, query),
  });
  r.memberRoute({
    method: 'GET',
    url: '/api/h5/reward-orders/:id',
    summary: '会员 H5：兑换详情 / Member H5: one of my orders',
    tags: TAGS,
    params: IdParams,
    response: H5RewardOrder,
    handler: async (ctx, { params }) =>
      memberOrder(ctx.tx, ctx.workspaceId, (await memberOf(ctx)).customer_id, params.id),
  });
  r.memberRoute({
    method: 'PUT',
    url: '/api/h5/reward-orders/:id/address',
    summary: '会员 H5：填写收货地址 / Member H5: give the shipping address of an order not yet shipped',
    tags: TAGS,
    params: IdParams,
    body: AddressBody,
    response: H5RewardOrder,
    handler: async (ctx, { params, body }) =>
      setOrderAddress(ctx.tx, ctx.workspaceId, (await memberOf(ctx)).customer_id, params.id, body.address),
  });
  r.memberRoute({
    method: 'POST',
    url: '/api/h5/reward-orders/:id/cancel',
    summary: '会员 H5：取消待支付订单 / Member H5: cancel an order awaiting its cash part; the points come back',
    tags: TAGS,
    params: IdParams,
    response: H5RewardOrder,
    handler: async (ctx, { params }) =>
      cancelOrderByMember(ctx.tx, ctx.workspaceId, (await memberOf(ctx)).customer_id, params.id, ctx.now()),
  });

  r.memberRoute({
    method: 'GET',
    url: '/api/h5/lotteries',
    summary: '会员 H5：进行中的积分抽奖 / Member H5: lotteries open now, with odds and my draws today',
    tags: TAGS,
    response: H5Lotteries,
    handler: async (ctx) => memberLotteries(ctx.tx, ctx.workspaceId, (await memberOf(ctx)).customer_id, ctx.now()),
  });
  r.memberRoute({
    method: 'POST',
    url: '/api/h5/lotteries/:id/draws',
    summary: '会员 H5：抽奖（requestId 幂等）/ Member H5: draw; the request id makes retries safe',
    tags: TAGS,
    params: IdParams,
    body: DrawBody,
    response: H5Draw,
    status: 201,
    handler: async (ctx, { params, body }) => {
      const member = await memberOf(ctx);
      const { draw, replayed } = await drawLottery(
        ctx.tx,
        ctx.workspaceId,
        { customerId: member.customer_id, lotteryId: params.id, requestId: body.requestId },
        ctx.now(),
      );
      if (replayed) ctx.reply.header('idempotent-replayed', 'true');
      return draw;
    },
  });
  r.memberRoute({
    method: 'GET',
    url: '/api/h5/lotteries/:id/draws',
    summary: '会员 H5：我的抽奖记录 / Member H5: my draws of a lottery, newest first',
    tags: TAGS,
    params: IdParams,
    query: H5PageQuery,
    response: page(H5Draw),
    handler: async (ctx, { params, query }) =>
      memberDraws(ctx.tx, ctx.workspaceId, (await memberOf(ctx)).customer_id, params.id, query),
  });

  r.memberRoute({
    method: 'GET',
    url: '/api/h5/coupons',
    summary: '会员 H5：我的优惠券 / Member H5: coupon wallet — available, used, expired',
    tags: TAGS,
    query: WalletQuery,
    response: H5Wallet,
    handler: async (ctx, { query }) => {
      const member = await memberOf(ctx);
      const all = await memberCoupons(ctx.tx, ctx.workspaceId, member.customer_id, { now: ctx.now() });
      const count = (status: string) => all.filter((c) => c.status === status).length;
      return {
        items: query.status ? all.filter((c) => c.status === query.status) : all,
        counts: { available: count('available'), used: count('used'), expired: count('expired') },
      };
    },
  });

  r.memberRoute({
    method: 'GET',
    url: '/api/h5/benefits',
    summary: '会员 H5：我的权益与各等级权益 / Member H5: my tier’s benefits and what every tier gives',
    tags: TAGS,
    response: H5Benefits,
    handler: async (ctx) => {
      const member = await memberOf(ctx);
      const tiers = await ladder(ctx.tx, ctx.workspaceId);
      const mine = tiers.find((t) => t.id === member.tier_id);
      if (!mine)
        throw new Error(`member ${member.customer_id} holds tier ${member.tier_id}, which is not on the ladder`);
      return {
        tier: summaryOf(mine),
        benefits: tierBenefits(mine.points_multiplier_pct, mine.benefits),
        ladder: tiers.map((t) => ({
          tier: summaryOf(t),
          growthThreshold: Number(t.growth_threshold),
          pointsMultiplierPct: t.points_multiplier_pct,
          benefits: t.benefits,
          current: t.id === member.tier_id,
        })),
      };
    },
  });

  r.memberRoute({
    method: 'GET',
    url: '/api/h5/notices',
    summary: '会员 H5：积分规则变更公告 / Member H5: announced rule changes with their effective dates',
    tags: TAGS,
    response: H5Notices,
    handler: async (ctx) => ({ items: await pendingRuleNotices(ctx.tx, ctx.workspaceId, ctx.now()) }),
  });

  r.memberRoute({
    method: 'GET',
    url: '/api/h5/leaderboards/:period',
    summary: '会员 H5：积分排行榜与我的名次 / Member H5: this week’s or month’s leaderboard and my rank',
    tags: TAGS,
    params: H5LeaderboardParams,
    response: H5Leaderboard,
    handler: async (ctx, { params }) => {
      const member = await memberOf(ctx);
      const board = await leaderboard(
        ctx.tx,
        ctx.workspaceId,
        params.period,
        { limit: 20, customerId: member.customer_id },
        ctx.now(),
        false,
      );
      const row = (r: (typeof board.items)[number]) => ({
        rank: r.rank,
        name: r.name,
        points: r.points,
        me: r.customerId === member.customer_id,
      });
      return {
        period: board.period,
        from: board.from,
        to: board.to,
        items: board.items.map(row),
        me: board.me ? row(board.me) : null,
        participants: board.participants,
      };
    },
  });

  r.memberRoute({
    method: 'GET',
    url: '/api/h5/invite',
    summary: '会员 H5：我的邀请码与邀请链接 / Member H5: my invite code and link, and what invites earned',
    tags: TAGS,
    response: H5Invite,
    handler: async (ctx) => {
      const member = await memberOf(ctx);
      const [counts] = await ctx.tx.query<{ slug: string; invited: number; earned: number | string }>(
        `SELECT (SELECT slug FROM workspaces WHERE id = $1) AS slug,
                (SELECT count(*) FROM members WHERE workspace_id = $1 AND invited_by = $2)::int AS invited,
                (SELECT coalesce(sum(points), 0) FROM points_transactions
                  WHERE workspace_id = $1 AND customer_id = $2 AND cause = 'invite') AS earned`,
        [ctx.workspaceId, member.customer_id],
      );
      const { rules } = await rulesAt(ctx.tx, ctx.workspaceId, ctx.now());
      const c = counts as { slug: string; invited: number; earned: number | string };
      return {
        code: member.invite_code,
        path: `/h5/?ws=${encodeURIComponent(c.slug)}&invite=${member.invite_code}`,
        invited: c.invited,
        earnedPoints: Number(c.earned),
        pointsPerInvite: rules.invite.enabled ? rules.invite.points : 0,
      };
    },
  });
}
