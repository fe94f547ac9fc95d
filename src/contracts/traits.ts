// Request and response shapes of the traits API (computed traits with explanations, lifecycle thresholds),
// shared by the server and the console.
import { type Static, Type } from '@sinclair/typebox';
import { Timestamp, Uuid } from './foundation.ts';

const Nullable = <T extends ReturnType<typeof Type.Integer | typeof Type.String | typeof Type.Number>>(t: T) =>
  Type.Union([t, Type.Null()]);
const Days = Type.Integer({ minimum: 1, maximum: 3650 });

/** Days and counts that place a customer in a lifecycle stage; see src/modules/traits/README.md. */
export const LifecycleThresholds = Type.Object(
  {
    introductionDays: Days,
    stableOrders: Type.Integer({ minimum: 2, maximum: 1000 }),
    declineAfterDays: Days,
    churnAfterDays: Days,
    leadChurnAfterDays: Days,
  },
  { additionalProperties: false },
);
export type LifecycleThresholds = Static<typeof LifecycleThresholds>;

const Explained = { label: Type.String() };

export const CustomerTraits = Type.Object({
  customerId: Uuid,
  /** When the stored values last changed; null when the customer has not been computed yet (shown live). */
  computedAt: Nullable(Timestamp),
  orderCount: Type.Integer(),
  firstOrderAt: Nullable(Timestamp),
  lastOrderAt: Nullable(Timestamp),
  rfm: Type.Object({
    recencyDays: Nullable(Type.Integer()),
    frequency: Type.Integer(),
    monetaryFen: Type.Integer(),
    scores: Type.Union([Type.Object({ r: Type.Integer(), f: Type.Integer(), m: Type.Integer() }), Type.Null()]),
    group: Nullable(Type.String()),
    groupLabel: Nullable(Type.String()),
    /** One sentence per score: what the value was and what the score means. */
    explanation: Type.Array(Type.String()),
  }),
  lifecycle: Type.Object({ stage: Type.String(), ...Explained }),
  clv: Type.Object({
    historicFen: Type.Integer(),
    predictedFen: Type.Integer(),
    totalFen: Type.Integer(),
    model: Type.String(),
    expectedOrders: Nullable(Type.Number()),
    expectedOrderValueFen: Nullable(Type.Integer()),
    probabilityAlive: Nullable(Type.Number()),
    ...Explained,
  }),
  churn: Type.Object({
    risk: Type.Integer(),
    factors: Type.Array(
      Type.Object({
        factor: Type.String(),
        weight: Type.Integer(),
        detail: Type.Record(Type.String(), Type.Number()),
        ...Explained,
      }),
    ),
  }),
  preferredChannel: Nullable(Type.String()),
  activeHour: Nullable(Type.Integer()),
});
export type CustomerTraits = Static<typeof CustomerTraits>;

/** The queued recompute job; follow it at GET /api/jobs. */
export const RecomputeAccepted = Type.Object({ jobId: Type.String() });
