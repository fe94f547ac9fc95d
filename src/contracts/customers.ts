// Request and response shapes of the customers API, shared by the server and the console.
import { type Static, Type } from '@sinclair/typebox';
import { PageQuery, Timestamp, Uuid } from './foundation.ts';
import { IDENTITY_KINDS } from './identity-kinds.ts';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

export const IdentityKind = Type.Union(IDENTITY_KINDS.map((k) => Type.Literal(k)));

export const IdentityInput = Type.Object(
  {
    kind: IdentityKind,
    value: Type.String({ minLength: 1, maxLength: 256 }),
    appId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false },
);
export type IdentityInput = Static<typeof IdentityInput>;

export const CustomerIdentity = Type.Object({
  kind: Type.String(),
  appId: Type.String(),
  value: Type.String(),
  createdAt: Timestamp,
});

export const Gender = Type.Union([Type.Literal('male'), Type.Literal('female'), Type.Literal('unknown')]);

export const ProfileFields = {
  name: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
  gender: Type.Optional(Gender),
  birthday: Type.Optional(Nullable(Type.String({ format: 'date' }))),
  region: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
  city: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
  phone: Type.Optional(Nullable(Type.String({ maxLength: 32 }))),
  email: Type.Optional(Nullable(Type.String({ format: 'email', maxLength: 254 }))),
  occupation: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
  interests: Type.Optional(Type.Array(Type.String({ maxLength: 32 }), { maxItems: 50 })),
  sourceChannel: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
  custom: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
};

export const CreateCustomerBody = Type.Object(
  { ...ProfileFields, identities: Type.Array(IdentityInput, { minItems: 1, maxItems: 20 }) },
  { additionalProperties: false },
);
export type CreateCustomerBody = Static<typeof CreateCustomerBody>;

export const UpdateCustomerBody = Type.Object(ProfileFields, { additionalProperties: false, minProperties: 1 });
export type UpdateCustomerBody = Static<typeof UpdateCustomerBody>;

export const Customer = Type.Object({
  id: Uuid,
  seq: Type.Integer(),
  name: Type.Union([Type.String(), Type.Null()]),
  gender: Gender,
  birthday: Type.Union([Type.String(), Type.Null()]),
  region: Type.Union([Type.String(), Type.Null()]),
  city: Type.Union([Type.String(), Type.Null()]),
  phone: Type.Union([Type.String(), Type.Null()]),
  email: Type.Union([Type.String(), Type.Null()]),
  occupation: Type.Union([Type.String(), Type.Null()]),
  interests: Type.Array(Type.String()),
  sourceChannel: Type.Union([Type.String(), Type.Null()]),
  firstSeenAt: Type.Union([Timestamp, Type.Null()]),
  lastSeenAt: Type.Union([Timestamp, Type.Null()]),
  memberStatus: Type.String(),
  custom: Type.Record(Type.String(), Type.Unknown()),
  createdAt: Timestamp,
});
export type Customer = Static<typeof Customer>;

export const CustomerDetail = Type.Object({
  customer: Customer,
  identities: Type.Array(CustomerIdentity),
  merges: Type.Array(
    Type.Object({
      id: Uuid,
      survivorId: Uuid,
      mergedId: Uuid,
      reason: Type.String(),
      mergedAt: Timestamp,
      unmergedAt: Type.Union([Timestamp, Type.Null()]),
    }),
  ),
});
export type CustomerDetail = Static<typeof CustomerDetail>;

export const CustomerListQuery = Type.Object(
  {
    ...PageQuery,
    /** Name, phone, e-mail or any identity value. */
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    city: Type.Optional(Type.String({ maxLength: 64 })),
    gender: Type.Optional(Gender),
    sourceChannel: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);
export type CustomerListQuery = Static<typeof CustomerListQuery>;

export const MergeBody = Type.Object(
  { survivorId: Uuid, mergedId: Uuid, reason: Type.Optional(Type.String({ maxLength: 200 })) },
  { additionalProperties: false },
);
export type MergeBody = Static<typeof MergeBody>;

export const CustomFieldBody = Type.Object(
  {
    key: Type.String({ pattern: '^[a-z][a-z0-9_]{0,39}$' }),
    label: Type.String({ minLength: 1, maxLength: 64 }),
    type: Type.Union(['text', 'number', 'date', 'single_choice', 'multi_choice'].map((t) => Type.Literal(t))),
    options: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 100 })),
    required: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type CustomFieldBody = Static<typeof CustomFieldBody>;
export const CustomField = Type.Object({
  key: Type.String(),
  label: Type.String(),
  type: Type.String(),
  options: Type.Array(Type.String()),
  required: Type.Boolean(),
  /** Archived fields keep their values but take no new ones; null while in use. */
  archivedAt: Type.Union([Timestamp, Type.Null()]),
});
/** Type and key never change; choices may only be added (customers may hold any existing one). */
export const UpdateCustomFieldBody = Type.Object(
  {
    label: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    required: Type.Optional(Type.Boolean()),
    options: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 100 })),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateCustomFieldBody = Static<typeof UpdateCustomFieldBody>;
export const CustomFieldListQuery = Type.Object(
  { includeArchived: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);
export const CustomFieldParams = Type.Object(
  { key: Type.String({ pattern: '^[a-z][a-z0-9_]{0,39}$' }) },
  { additionalProperties: false },
);

export const TimelineItem = Type.Object({
  source: Type.String(),
  id: Type.String(),
  at: Timestamp,
  kind: Type.String(),
  title: Type.String(),
  data: Type.Record(Type.String(), Type.Unknown()),
});
export const TimelineQuery = Type.Object(
  {
    cursor: Type.Optional(Type.String({ maxLength: 300 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  },
  { additionalProperties: false },
);
