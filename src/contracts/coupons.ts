// Request and response shapes of the coupons API (templates, issuance, rules, issued coupons, validate / redeem /
// unredeem, the member wallet), shared by the server and the console. Money is integer fen throughout.
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { PageQuery, Timestamp, Uuid } from './foundation.ts';

export const COUPON_KINDS = ['amount_off', 'percent_off', 'gift', 'free_shipping'] as const;
export const CouponKind = Type.Union(COUPON_KINDS.map((k) => Type.Literal(k)));
export type CouponKind = (typeof COUPON_KINDS)[number];

export const TEMPLATE_STATUSES = ['draft', 'active', 'paused', 'ended'] as const;
export const TemplateStatus = Type.Union(TEMPLATE_STATUSES.map((s) => Type.Literal(s)));
export type TemplateStatus = (typeof TEMPLATE_STATUSES)[number];

export const VALIDITY_KINDS = ['fixed', 'relative'] as const;
export const ValidityKind = Type.Union(VALIDITY_KINDS.map((s) => Type.Literal(s)));

export const COUPON_STATUSES = ['available', 'redeemed', 'expired', 'void'] as const;
export const CouponStatus = Type.Union(COUPON_STATUSES.map((s) => Type.Literal(s)));
export type CouponStatus = (typeof COUPON_STATUSES)[number];

export const COUPON_SOURCES = ['manual', 'segment', 'rule', 'reward', 'campaign', 'journey'] as const;
export const CouponSource = Type.Union(COUPON_SOURCES.map((s) => Type.Literal(s)));
export type CouponSource = (typeof COUPON_SOURCES)[number];

export const RULE_TRIGGERS = ['member.joined', 'member.tier_changed', 'order.paid', 'segment.entered'] as const;
export const RuleTrigger = Type.Union(RULE_TRIGGERS.map((s) => Type.Literal(s)));
export type RuleTrigger = (typeof RULE_TRIGGERS)[number];

/** Largest list one manual issuance takes (customer ids and phone numbers together). */
export const MANUAL_ISSUE_LIMIT = 1000;

const Fen = Type.Integer({ minimum: 0, maximum: 1e13 });
const PositiveFen = Type.Integer({ minimum: 1, maximum: 1e13 });
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Label = Type.String({ minLength: 1, maxLength: 64 });

export const CouponScope = Type.Object(
  {
    skus: Type.Optional(Type.Array(Label, { maxItems: 500 })),
    categories: Type.Optional(Type.Array(Label, { maxItems: 200 })),
    channels: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 32 }), { maxItems: 50 })),
    stores: Type.Optional(Type.Array(Label, { maxItems: 500 })),
  },
  { additionalProperties: false },
);
export type CouponScope = Static<typeof CouponScope>;

const templateFields = {
  /** What the member sees in the wallet. */
  title: Type.String({ minLength: 1, maxLength: 40 }),
  description: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
  kind: CouponKind,
  /** amount_off: the discount (with minSpendFen it reads 满X减Y). */
  amountOffFen: Type.Optional(Nullable(PositiveFen)),
  /** percent_off: share taken off in basis points, 1500 = 15 % off = 8.5折. */
  percentOffBp: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 9999 }))),
  /** percent_off: the most it takes off. */
  maxDiscountFen: Type.Optional(Nullable(PositiveFen)),
  /** The least the applicable items must cost (any kind); 0 or absent = no threshold. */
  minSpendFen: Type.Optional(Fen),
  giftSku: Type.Optional(Nullable(Label)),
  giftName: Type.Optional(Nullable(Label)),
  /** fixed: validFrom–validUntil; relative: validDays local days from the day of issue, that day included. */
  validityKind: ValidityKind,
  validFrom: Type.Optional(Nullable(Timestamp)),
  validUntil: Type.Optional(Nullable(Timestamp)),
  validDays: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 3650 }))),
  /** Coupons that may ever be issued; null = unlimited. */
  totalStock: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 1_000_000_000 }))),
  /** Coupons of this template one member may ever be issued; null = unlimited. */
  perMemberLimit: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 1000 }))),
  /** May go on an order together with other coupons. */
  stackable: Type.Optional(Type.Boolean()),
  /** At most one coupon of a group per order, stackable or not. */
  exclusiveGroup: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 32 }))),
  /** May be used on an order that points also pay part of. */
  pointsOffset: Type.Optional(Type.Boolean()),
  scope: Type.Optional(CouponScope),
  /** Days before a coupon's end that coupon.expiring is announced; 0 = never. */
  expiryReminderDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 30 })),
};

export const CouponTemplateBody = Type.Object(templateFields, { additionalProperties: false });
export type CouponTemplateBody = Static<typeof CouponTemplateBody>;

/** A draft may change in every field; once issued from, only title, description, stock and limit. */
export const UpdateCouponTemplateBody = Type.Partial(Type.Object(templateFields), {
  additionalProperties: false,
  minProperties: 1,
});
export type UpdateCouponTemplateBody = Static<typeof UpdateCouponTemplateBody>;

export const TemplateStatusBody = Type.Object(
  { status: Type.Union([Type.Literal('active'), Type.Literal('paused'), Type.Literal('ended')]) },
  { additionalProperties: false },
);
export type TemplateStatusBody = Static<typeof TemplateStatusBody>;

export const CouponTemplate = Type.Object({
  id: Uuid,
  title: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  kind: CouponKind,
  amountOffFen: Type.Union([Type.Integer(), Type.Null()]),
  percentOffBp: Type.Union([Type.Integer(), Type.Null()]),
  maxDiscountFen: Type.Union([Type.Integer(), Type.Null()]),
  minSpendFen: Type.Integer(),
  giftSku: Type.Union([Type.String(), Type.Null()]),
  giftName: Type.Union([Type.String(), Type.Null()]),
  validityKind: ValidityKind,
  validFrom: Type.Union([Timestamp, Type.Null()]),
  validUntil: Type.Union([Timestamp, Type.Null()]),
  validDays: Type.Union([Type.Integer(), Type.Null()]),
  totalStock: Type.Union([Type.Integer(), Type.Null()]),
  issuedCount: Type.Integer(),
  perMemberLimit: Type.Union([Type.Integer(), Type.Null()]),
  stackable: Type.Boolean(),
  exclusiveGroup: Type.Union([Type.String(), Type.Null()]),
  pointsOffset: Type.Boolean(),
  scope: Type.Object({
    skus: Type.Array(Type.String()),
    categories: Type.Array(Type.String()),
    channels: Type.Array(Type.String()),
    stores: Type.Array(Type.String()),
  }),
  expiryReminderDays: Type.Integer(),
  status: TemplateStatus,
  /** Issued coupons by their status now. */
  stats: Type.Object({
    available: Type.Integer(),
    redeemed: Type.Integer(),
    expired: Type.Integer(),
    void: Type.Integer(),
  }),
  createdBy: Type.Union([Type.String(), Type.Null()]),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type CouponTemplate = Static<typeof CouponTemplate>;

export const TemplateListQuery = Type.Object(
  {
    ...PageQuery,
    status: Type.Optional(TemplateStatus),
    kind: Type.Optional(CouponKind),
    q: Type.Optional(Type.String({ maxLength: 40 })),
  },
  { additionalProperties: false },
);
export type TemplateListQuery = Static<typeof TemplateListQuery>;

/** A manual issuance names customers (ids, phone numbers or both); a segment issuance names a segment. */
export const CreateIssuanceBody = Type.Object(
  {
    templateId: Uuid,
    customerIds: Type.Optional(Type.Array(Uuid, { minItems: 1, maxItems: MANUAL_ISSUE_LIMIT })),
    phones: Type.Optional(
      Type.Array(Type.String({ minLength: 3, maxLength: 32 }), { minItems: 1, maxItems: MANUAL_ISSUE_LIMIT }),
    ),
    segmentId: Type.Optional(Uuid),
    /** Coupons per customer (default 1). */
    quantity: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })),
  },
  { additionalProperties: false },
);
export type CreateIssuanceBody = Static<typeof CreateIssuanceBody>;

export const ISSUANCE_STATES = ['queued', 'running', 'succeeded', 'failed'] as const;
export type IssuanceState = (typeof ISSUANCE_STATES)[number];

export const CouponIssuance = Type.Object({
  id: Uuid,
  templateId: Uuid,
  templateTitle: Type.String(),
  kind: Type.Union([Type.Literal('manual'), Type.Literal('segment')]),
  segmentId: Type.Union([Uuid, Type.Null()]),
  segmentName: Type.Union([Type.String(), Type.Null()]),
  quantity: Type.Integer(),
  state: Type.Union(ISSUANCE_STATES.map((s) => Type.Literal(s))),
  /** Customers in this run, and how many were gone through. */
  total: Type.Integer(),
  done: Type.Integer(),
  /** 0–100. */
  progress: Type.Integer(),
  /** Coupons issued, over every run. */
  issued: Type.Integer(),
  /** Customers who already had their coupons from this issuance (a re-run). */
  skipped: Type.Integer(),
  refusedLimit: Type.Integer(),
  refusedStock: Type.Integer(),
  unmatched: Type.Integer(),
  runs: Type.Integer(),
  error: Type.Union([Type.String(), Type.Null()]),
  createdBy: Type.Union([Type.String(), Type.Null()]),
  createdAt: Timestamp,
  finishedAt: Type.Union([Timestamp, Type.Null()]),
});
export type CouponIssuance = Static<typeof CouponIssuance>;

export const IssuanceRefusal = Type.Object({
  customerId: Uuid,
  /** coupon.limit_reached or coupon.out_of_stock */
  reason: Type.String(),
});

export const CreatedIssuance = Type.Object({
  issuance: CouponIssuance,
  /** Entries of a manual list that matched no current customer (first 100). */
  unmatched: Type.Array(Type.String()),
  /** Customers of a manual list who got fewer coupons than asked, and why (first 100). */
  refused: Type.Array(IssuanceRefusal),
});
export type CreatedIssuance = Static<typeof CreatedIssuance>;

export const IssuanceListQuery = Type.Object(
  { ...PageQuery, templateId: Type.Optional(Uuid) },
  { additionalProperties: false },
);

const ruleFields = {
  name: Type.String({ minLength: 1, maxLength: 64 }),
  templateId: Uuid,
  trigger: RuleTrigger,
  /** segment.entered: the segment. */
  segmentId: Type.Optional(Type.Union([Uuid, Type.Null()])),
  /** member.tier_changed: issue only on reaching one of these tiers; empty = on any upgrade. */
  tierIds: Type.Optional(Type.Array(Uuid, { maxItems: 20 })),
  /** order.paid: the least paid amount. */
  minPaidFen: Type.Optional(Nullable(Fen)),
  quantity: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })),
  active: Type.Optional(Type.Boolean()),
};
export const CouponRuleBody = Type.Object(ruleFields, { additionalProperties: false });
export type CouponRuleBody = Static<typeof CouponRuleBody>;
const { templateId: _t, trigger: _g, ...changeable } = ruleFields;
export const UpdateCouponRuleBody = Type.Partial(Type.Object(changeable), {
  additionalProperties: false,
  minProperties: 1,
});
export type UpdateCouponRuleBody = Static<typeof UpdateCouponRuleBody>;

export const CouponRule = Type.Object({
  id: Uuid,
  name: Type.String(),
  templateId: Uuid,
  templateTitle: Type.String(),
  trigger: RuleTrigger,
  segmentId: Type.Union([Uuid, Type.Null()]),
  tierIds: Type.Array(Uuid),
  minPaidFen: Type.Union([Type.Integer(), Type.Null()]),
  quantity: Type.Integer(),
  active: Type.Boolean(),
  issued: Type.Integer(),
  refused: Type.Integer(),
  lastRefusal: Type.Union([Type.String(), Type.Null()]),
  lastFiredAt: Type.Union([Timestamp, Type.Null()]),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type CouponRule = Static<typeof CouponRule>;

export const RuleListQuery = Type.Object(
  { templateId: Type.Optional(Uuid), trigger: Type.Optional(RuleTrigger) },
  { additionalProperties: false },
);

export const Coupon = Type.Object({
  id: Uuid,
  /** Canonical form (12 characters); print it in groups of four. */
  code: Type.String(),
  templateId: Uuid,
  templateTitle: Type.String(),
  kind: CouponKind,
  customerId: Uuid,
  status: CouponStatus,
  source: CouponSource,
  sourceRef: Type.Union([Type.String(), Type.Null()]),
  validFrom: Timestamp,
  validUntil: Timestamp,
  issuedAt: Timestamp,
  statusAt: Timestamp,
});
export type Coupon = Static<typeof Coupon>;

export const CouponListQuery = Type.Object(
  {
    ...PageQuery,
    templateId: Type.Optional(Uuid),
    customerId: Type.Optional(Uuid),
    status: Type.Optional(CouponStatus),
    source: Type.Optional(CouponSource),
    /** Coupons of one issuance or rule. */
    sourceRef: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  },
  { additionalProperties: false },
);
export type CouponListQuery = Static<typeof CouponListQuery>;

export const CodeParams = Type.Object(
  { code: Type.String({ minLength: 1, maxLength: 32 }) },
  { additionalProperties: false },
);

export const CouponRedemption = Type.Object({
  id: Uuid,
  couponId: Uuid,
  code: Type.String(),
  templateId: Uuid,
  templateTitle: Type.String(),
  customerId: Uuid,
  orderId: Type.String(),
  orderAmountFen: Type.Integer(),
  discountFen: Type.Integer(),
  store: Type.Union([Type.String(), Type.Null()]),
  channel: Type.Union([Type.String(), Type.Null()]),
  redeemedBy: Type.Object({ type: Type.String(), id: Type.String(), name: Type.String() }),
  redeemedAt: Timestamp,
  unredeemedAt: Type.Union([Timestamp, Type.Null()]),
  unredeemReason: Type.Union([Type.Literal('refund'), Type.Literal('request'), Type.Null()]),
  unredeemedBy: Type.Union([Type.String(), Type.Null()]),
});
export type CouponRedemption = Static<typeof CouponRedemption>;

export const RedemptionListQuery = Type.Object(
  {
    ...PageQuery,
    templateId: Type.Optional(Uuid),
    customerId: Type.Optional(Uuid),
    orderId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    store: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    channel: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
  },
  { additionalProperties: false },
);
export type RedemptionListQuery = Static<typeof RedemptionListQuery>;

export const CouponDetail = Type.Object({
  coupon: Coupon,
  template: CouponTemplate,
  /** Newest first: the live one (if any) and earlier ones undone by refunds. */
  redemptions: Type.Array(CouponRedemption),
});
export type CouponDetail = Static<typeof CouponDetail>;

export const CheckoutItem = Type.Object(
  {
    sku: Label,
    category: Type.Optional(Nullable(Label)),
    quantity: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
    unitPriceFen: Fen,
  },
  { additionalProperties: false },
);

const OrderId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[^\\s/]+$' });

const checkoutFields = {
  code: Type.String({ minLength: 1, maxLength: 32 }),
  /** The customer at the till, by id or phone; when given, the coupon must be theirs. */
  customerId: Type.Optional(Uuid),
  phone: Type.Optional(Type.String({ minLength: 3, maxLength: 32 })),
  orderAmountFen: Fen,
  /** Needed when the coupon applies to some SKUs or categories only. */
  items: Type.Optional(Type.Array(CheckoutItem, { maxItems: 500 })),
  channel: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
  store: Type.Optional(Label),
  /** The shipping fee a free-shipping coupon takes off. */
  shippingFen: Type.Optional(Fen),
  /** The order also uses points as cash. */
  usesPoints: Type.Optional(Type.Boolean()),
};

export const ValidateCouponBody = Type.Object(
  {
    ...checkoutFields,
    /** The order the coupon would go on: coupons already redeemed on it count for stacking. */
    orderId: Type.Optional(OrderId),
    /** Other coupons the cart applies but has not redeemed yet, for stacking. */
    otherCodes: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 32 }), { maxItems: 20 })),
  },
  { additionalProperties: false },
);
export type ValidateCouponBody = Static<typeof ValidateCouponBody>;

export const RedeemCouponBody = Type.Object({ ...checkoutFields, orderId: OrderId }, { additionalProperties: false });
export type RedeemCouponBody = Static<typeof RedeemCouponBody>;

export const UnredeemCouponBody = Type.Object(
  { code: Type.String({ minLength: 1, maxLength: 32 }), orderId: OrderId },
  { additionalProperties: false },
);
export type UnredeemCouponBody = Static<typeof UnredeemCouponBody>;

export const CouponReason = Type.Object({ code: Type.String(), message: Type.String() });
const Gift = Type.Union([Type.Object({ sku: Type.String(), name: Type.String() }), Type.Null()]);

export const CouponValidation = Type.Object({
  applicable: Type.Boolean(),
  /** What the coupon takes off this order (0 when it does not apply, and for gift coupons). */
  discountFen: Type.Integer(),
  /** The amount its threshold and discount are measured on. */
  eligibleFen: Type.Integer(),
  gift: Gift,
  freeShipping: Type.Boolean(),
  /** Every reason it does not apply, in the caller's language. */
  reasons: Type.Array(CouponReason),
  coupon: Coupon,
  template: CouponTemplate,
});
export type CouponValidation = Static<typeof CouponValidation>;

export const RedemptionResult = Type.Object({
  redemption: CouponRedemption,
  gift: Gift,
  freeShipping: Type.Boolean(),
  coupon: Coupon,
});
export type RedemptionResult = Static<typeof RedemptionResult>;

export const UnredemptionResult = Type.Object({ redemption: CouponRedemption, coupon: Coupon });
export type UnredemptionResult = Static<typeof UnredemptionResult>;

export const CustomerCouponsQuery = Type.Object(
  { status: Type.Optional(Type.Union((['available', 'used', 'expired'] as const).map((s) => Type.Literal(s)))) },
  { additionalProperties: false },
);

/** A coupon as the member's wallet shows it: the template's face value and terms with the coupon's own dates. */
export const WalletCoupon = Type.Object({
  id: Uuid,
  code: Type.String(),
  /** available: usable now or later; used: redeemed; expired: past its end or withdrawn. */
  status: Type.Union([Type.Literal('available'), Type.Literal('used'), Type.Literal('expired')]),
  title: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  kind: CouponKind,
  amountOffFen: Type.Union([Type.Integer(), Type.Null()]),
  percentOffBp: Type.Union([Type.Integer(), Type.Null()]),
  maxDiscountFen: Type.Union([Type.Integer(), Type.Null()]),
  minSpendFen: Type.Integer(),
  gift: Gift,
  stackable: Type.Boolean(),
  validFrom: Timestamp,
  validUntil: Timestamp,
  issuedAt: Timestamp,
  redeemedAt: Type.Union([Timestamp, Type.Null()]),
});
export type WalletCoupon = Static<typeof WalletCoupon>;
