// Request and response shapes of membership: members and enrolment, tiers and their benefits, growth value, the
// tier policy and member terms, and the member H5's sign-in. Shared by the server and the console.
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { Gender, IdentityInput } from './customers.ts';
import { PageQuery, Timestamp, Uuid } from './foundation.ts';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Text = (maxLength: number) => Type.String({ minLength: 1, maxLength });

export const MEMBER_STATUSES = ['active', 'frozen', 'cancelled', 'merged'] as const;
export type MemberStatus = (typeof MEMBER_STATUSES)[number];
export const MemberStatus = Type.Union(MEMBER_STATUSES.map((s) => Type.Literal(s)));
/** The statuses staff may set; `merged` only follows a customer merge. */
export const SettableMemberStatus = Type.Union([
  Type.Literal('active'),
  Type.Literal('frozen'),
  Type.Literal('cancelled'),
]);

export const TIER_CHANGE_REASONS = ['join', 'upgrade', 'downgrade', 'manual', 'merge'] as const;
export type TierChangeReason = (typeof TIER_CHANGE_REASONS)[number];

export const JOIN_CHANNELS = ['api', 'h5', 'console', 'demo'] as const;
export type JoinChannel = (typeof JOIN_CHANNELS)[number];

/** A tier's stable key: lower case, used by POS, e-commerce and segment rules. */
export const TierCode = Type.String({ pattern: '^[a-z][a-z0-9_]{0,31}$' });
/** A member card number: 12 digits, the last a Luhn check digit. */
export const CardNo = Type.String({ pattern: '^[0-9]{12}$' });
/** An invite code: 8 characters without look-alikes (no 0, 1, I, O); lower case is accepted on input. */
export const InviteCode = Type.String({ pattern: '^[2-9A-HJ-NP-Za-hj-np-z]{8}$' });
export const TermsVersion = Type.String({ pattern: '^[0-9A-Za-z][0-9A-Za-z._-]{0,31}$' });

// Benefits a tier grants, read by POS and e-commerce. The points multiplier is the tier's own field
// (`pointsMultiplierPct`) and is listed first by the lookup API as `{ type: 'points_multiplier', pct }`.
export const DiscountBenefit = Type.Object(
  {
    type: Type.Literal('discount'),
    /** Percent off the price: 5 is 95折. */
    percentOff: Type.Integer({ minimum: 1, maximum: 90 }),
    description: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
export const FreeShippingBenefit = Type.Object(
  {
    type: Type.Literal('free_shipping'),
    /** Orders from this amount ship free; 0 for every order. */
    minOrderFen: Type.Integer({ minimum: 0, maximum: 100_000_000 }),
    description: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
export const BirthdayGiftBenefit = Type.Object(
  { type: Type.Literal('birthday_gift'), description: Text(200) },
  { additionalProperties: false },
);
export const ExclusiveServiceBenefit = Type.Object(
  { type: Type.Literal('exclusive_service'), description: Text(200) },
  { additionalProperties: false },
);
export const EarlyAccessBenefit = Type.Object(
  {
    type: Type.Literal('early_access'),
    /** How many hours before everyone else new products and sales open to this tier. */
    hours: Type.Integer({ minimum: 1, maximum: 720 }),
    description: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
export const CustomBenefit = Type.Object(
  { type: Type.Literal('custom'), name: Text(32), description: Type.String({ maxLength: 200 }) },
  { additionalProperties: false },
);
export const Benefit = Type.Union([
  DiscountBenefit,
  FreeShippingBenefit,
  BirthdayGiftBenefit,
  ExclusiveServiceBenefit,
  EarlyAccessBenefit,
  CustomBenefit,
]);
export type Benefit = Static<typeof Benefit>;
export type BenefitType = Benefit['type'];
export const PointsMultiplierBenefit = Type.Object({
  type: Type.Literal('points_multiplier'),
  /** 100 = 1×, 150 = 1.5× purchase points. */
  pct: Type.Integer(),
});
/** What the lookup API lists: the tier's points multiplier, then its configured benefits. */
export const TierBenefit = Type.Union([PointsMultiplierBenefit, Benefit]);
export type TierBenefit = Static<typeof TierBenefit>;

const Benefits = Type.Array(Benefit, { maxItems: 20 });

export const TierBody = Type.Object(
  {
    code: TierCode,
    name: Text(32),
    rank: Type.Integer({ minimum: 0, maximum: 1000 }),
    growthThreshold: Type.Integer({ minimum: 0, maximum: 1_000_000_000 }),
    pointsMultiplierPct: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
    benefits: Type.Optional(Benefits),
  },
  { additionalProperties: false },
);
export type TierBody = Static<typeof TierBody>;

/** Everything but the code, which integrations and segment rules rely on. */
export const UpdateTierBody = Type.Object(
  {
    name: Type.Optional(Text(32)),
    rank: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
    growthThreshold: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000_000 })),
    pointsMultiplierPct: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
    benefits: Type.Optional(Benefits),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateTierBody = Static<typeof UpdateTierBody>;

export const Tier = Type.Object({
  id: Uuid,
  code: Type.String(),
  name: Type.String(),
  rank: Type.Integer(),
  growthThreshold: Type.Integer(),
  pointsMultiplierPct: Type.Integer(),
  benefits: Type.Array(Benefit),
  /** Members holding the tier now (active or frozen). */
  memberCount: Type.Integer(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Tier = Static<typeof Tier>;

export const TierSummary = Type.Object({
  id: Uuid,
  code: Type.String(),
  name: Type.String(),
  rank: Type.Integer(),
});
export type TierSummary = Static<typeof TierSummary>;

export const TierPolicy = Type.Object({
  evaluationMonths: Type.Integer({ minimum: 1, maximum: 60 }),
  protectionMonths: Type.Integer({ minimum: 0, maximum: 60 }),
  noticeDays: Type.Integer({ minimum: 0, maximum: 365 }),
});
export type TierPolicy = Static<typeof TierPolicy>;
export const UpdateTierPolicyBody = Type.Partial(TierPolicy, { additionalProperties: false, minProperties: 1 });
export type UpdateTierPolicyBody = Static<typeof UpdateTierPolicyBody>;

export const GrowthRules = Type.Object(
  {
    /** `spendGrowth` growth for every `spendUnitYuan` yuan paid, net of refunds (proportional, rounded down). */
    spendUnitYuan: Type.Integer({ minimum: 1, maximum: 10_000 }),
    spendGrowth: Type.Integer({ minimum: 0, maximum: 10_000 }),
    checkInGrowth: Type.Integer({ minimum: 0, maximum: 10_000 }),
    taskGrowth: Type.Integer({ minimum: 0, maximum: 100_000 }),
  },
  { additionalProperties: false },
);
export type GrowthRules = Static<typeof GrowthRules>;

export const MemberTerms = Type.Object({
  version: Type.String(),
  text: Type.String(),
  publishedAt: Timestamp,
  current: Type.Boolean(),
});
export type MemberTerms = Static<typeof MemberTerms>;
export const PublishTermsBody = Type.Object(
  { version: TermsVersion, text: Type.String({ minLength: 1, maxLength: 20_000 }) },
  { additionalProperties: false },
);
export type PublishTermsBody = Static<typeof PublishTermsBody>;

export const LoyaltySettings = Type.Object({
  tierPolicy: TierPolicy,
  growthRules: GrowthRules,
  terms: MemberTerms,
});
export type LoyaltySettings = Static<typeof LoyaltySettings>;

export const NextTier = Type.Object({
  tier: TierSummary,
  threshold: Type.Integer(),
  /** Growth still needed within the evaluation window. */
  remaining: Type.Integer(),
});

export const MemberGrowth = Type.Object({
  /** Growth in the evaluation window up to now: what decides the tier. */
  window: Type.Integer(),
  evaluationMonths: Type.Integer(),
  lifetime: Type.Integer(),
  next: Nullable(NextTier),
});

export const PendingDowngrade = Type.Object({ dueAt: Timestamp, toTier: Nullable(TierSummary) });

export const Member = Type.Object({
  customerId: Uuid,
  /** Masked unless the caller may see personal data. */
  name: Nullable(Type.String()),
  phone: Nullable(Type.String()),
  cardNo: Type.String(),
  status: MemberStatus,
  tier: TierSummary,
  growth: MemberGrowth,
  tierSince: Timestamp,
  tierProtectedUntil: Nullable(Timestamp),
  downgrade: Nullable(PendingDowngrade),
  joinChannel: Type.String(),
  termsVersion: Type.String(),
  consentedAt: Timestamp,
  inviteCode: Type.String(),
  invitedBy: Nullable(Uuid),
  joinedAt: Timestamp,
});
export type Member = Static<typeof Member>;

export const MemberListItem = Type.Object({
  customerId: Uuid,
  name: Nullable(Type.String()),
  phone: Nullable(Type.String()),
  cardNo: Type.String(),
  status: MemberStatus,
  tier: TierSummary,
  /** Growth in the evaluation window. */
  growth: Type.Integer(),
  joinedAt: Timestamp,
});
export type MemberListItem = Static<typeof MemberListItem>;

export const MemberListQuery = Type.Object(
  {
    ...PageQuery,
    /** Tier code. */
    tier: Type.Optional(TierCode),
    status: Type.Optional(MemberStatus),
    /** A phone number, a card number or part of a name. */
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false },
);
export type MemberListQuery = Static<typeof MemberListQuery>;

/**
 * Enrols a customer: named by `customerId`, or by `phone` and/or `identities` (resolved like any other call, a new
 * customer when none matches). The caller attests that the customer consented to the terms of `termsVersion`,
 * which must be the current version. Idempotent: a customer who is already a member gets that membership back.
 */
export const EnrolBody = Type.Object(
  {
    customerId: Type.Optional(Uuid),
    phone: Type.Optional(Type.String({ minLength: 5, maxLength: 32 })),
    identities: Type.Optional(Type.Array(IdentityInput, { minItems: 1, maxItems: 20 })),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    gender: Type.Optional(Gender),
    birthday: Type.Optional(Type.String({ format: 'date' })),
    termsVersion: TermsVersion,
    consent: Type.Literal(true),
    inviteCode: Type.Optional(InviteCode),
  },
  { additionalProperties: false },
);
export type EnrolBody = Static<typeof EnrolBody>;

export const EnrolResult = Type.Object({
  member: Member,
  /** False when the customer was already a member (nothing changed). */
  created: Type.Boolean(),
});
export type EnrolResult = Static<typeof EnrolResult>;

export const MemberStatusBody = Type.Object(
  { status: SettableMemberStatus, reason: Text(200) },
  { additionalProperties: false },
);
export type MemberStatusBody = Static<typeof MemberStatusBody>;

export const SetTierBody = Type.Object({ tierId: Uuid, reason: Text(200) }, { additionalProperties: false });
export type SetTierBody = Static<typeof SetTierBody>;

export const TierHistoryItem = Type.Object({
  id: Type.String(),
  fromTier: Nullable(TierSummary),
  toTier: TierSummary,
  reason: Type.Union(TIER_CHANGE_REASONS.map((r) => Type.Literal(r))),
  growth: Type.Integer(),
  actorId: Nullable(Type.String()),
  note: Nullable(Type.String()),
  at: Timestamp,
});
export type TierHistoryItem = Static<typeof TierHistoryItem>;

export const GrowthEntry = Type.Object({
  id: Type.String(),
  amount: Type.Integer(),
  cause: Type.String(),
  ref: Type.String(),
  /** When the growth counts for the evaluation window. */
  at: Timestamp,
  createdAt: Timestamp,
});
export type GrowthEntry = Static<typeof GrowthEntry>;

/** Exactly one of the three. */
export const MemberLookupQuery = Type.Object(
  {
    phone: Type.Optional(Type.String({ minLength: 5, maxLength: 32 })),
    cardNo: Type.Optional(CardNo),
    customerId: Type.Optional(Uuid),
  },
  { additionalProperties: false },
);
export type MemberLookupQuery = Static<typeof MemberLookupQuery>;

export const MemberLookup = Type.Object({
  customerId: Uuid,
  cardNo: Type.String(),
  status: MemberStatus,
  tier: Type.Object({
    id: Uuid,
    code: Type.String(),
    name: Type.String(),
    rank: Type.Integer(),
    pointsMultiplierPct: Type.Integer(),
  }),
  benefits: Type.Array(TierBenefit),
});
export type MemberLookup = Static<typeof MemberLookup>;

// The member H5.
const Slug = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{1,62}$' });

export const H5TermsQuery = Type.Object({ ws: Slug }, { additionalProperties: false });
export const H5Terms = Type.Object({
  workspace: Type.Object({ slug: Type.String(), name: Type.String() }),
  terms: Type.Object({ version: Type.String(), text: Type.String() }),
});
export type H5Terms = Static<typeof H5Terms>;

export const SendCodeBody = Type.Object(
  { ws: Slug, phone: Type.String({ minLength: 5, maxLength: 32 }) },
  { additionalProperties: false },
);
export type SendCodeBody = Static<typeof SendCodeBody>;
export const SendCodeResult = Type.Object({
  /** The number the code went to, masked. */
  phone: Type.String(),
  expiresInSeconds: Type.Integer(),
  resendInSeconds: Type.Integer(),
});
export type SendCodeResult = Static<typeof SendCodeResult>;

export const VerifyCodeBody = Type.Object(
  { ws: Slug, phone: Type.String({ minLength: 5, maxLength: 32 }), code: Type.String({ pattern: '^[0-9]{6}$' }) },
  { additionalProperties: false },
);
export type VerifyCodeBody = Static<typeof VerifyCodeBody>;

export const JoinBody = Type.Object(
  {
    termsVersion: TermsVersion,
    consent: Type.Literal(true),
    inviteCode: Type.Optional(InviteCode),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    birthday: Type.Optional(Type.String({ format: 'date' })),
    gender: Type.Optional(Gender),
  },
  { additionalProperties: false },
);
export type JoinBody = Static<typeof JoinBody>;

/** The member card as the member sees it. */
export const MemberCard = Type.Object({
  cardNo: Type.String(),
  status: MemberStatus,
  tier: TierSummary,
  growth: MemberGrowth,
  benefits: Type.Array(TierBenefit),
  downgrade: Nullable(PendingDowngrade),
  inviteCode: Type.String(),
  joinedAt: Timestamp,
  termsVersion: Type.String(),
  /** When newer than `termsVersion`, the H5 asks the member to read the new terms. */
  currentTermsVersion: Type.String(),
});
export type MemberCard = Static<typeof MemberCard>;

export const H5Me = Type.Object({
  customerId: Uuid,
  /** The verified phone number, masked. */
  phone: Nullable(Type.String()),
  member: Nullable(MemberCard),
});
export type H5Me = Static<typeof H5Me>;

export const VerifyCodeResult = Type.Object({
  /** Whether the signed-in customer already is a member; when not, the H5 shows the join form. */
  isMember: Type.Boolean(),
  card: Nullable(MemberCard),
});
export type VerifyCodeResult = Static<typeof VerifyCodeResult>;
