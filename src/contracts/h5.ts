// Request and response shapes of the member H5's own API (`/api/h5/...`): the member card with points, check-in,
// points history, the rewards mall and its orders, the lottery, the coupon wallet, benefits, rule-change notices,
// the leaderboard and the invite link. Sign-in and joining are in loyalty.ts.
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { WalletCoupon } from './coupons.ts';
import { PageQuery, Timestamp, Uuid } from './foundation.ts';
import { Benefit, MemberCard, TierBenefit, TierSummary } from './loyalty.ts';
import { LocalDate, PointsRules, TRANSACTION_KINDS } from './points.ts';
import {
  PeriodLimit,
  PrizeKind,
  RewardKind,
  RewardOrderSource,
  RewardOrderStatus,
  ShippingAddress,
} from './rewards.ts';

const strict = { additionalProperties: false } as const;
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

/** What the card page shows: the member card and the points on it. */
export const H5Card = Type.Object({
  card: MemberCard,
  points: Type.Object({
    balance: Type.Integer(),
    /** Points owed after a refund took back points already spent; future earnings pay it first. */
    debt: Type.Integer(),
    /** What the balance is worth at checkout today, in fen. */
    valueFen: Type.Integer(),
    /** Points expiring within the next 30 days, and the first such expiry. */
    expiringSoon: Type.Object({ points: Type.Integer(), before: Timestamp, firstAt: Nullable(Timestamp) }),
  }),
});
export type H5Card = Static<typeof H5Card>;

export const CalendarQuery = Type.Object(
  { month: Type.Optional(Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$' })) },
  strict,
);
export type CalendarQuery = Static<typeof CalendarQuery>;
export const H5CheckIn = Type.Object({
  /** Today in the workspace's time zone. */
  today: LocalDate,
  checkedInToday: Type.Boolean(),
  /** Days in a row up to today (or up to yesterday while today is still open). */
  streak: Type.Integer(),
  /** What checking in gives next: today when still open, else tomorrow if the streak continues. */
  next: Type.Object({ date: LocalDate, streak: Type.Integer(), points: Type.Integer() }),
  /** The month shown, YYYY-MM, and its check-ins. */
  month: Type.String(),
  days: Type.Array(Type.Object({ date: LocalDate, streak: Type.Integer(), points: Type.Integer() })),
  rule: Type.Object({
    enabled: Type.Boolean(),
    points: Type.Integer(),
    cycleDays: Type.Integer(),
    streakBonuses: Type.Array(Type.Object({ day: Type.Integer(), points: Type.Integer() })),
  }),
});
export type H5CheckIn = Static<typeof H5CheckIn>;

export const H5Transaction = Type.Object({
  id: Type.Integer(),
  kind: Type.Union(TRANSACTION_KINDS.map((k) => Type.Literal(k))),
  /** purchase, check_in, invite, interaction, task, manual, checkout, reward, lottery, expiry, merge … */
  cause: Type.String(),
  /** Change of the balance (negative when points left it). */
  points: Type.Integer(),
  debtChange: Type.Integer(),
  balanceAfter: Type.Integer(),
  /** What the member may read about it: the reason of a manual adjustment, the order number … */
  note: Nullable(Type.String()),
  at: Timestamp,
});
export type H5Transaction = Static<typeof H5Transaction>;
export const H5PageQuery = Type.Object({ ...PageQuery }, strict);

/**
 * Why a member cannot redeem a reward now (null when they can); `unavailable`: its coupon template cannot issue.
 */
export const REWARD_BLOCKS = [
  'sold_out',
  'unavailable',
  'tier_too_low',
  'limit_reached',
  'period_limit_reached',
  'insufficient_points',
] as const;
export type RewardBlock = (typeof REWARD_BLOCKS)[number];

export const H5Reward = Type.Object({
  id: Uuid,
  kind: RewardKind,
  name: Type.String(),
  description: Nullable(Type.String()),
  imageUrl: Nullable(Type.String()),
  pointsPrice: Type.Integer(),
  cashFen: Type.Integer(),
  /** Units left; null for no limit. */
  stock: Nullable(Type.Integer()),
  minTier: Nullable(TierSummary),
  perMemberLimit: Nullable(Type.Integer()),
  periodLimit: Nullable(PeriodLimit),
  /** The member's redemptions of it: over all time, and in the current limit period. */
  redeemedByMe: Type.Integer(),
  redeemedByMeThisPeriod: Type.Integer(),
  visibleUntil: Nullable(Timestamp),
  block: Nullable(Type.Union(REWARD_BLOCKS.map((b) => Type.Literal(b)))),
});
export type H5Reward = Static<typeof H5Reward>;
export const H5Rewards = Type.Object({ items: Type.Array(H5Reward), balance: Type.Integer() });
export type H5Rewards = Static<typeof H5Rewards>;

export const RedeemBody = Type.Object(
  {
    /** Made by the H5 once per confirmation: a retry with it is answered with the first order. */
    requestId: Uuid,
    /** Physical rewards: where to send it. */
    address: Type.Optional(ShippingAddress),
  },
  strict,
);
export type RedeemBody = Static<typeof RedeemBody>;

export const H5RewardOrder = Type.Object({
  id: Uuid,
  rewardId: Uuid,
  rewardName: Type.String(),
  imageUrl: Nullable(Type.String()),
  kind: RewardKind,
  source: RewardOrderSource,
  points: Type.Integer(),
  cashFen: Type.Integer(),
  status: RewardOrderStatus,
  address: Nullable(ShippingAddress),
  carrier: Nullable(Type.String()),
  trackingNo: Nullable(Type.String()),
  /** Virtual rewards: the code, once delivered. */
  code: Nullable(Type.String()),
  coupon: Nullable(Type.Object({ id: Uuid, code: Type.String() })),
  payBy: Nullable(Timestamp),
  cancelReason: Nullable(Type.String()),
  /** Who cancelled: the member, the brand's staff, or the system when the cash part was not paid in time. */
  cancelledBy: Nullable(Type.Union([Type.Literal('member'), Type.Literal('staff'), Type.Literal('system')])),
  createdAt: Timestamp,
  shippedAt: Nullable(Timestamp),
  deliveredAt: Nullable(Timestamp),
  cancelledAt: Nullable(Timestamp),
  /** The member's balance right after the redemption. */
  balance: Type.Integer(),
});
export type H5RewardOrder = Static<typeof H5RewardOrder>;
export const AddressBody = Type.Object({ address: ShippingAddress }, strict);
export type AddressBody = Static<typeof AddressBody>;

export const H5Prize = Type.Object({
  id: Uuid,
  kind: PrizeKind,
  name: Type.String(),
  imageUrl: Nullable(Type.String()),
  /** Published odds, parts per million. */
  probabilityPpm: Type.Integer(),
  points: Nullable(Type.Integer()),
  /** False once none are left: its chance then falls to "nothing". */
  available: Type.Boolean(),
});
export const H5Lottery = Type.Object({
  id: Uuid,
  name: Type.String(),
  description: Nullable(Type.String()),
  costPoints: Type.Integer(),
  dailyLimit: Type.Integer(),
  drawsToday: Type.Integer(),
  startsAt: Nullable(Timestamp),
  endsAt: Nullable(Timestamp),
  prizes: Type.Array(H5Prize),
  nothingPpm: Type.Integer(),
});
export type H5Lottery = Static<typeof H5Lottery>;
export const H5Lotteries = Type.Object({ items: Type.Array(H5Lottery), balance: Type.Integer() });
export type H5Lotteries = Static<typeof H5Lotteries>;

export const DrawBody = Type.Object({ requestId: Uuid }, strict);
export type DrawBody = Static<typeof DrawBody>;
export const H5Draw = Type.Object({
  id: Uuid,
  lotteryId: Uuid,
  cost: Type.Integer(),
  /**
   * The prize the roll landed on (kind `nothing`: a consolation entry such as 谢谢参与); null when it landed on the
   * odds no prize takes, or on a prize that could not be given (none left).
   */
  prize: Nullable(Type.Object({ id: Uuid, kind: PrizeKind, name: Type.String(), imageUrl: Nullable(Type.String()) })),
  pointsWon: Type.Integer(),
  coupon: Nullable(Type.Object({ id: Uuid, code: Type.String() })),
  /** A physical prize's order: the member gives the shipping address on it. */
  rewardOrderId: Nullable(Uuid),
  /** The member's balance right after the draw (its prize points included). */
  balance: Type.Integer(),
  /** The member's draws of this lottery that day, this one included. */
  drawsToday: Type.Integer(),
  at: Timestamp,
});
export type H5Draw = Static<typeof H5Draw>;

export const WalletQuery = Type.Object(
  { status: Type.Optional(Type.Union([Type.Literal('available'), Type.Literal('used'), Type.Literal('expired')])) },
  strict,
);
export const H5Wallet = Type.Object({
  items: Type.Array(WalletCoupon),
  counts: Type.Object({ available: Type.Integer(), used: Type.Integer(), expired: Type.Integer() }),
});
export type H5Wallet = Static<typeof H5Wallet>;

export const H5Benefits = Type.Object({
  tier: TierSummary,
  benefits: Type.Array(TierBenefit),
  /** Every tier, lowest first, with what it takes and gives: what the next tiers add. */
  ladder: Type.Array(
    Type.Object({
      tier: TierSummary,
      growthThreshold: Type.Integer(),
      pointsMultiplierPct: Type.Integer(),
      benefits: Type.Array(Benefit),
      current: Type.Boolean(),
    }),
  ),
});
export type H5Benefits = Static<typeof H5Benefits>;

export const H5Notice = Type.Object({
  id: Uuid,
  effectiveOn: LocalDate,
  note: Nullable(Type.String()),
  rules: PointsRules,
  previous: PointsRules,
});
export const H5Notices = Type.Object({ items: Type.Array(H5Notice) });
export type H5Notices = Static<typeof H5Notices>;

export const H5LeaderboardParams = Type.Object(
  { period: Type.Union([Type.Literal('week'), Type.Literal('month')]) },
  strict,
);
export const H5LeaderboardRow = Type.Object({
  rank: Type.Integer(),
  /** Masked: 张** */
  name: Nullable(Type.String()),
  points: Type.Integer(),
  me: Type.Boolean(),
});
export const H5Leaderboard = Type.Object({
  period: Type.Union([Type.Literal('week'), Type.Literal('month')]),
  from: LocalDate,
  to: LocalDate,
  items: Type.Array(H5LeaderboardRow),
  /** The member's own row; null when they earned nothing in the period. */
  me: Nullable(H5LeaderboardRow),
  participants: Type.Integer(),
});
export type H5Leaderboard = Static<typeof H5Leaderboard>;

export const H5Invite = Type.Object({
  code: Type.String(),
  /** The H5 join page with the code filled in, relative to the site (`/h5/?ws=…&invite=…`). */
  path: Type.String(),
  invited: Type.Integer(),
  /** Points earned from invites so far (reversals deducted). */
  earnedPoints: Type.Integer(),
  /** Points per friend who joins and pays an order, under the rules in force. */
  pointsPerInvite: Type.Integer(),
});
export type H5Invite = Static<typeof H5Invite>;
