// Request and response shapes of the points ledger API (rules and scheduled rule changes, balances, lots and
// history, earning, redemption at checkout, reports), shared by the server and the console.
import { type Static, Type } from '@sinclair/typebox';
import { PageQuery, Timestamp, Uuid } from './foundation.ts';

const strict = { additionalProperties: false } as const;
const Points = Type.Integer({ minimum: 0, maximum: 1e9 });
const Cap = Type.Union([Type.Integer({ minimum: 1, maximum: 1e9 }), Type.Null()], {
  description: 'Most points per member in the period; null for no cap',
});
/** A calendar day in the workspace's time zone. */
export const LocalDate = Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])$' });

export const StreakBonus = Type.Object(
  {
    /** Day of the streak (in its cycle) that earns the bonus: 3 = the third day in a row. */
    day: Type.Integer({ minimum: 2, maximum: 366 }),
    points: Type.Integer({ minimum: 1, maximum: 1e6 }),
  },
  strict,
);

/** Every earn rule, the redemption rate and the expiry of a workspace's points programme. */
export const PointsRules = Type.Object(
  {
    purchase: Type.Object(
      {
        enabled: Type.Boolean(),
        /** Paid fen per point before the tier multiplier: 100 = 1 point per yuan. */
        fenPerPoint: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
        dailyCap: Cap,
        monthlyCap: Cap,
      },
      strict,
    ),
    checkIn: Type.Object(
      {
        enabled: Type.Boolean(),
        points: Type.Integer({ minimum: 0, maximum: 1e6 }),
        streakBonuses: Type.Array(StreakBonus, { maxItems: 31 }),
        /** Bonuses repeat every this many days of a streak (7: day 10 counts as day 3); 0 never repeats them. */
        cycleDays: Type.Integer({ minimum: 0, maximum: 366 }),
        monthlyCap: Cap,
      },
      strict,
    ),
    invite: Type.Object({ enabled: Type.Boolean(), points: Points, monthlyCap: Cap }, strict),
    interaction: Type.Object({ enabled: Type.Boolean(), points: Points, dailyCap: Cap, monthlyCap: Cap }, strict),
    task: Type.Object({ dailyCap: Cap, monthlyCap: Cap }, strict),
    redemption: Type.Object(
      {
        enabled: Type.Boolean(),
        /** The rate: `points` points are worth `valueFen` fen (100 points = 1000 fen = 10 yuan by default). */
        points: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
        valueFen: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
        /** Largest share of an order's amount that points may pay, in percent. */
        maxOrderSharePct: Type.Integer({ minimum: 1, maximum: 100 }),
        /** Fewest points one redemption may use. */
        minPoints: Points,
      },
      strict,
    ),
    /** Points expire this many months after the day they were earned, at the end of that day. */
    expiry: Type.Object({ months: Type.Integer({ minimum: 1, maximum: 120 }) }, strict),
  },
  strict,
);
export type PointsRules = Static<typeof PointsRules>;

export const RuleChange = Type.Object({
  id: Uuid,
  rules: PointsRules,
  /** First day the rules apply (workspace time zone); they take effect at its midnight. */
  effectiveOn: LocalDate,
  effectiveAt: Timestamp,
  note: Type.Union([Type.String(), Type.Null()]),
  status: Type.Union([
    Type.Literal('pending'),
    Type.Literal('active'),
    Type.Literal('superseded'),
    Type.Literal('cancelled'),
  ]),
  createdBy: Type.Union([Type.String(), Type.Null()]),
  createdAt: Timestamp,
  cancelledAt: Type.Union([Timestamp, Type.Null()]),
});
export type RuleChange = Static<typeof RuleChange>;

export const RulesOverview = Type.Object({
  current: PointsRules,
  /** When the current rules took effect; null while the built-in defaults apply. */
  effectiveAt: Type.Union([Timestamp, Type.Null()]),
  pending: Type.Array(RuleChange),
  /** Once points have been issued, rules change only by a change scheduled at least this many days ahead. */
  noticeDays: Type.Integer(),
  /** Earliest day a change scheduled now may take effect. */
  earliestEffectiveOn: LocalDate,
  /** True once points have been issued: `PUT /api/points/rules` is refused, changes must be scheduled. */
  locked: Type.Boolean(),
});
export type RulesOverview = Static<typeof RulesOverview>;

export const SetRulesBody = Type.Object({ rules: PointsRules }, strict);
export type SetRulesBody = Static<typeof SetRulesBody>;

export const RuleChangeBody = Type.Object(
  { rules: PointsRules, effectiveOn: LocalDate, note: Type.Optional(Type.String({ maxLength: 500 })) },
  strict,
);
export type RuleChangeBody = Static<typeof RuleChangeBody>;

/** A pending rule change as members see it (the H5's notice board). */
export const RuleNotice = Type.Object({
  id: Uuid,
  effectiveOn: LocalDate,
  note: Type.Union([Type.String(), Type.Null()]),
  rules: PointsRules,
  /** The rules in force today, for a before/after comparison. */
  previous: PointsRules,
});
export type RuleNotice = Static<typeof RuleNotice>;
export const NoticesQuery = Type.Object({ ws: Type.String({ minLength: 2, maxLength: 63 }) }, strict);

export const Lot = Type.Object({
  id: Type.Integer(),
  cause: Type.String(),
  points: Type.Integer(),
  remaining: Type.Integer(),
  earnedAt: Timestamp,
  expiresAt: Timestamp,
});
export type Lot = Static<typeof Lot>;

export const MemberPoints = Type.Object({
  customerId: Uuid,
  /** Spendable points: the sum of the open lots. */
  balance: Type.Integer(),
  /** Points the member owes (a refund took back points already spent); future earnings pay it off first. */
  debt: Type.Integer(),
  /** What the balance is worth at checkout at today's rate, in fen. */
  valueFen: Type.Integer(),
  expiringSoon: Type.Object({
    points: Type.Integer(),
    before: Timestamp,
    firstAt: Type.Union([Timestamp, Type.Null()]),
  }),
  lots: Type.Array(Lot),
});
export type MemberPoints = Static<typeof MemberPoints>;

export const Entry = Type.Object({
  account: Type.String(),
  amount: Type.Integer(),
  lotId: Type.Union([Type.Integer(), Type.Null()]),
});
export const TRANSACTION_KINDS = ['earn', 'spend', 'cancel', 'reverse', 'expire', 'adjust', 'transfer'] as const;
export type TransactionKind = (typeof TRANSACTION_KINDS)[number];
export const LedgerTransaction = Type.Object({
  id: Type.Integer(),
  kind: Type.Union(TRANSACTION_KINDS.map((k) => Type.Literal(k))),
  cause: Type.String(),
  key: Type.String(),
  customerId: Uuid,
  /** Points moved by the transaction (always positive). */
  amount: Type.Integer(),
  /** Change of the member's balance (negative when points left it). */
  points: Type.Integer(),
  /** Change of the member's debt. */
  debtChange: Type.Integer(),
  balanceAfter: Type.Integer(),
  debtAfter: Type.Integer(),
  reason: Type.Union([Type.String(), Type.Null()]),
  actorName: Type.Union([Type.String(), Type.Null()]),
  details: Type.Record(Type.String(), Type.Unknown()),
  at: Timestamp,
  entries: Type.Array(Entry),
});
export type LedgerTransaction = Static<typeof LedgerTransaction>;
export const HistoryQuery = Type.Object({ ...PageQuery }, strict);

export const CustomerParams = Type.Object({ customerId: Uuid }, strict);

export const AdjustmentBody = Type.Object(
  {
    /** Points to add (positive) or take away (negative). */
    points: Type.Integer({ minimum: -1e9, maximum: 1e9, not: { const: 0 } }),
    reason: Type.String({ minLength: 1, maxLength: 200 }),
  },
  strict,
);
export type AdjustmentBody = Static<typeof AdjustmentBody>;

/** An earning or a spend posted by an external system (POS, e-commerce, a partner's app) through the points API. */
export const PointsPostingBody = Type.Object(
  {
    customerId: Uuid,
    points: Type.Integer({ minimum: 1, maximum: 1e9 }),
    /** What the points are for, as the calling system names it (task, game, partner …); `api` when not given. */
    cause: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9_]{0,31}$' })),
    /** The caller's id for this posting, posted once however often it is sent; or the Idempotency-Key header. */
    key: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  strict,
);
export type PointsPostingBody = Static<typeof PointsPostingBody>;
export const PointsPosting = Type.Object({
  id: Type.Integer(),
  kind: Type.Union([Type.Literal('earn'), Type.Literal('spend')]),
  cause: Type.String(),
  /** The caller's key. */
  key: Type.String(),
  customerId: Uuid,
  amount: Type.Integer(),
  points: Type.Integer(),
  balanceAfter: Type.Integer(),
  at: Timestamp,
  /** True when the key was posted before: this is the first posting's answer, nothing was posted again. */
  replayed: Type.Boolean(),
});
export type PointsPosting = Static<typeof PointsPosting>;

export const CheckInBody = Type.Object({ customerId: Uuid }, strict);
export const CheckIn = Type.Object({
  customerId: Uuid,
  date: LocalDate,
  streak: Type.Integer(),
  points: Type.Integer(),
  /** False when the member had already checked in that day: the first check-in is returned. */
  created: Type.Boolean(),
  balance: Type.Integer(),
});
export type CheckIn = Static<typeof CheckIn>;

export const InteractionBody = Type.Object(
  {
    customerId: Uuid,
    /** What happened: group_message, post_comment, share … */
    kind: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9_.-]+$' }),
    /** The source's id for this interaction: the same key is counted once. */
    key: Type.String({ minLength: 1, maxLength: 200 }),
  },
  strict,
);
export type InteractionBody = Static<typeof InteractionBody>;
export const Interaction = Type.Object({
  key: Type.String(),
  customerId: Uuid,
  kind: Type.String(),
  points: Type.Integer(),
  /** True when a cap (or a disabled rule) kept the points below the rule's amount. */
  capped: Type.Boolean(),
  created: Type.Boolean(),
  at: Timestamp,
});
export type Interaction = Static<typeof Interaction>;

export const TASK_FREQUENCIES = ['once', 'daily', 'repeatable'] as const;
export type TaskFrequency = (typeof TASK_FREQUENCIES)[number];
export const TaskBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64 }),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    points: Type.Integer({ minimum: 1, maximum: 1e6 }),
    /** once per member, once per member and day, or any number of times (each completion brings its own key). */
    frequency: Type.Union(TASK_FREQUENCIES.map((f) => Type.Literal(f))),
    startsAt: Type.Optional(Type.Union([Timestamp, Type.Null()])),
    endsAt: Type.Optional(Type.Union([Timestamp, Type.Null()])),
  },
  strict,
);
export type TaskBody = Static<typeof TaskBody>;
export const UpdateTaskBody = Type.Partial(Type.Object({ ...TaskBody.properties, archived: Type.Boolean() }, strict), {
  additionalProperties: false,
  minProperties: 1,
});
export type UpdateTaskBody = Static<typeof UpdateTaskBody>;
export const Task = Type.Object({
  id: Uuid,
  name: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  points: Type.Integer(),
  frequency: Type.Union(TASK_FREQUENCIES.map((f) => Type.Literal(f))),
  startsAt: Type.Union([Timestamp, Type.Null()]),
  endsAt: Type.Union([Timestamp, Type.Null()]),
  archived: Type.Boolean(),
  completions: Type.Integer(),
  createdAt: Timestamp,
});
export type Task = Static<typeof Task>;
export const TaskListQuery = Type.Object({ includeArchived: Type.Optional(Type.Boolean()) }, strict);
export const TaskCompletionBody = Type.Object(
  {
    customerId: Uuid,
    /** Required for repeatable tasks: the source's id of this completion. */
    key: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  strict,
);
export type TaskCompletionBody = Static<typeof TaskCompletionBody>;
export const TaskCompletion = Type.Object({
  taskId: Uuid,
  customerId: Uuid,
  key: Type.String(),
  points: Type.Integer(),
  capped: Type.Boolean(),
  created: Type.Boolean(),
  at: Timestamp,
});
export type TaskCompletion = Static<typeof TaskCompletion>;

const Fen = Type.Integer({ minimum: 1, maximum: 1e13 });
const OrderNo = Type.String({ minLength: 1, maxLength: 64, pattern: '^[^\\s/]+$' });
export const QuoteQuery = Type.Object({ customerId: Uuid, orderAmountFen: Fen }, strict);
export type QuoteQuery = Static<typeof QuoteQuery>;
export const Quote = Type.Object({
  customerId: Uuid,
  balance: Type.Integer(),
  debt: Type.Integer(),
  orderAmountFen: Type.Integer(),
  /** Most points this order may use: the balance, the share cap and the rate's step all respected. */
  maxPoints: Type.Integer(),
  maxValueFen: Type.Integer(),
  /** Points must be a multiple of this so that their value is whole fen. */
  step: Type.Integer(),
  minPoints: Type.Integer(),
  rate: Type.Object({ points: Type.Integer(), valueFen: Type.Integer() }),
  maxOrderSharePct: Type.Integer(),
  enabled: Type.Boolean(),
});
export type Quote = Static<typeof Quote>;

export const RedemptionBody = Type.Object(
  {
    customerId: Uuid,
    /** The order the points pay for: its number is the idempotency key of the redemption. */
    orderNo: OrderNo,
    orderAmountFen: Fen,
    points: Type.Integer({ minimum: 1, maximum: 1e9 }),
  },
  strict,
);
export type RedemptionBody = Static<typeof RedemptionBody>;
export const OrderNoParams = Type.Object({ orderNo: OrderNo }, strict);
export const Redemption = Type.Object({
  orderNo: Type.String(),
  customerId: Uuid,
  points: Type.Integer(),
  valueFen: Type.Integer(),
  orderAmountFen: Type.Integer(),
  status: Type.Union([Type.Literal('redeemed'), Type.Literal('cancelled')]),
  transactionId: Type.Integer(),
  cancelTransactionId: Type.Union([Type.Integer(), Type.Null()]),
  /** The member's balance right after this redemption (or its cancellation). */
  balance: Type.Integer(),
  createdAt: Timestamp,
  cancelledAt: Type.Union([Timestamp, Type.Null()]),
});
export type Redemption = Static<typeof Redemption>;

export const LeaderboardParams = Type.Object(
  { period: Type.Union([Type.Literal('week'), Type.Literal('month')]) },
  strict,
);
export const LeaderboardQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 10 })),
    /** A day inside the period to show (default today). */
    date: Type.Optional(LocalDate),
    /** Also answer this member's own rank. */
    customerId: Type.Optional(Uuid),
  },
  strict,
);
export type LeaderboardQuery = Static<typeof LeaderboardQuery>;
export const LeaderboardRow = Type.Object({
  rank: Type.Integer(),
  customerId: Uuid,
  name: Type.Union([Type.String(), Type.Null()]),
  cardNo: Type.Union([Type.String(), Type.Null()]),
  points: Type.Integer(),
});
export const Leaderboard = Type.Object({
  period: Type.Union([Type.Literal('week'), Type.Literal('month')]),
  from: LocalDate,
  to: LocalDate,
  items: Type.Array(LeaderboardRow),
  /** The asked-for member's rank: null when not asked, or when they earned nothing in the period. */
  me: Type.Union([LeaderboardRow, Type.Null()]),
  participants: Type.Integer(),
});
export type Leaderboard = Static<typeof Leaderboard>;

export const LiabilityMonth = Type.Object({
  /** Month the points expire in, YYYY-MM (workspace time zone). */
  month: Type.String(),
  points: Type.Integer(),
  valueFen: Type.Integer(),
  members: Type.Integer(),
});
export const Liability = Type.Object({
  months: Type.Array(LiabilityMonth),
  totalPoints: Type.Integer(),
  totalValueFen: Type.Integer(),
  members: Type.Integer(),
  /** Points members owe after refunds of points already spent. */
  debtPoints: Type.Integer(),
  rate: Type.Object({ points: Type.Integer(), valueFen: Type.Integer() }),
  asOf: Timestamp,
});
export type Liability = Static<typeof Liability>;

export const LedgerViolation = Type.Object({
  kind: Type.String(),
  workspaceId: Uuid,
  subject: Type.String(),
  expected: Type.Union([Type.Integer(), Type.Null()]),
  actual: Type.Union([Type.Integer(), Type.Null()]),
});
export type LedgerViolation = Static<typeof LedgerViolation>;
export const LedgerCheck = Type.Object({
  ok: Type.Boolean(),
  workspaces: Type.Integer(),
  transactions: Type.Integer(),
  entries: Type.Integer(),
  memberAccounts: Type.Integer(),
  lots: Type.Integer(),
  outstandingPoints: Type.Integer(),
  debtPoints: Type.Integer(),
  violations: Type.Array(LedgerViolation),
  checkedAt: Timestamp,
});
export type LedgerCheck = Static<typeof LedgerCheck>;
