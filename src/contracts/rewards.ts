// Request and response shapes of the rewards catalogue (physical, virtual and coupon rewards, their redemption
// orders and fulfilment) and of the points lottery, as the console and the API use them. Shared by the server and
// the console; the member H5's views are in h5.ts.
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { PageQuery, Timestamp, Uuid } from './foundation.ts';
import { TierSummary } from './loyalty.ts';

const strict = { additionalProperties: false } as const;
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Text = (maxLength: number) => Type.String({ minLength: 1, maxLength });
/** An image on the brand's CDN (or any web address): shown as is by the H5. */
const ImageUrl = Type.String({ maxLength: 1000, pattern: '^https?://[^\\s]+$' });
const Points = Type.Integer({ minimum: 1, maximum: 1_000_000_000 });
const Stock = Type.Integer({ minimum: 0, maximum: 1_000_000_000 });

export const REWARD_KINDS = ['physical', 'virtual', 'coupon'] as const;
export type RewardKind = (typeof REWARD_KINDS)[number];
export const RewardKind = Type.Union(REWARD_KINDS.map((k) => Type.Literal(k)));

export const LIMIT_PERIODS = ['day', 'week', 'month'] as const;
export type LimitPeriod = (typeof LIMIT_PERIODS)[number];
/** At most `count` redemptions per member in each calendar day, week (Monday first) or month of the workspace. */
export const PeriodLimit = Type.Object(
  { count: Type.Integer({ minimum: 1, maximum: 1000 }), period: Type.Union(LIMIT_PERIODS.map((p) => Type.Literal(p))) },
  strict,
);
export type PeriodLimit = Static<typeof PeriodLimit>;

const rewardFields = {
  name: Text(60),
  description: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
  imageUrl: Type.Optional(Nullable(ImageUrl)),
  /** Points the member pays. */
  pointsPrice: Points,
  /** Cash the member pays on top, in fen (physical rewards only: they ship once the brand's checkout confirms it). */
  cashFen: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000_000 })),
  /** Units left to redeem; null for no limit. Virtual rewards count their uploaded codes instead. */
  stock: Type.Optional(Nullable(Stock)),
  /** Most redemptions per member over all time; null for none. */
  perMemberLimit: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 1000 }))),
  periodLimit: Type.Optional(Nullable(PeriodLimit)),
  /** The lowest tier that may redeem; null for every member. */
  minTierId: Type.Optional(Nullable(Uuid)),
  /** Shown to members from / until these moments (null: no bound). */
  visibleFrom: Type.Optional(Nullable(Timestamp)),
  visibleUntil: Type.Optional(Nullable(Timestamp)),
  /** Lower first in the mall. */
  sort: Type.Optional(Type.Integer({ minimum: -1_000_000, maximum: 1_000_000 })),
  /** On sale (上架) or withdrawn (下架). */
  active: Type.Optional(Type.Boolean()),
};

export const RewardBody = Type.Object(
  {
    kind: RewardKind,
    ...rewardFields,
    /** Coupon rewards: the template each redemption issues. */
    couponTemplateId: Type.Optional(Uuid),
  },
  strict,
);
export type RewardBody = Static<typeof RewardBody>;

/** Kind and coupon template are fixed once created; a virtual reward's stock follows its codes. */
export const UpdateRewardBody = Type.Partial(Type.Object(rewardFields, strict), {
  additionalProperties: false,
  minProperties: 1,
});
export type UpdateRewardBody = Static<typeof UpdateRewardBody>;

export const Reward = Type.Object({
  id: Uuid,
  kind: RewardKind,
  name: Type.String(),
  description: Nullable(Type.String()),
  imageUrl: Nullable(Type.String()),
  pointsPrice: Type.Integer(),
  cashFen: Type.Integer(),
  couponTemplate: Nullable(Type.Object({ id: Uuid, title: Type.String() })),
  /** Units left (virtual: unused codes); null for no limit. */
  stock: Nullable(Type.Integer()),
  /** Redemptions so far, cancelled ones not counted. */
  redeemed: Type.Integer(),
  perMemberLimit: Nullable(Type.Integer()),
  periodLimit: Nullable(PeriodLimit),
  minTier: Nullable(TierSummary),
  visibleFrom: Nullable(Timestamp),
  visibleUntil: Nullable(Timestamp),
  sort: Type.Integer(),
  active: Type.Boolean(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Reward = Static<typeof Reward>;

export const RewardListQuery = Type.Object(
  {
    ...PageQuery,
    kind: Type.Optional(RewardKind),
    active: Type.Optional(Type.Boolean()),
    /** Part of the name. */
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 60 })),
  },
  strict,
);
export type RewardListQuery = Static<typeof RewardListQuery>;

/** Codes (or voucher texts) of a virtual reward, one per redemption: blank lines and repeats are skipped. */
export const RewardCodesBody = Type.Object(
  { codes: Type.Array(Type.String({ maxLength: 500 }), { minItems: 1, maxItems: 10_000 }) },
  strict,
);
export type RewardCodesBody = Static<typeof RewardCodesBody>;
export const RewardCodesResult = Type.Object({
  added: Type.Integer(),
  /** Already uploaded for this reward (or repeated in the upload). */
  duplicates: Type.Integer(),
  blank: Type.Integer(),
  stock: Type.Integer(),
});
export type RewardCodesResult = Static<typeof RewardCodesResult>;

/** Where a physical reward goes. */
export const ShippingAddress = Type.Object(
  {
    name: Text(50),
    phone: Type.String({ minLength: 5, maxLength: 32 }),
    /** Province, city and district: 广东省 深圳市 南山区. */
    region: Text(100),
    detail: Text(200),
  },
  strict,
);
export type ShippingAddress = Static<typeof ShippingAddress>;

export const REWARD_ORDER_STATUSES = ['awaiting_payment', 'pending', 'shipped', 'delivered', 'cancelled'] as const;
export type RewardOrderStatus = (typeof REWARD_ORDER_STATUSES)[number];
export const RewardOrderStatus = Type.Union(REWARD_ORDER_STATUSES.map((s) => Type.Literal(s)));
export const RewardOrderSource = Type.Union([Type.Literal('mall'), Type.Literal('lottery')]);

export const RewardOrder = Type.Object({
  id: Uuid,
  rewardId: Uuid,
  rewardName: Type.String(),
  kind: RewardKind,
  /** mall: redeemed for points; lottery: a prize won in a draw. */
  source: RewardOrderSource,
  customerId: Uuid,
  /** Masked unless the caller may see personal data. */
  memberName: Nullable(Type.String()),
  cardNo: Nullable(Type.String()),
  points: Type.Integer(),
  cashFen: Type.Integer(),
  status: RewardOrderStatus,
  /** Masked unless the caller may see personal data; null until the member gives one (lottery prizes). */
  address: Nullable(ShippingAddress),
  carrier: Nullable(Type.String()),
  trackingNo: Nullable(Type.String()),
  /** Virtual rewards: the code delivered. */
  code: Nullable(Type.String()),
  /** Coupon rewards: the coupon issued. */
  coupon: Nullable(Type.Object({ id: Uuid, code: Type.String() })),
  paymentRef: Nullable(Type.String()),
  /** Until when an order awaiting its cash part is held before it is cancelled. */
  payBy: Nullable(Timestamp),
  transactionId: Nullable(Type.Integer()),
  cancelTransactionId: Nullable(Type.Integer()),
  cancelReason: Nullable(Type.String()),
  cancelledBy: Nullable(Type.Union([Type.Literal('member'), Type.Literal('staff'), Type.Literal('system')])),
  createdAt: Timestamp,
  paidAt: Nullable(Timestamp),
  shippedAt: Nullable(Timestamp),
  deliveredAt: Nullable(Timestamp),
  cancelledAt: Nullable(Timestamp),
});
export type RewardOrder = Static<typeof RewardOrder>;

export const RewardOrderListQuery = Type.Object(
  {
    ...PageQuery,
    status: Type.Optional(RewardOrderStatus),
    kind: Type.Optional(RewardKind),
    rewardId: Type.Optional(Uuid),
    customerId: Type.Optional(Uuid),
    /** Physical orders still missing a shipping address. */
    needsAddress: Type.Optional(Type.Boolean()),
  },
  strict,
);
export type RewardOrderListQuery = Static<typeof RewardOrderListQuery>;

export const ShipBody = Type.Object(
  { carrier: Text(50), trackingNo: Type.String({ pattern: '^[0-9A-Za-z-]{4,40}$' }) },
  strict,
);
export type ShipBody = Static<typeof ShipBody>;
export const CancelOrderBody = Type.Object({ reason: Text(200) }, strict);
export type CancelOrderBody = Static<typeof CancelOrderBody>;
/** The brand's checkout (or a cashier) confirms the cash part was paid, with its payment reference. */
export const PaymentBody = Type.Object({ paymentRef: Text(100) }, strict);
export type PaymentBody = Static<typeof PaymentBody>;

// The points lottery.

export const PRIZE_KINDS = ['points', 'coupon', 'reward', 'nothing'] as const;
export type PrizeKind = (typeof PRIZE_KINDS)[number];
export const PrizeKind = Type.Union(PRIZE_KINDS.map((k) => Type.Literal(k)));
/** Probabilities are parts per million: 1,000,000 is certain, 10,000 is 1 %. */
export const PPM = 1_000_000;

export const PrizeBody = Type.Object(
  {
    /** An existing prize of the lottery to keep (its draws stay linked to it); new prizes have none. */
    id: Type.Optional(Uuid),
    kind: PrizeKind,
    name: Text(40),
    imageUrl: Type.Optional(Nullable(ImageUrl)),
    probabilityPpm: Type.Integer({ minimum: 0, maximum: PPM }),
    /** Prizes left; null for no limit. Once none are left the prize's chance falls to "nothing". */
    stock: Type.Optional(Nullable(Stock)),
    /** points prizes: how many points. */
    points: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
    /** coupon prizes: the template issued. */
    couponTemplateId: Type.Optional(Uuid),
    /** reward prizes: a physical reward of the catalogue, shipped like a redemption. */
    rewardId: Type.Optional(Uuid),
  },
  strict,
);
export type PrizeBody = Static<typeof PrizeBody>;

const lotteryFields = {
  name: Text(40),
  description: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
  costPoints: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
  /** Draws per member per day (workspace time zone). */
  dailyLimit: Type.Integer({ minimum: 1, maximum: 100 }),
  startsAt: Type.Optional(Nullable(Timestamp)),
  endsAt: Type.Optional(Nullable(Timestamp)),
  active: Type.Optional(Type.Boolean()),
  prizes: Type.Array(PrizeBody, { minItems: 1, maxItems: 12 }),
};
export const LotteryBody = Type.Object(lotteryFields, strict);
export type LotteryBody = Static<typeof LotteryBody>;
/** The prize list, when sent, replaces the lottery's prizes: prizes named by id are kept, the others retired. */
export const UpdateLotteryBody = Type.Partial(Type.Object(lotteryFields, strict), {
  additionalProperties: false,
  minProperties: 1,
});
export type UpdateLotteryBody = Static<typeof UpdateLotteryBody>;

export const Prize = Type.Object({
  id: Uuid,
  kind: PrizeKind,
  name: Type.String(),
  imageUrl: Nullable(Type.String()),
  probabilityPpm: Type.Integer(),
  stock: Nullable(Type.Integer()),
  won: Type.Integer(),
  points: Nullable(Type.Integer()),
  couponTemplate: Nullable(Type.Object({ id: Uuid, title: Type.String() })),
  reward: Nullable(Type.Object({ id: Uuid, name: Type.String() })),
});
export type Prize = Static<typeof Prize>;

export const Lottery = Type.Object({
  id: Uuid,
  name: Type.String(),
  description: Nullable(Type.String()),
  costPoints: Type.Integer(),
  dailyLimit: Type.Integer(),
  startsAt: Nullable(Timestamp),
  endsAt: Nullable(Timestamp),
  active: Type.Boolean(),
  prizes: Type.Array(Prize),
  /** The chance of winning nothing: what the prizes leave of a million. */
  nothingPpm: Type.Integer(),
  draws: Type.Integer(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Lottery = Static<typeof Lottery>;

export const LotteryDraw = Type.Object({
  id: Uuid,
  lotteryId: Uuid,
  customerId: Uuid,
  memberName: Nullable(Type.String()),
  cardNo: Nullable(Type.String()),
  cost: Type.Integer(),
  /** The prize the roll landed on; null for the odds no prize takes, or a prize that could not be given. */
  prize: Nullable(Type.Object({ id: Uuid, kind: PrizeKind, name: Type.String() })),
  /**
   * Why the prize the roll picked became nothing: `out_of_stock`, or the error code of the coupon or reward that
   * could not be given.
   */
  fallback: Nullable(Type.String()),
  roll: Type.Integer(),
  pointsWon: Type.Integer(),
  couponId: Nullable(Uuid),
  rewardOrderId: Nullable(Uuid),
  at: Timestamp,
});
export type LotteryDraw = Static<typeof LotteryDraw>;

export const DrawListQuery = Type.Object(
  { ...PageQuery, customerId: Type.Optional(Uuid), won: Type.Optional(Type.Boolean()) },
  strict,
);
export type DrawListQuery = Static<typeof DrawListQuery>;
