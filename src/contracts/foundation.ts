// Request and response shapes of the foundation API (auth, staff, API keys, audit, jobs), shared by the
// server (validation + OpenAPI) and the console (types). Rename a field here and both sides fail to typecheck.
import { type Static, Type } from '@sinclair/typebox';

export const ROLES = ['owner', 'admin', 'operator', 'guide', 'analyst', 'auditor'] as const;
export const Role = Type.Union(ROLES.map((r) => Type.Literal(r)));
export type Role = (typeof ROLES)[number];

export const Uuid = Type.String({ format: 'uuid' });
export const Timestamp = Type.String({ format: 'date-time' });

/** Every list endpoint answers `{ items, nextCursor }`; pass `nextCursor` back as `cursor` for the next page. */
export const PageQuery = {
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
};
export const page = <T extends ReturnType<typeof Type.Object>>(item: T) =>
  Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) });
export type Page<T> = { items: T[]; nextCursor: string | null };

export const ErrorBody = Type.Object({
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    details: Type.Optional(Type.Unknown()),
  }),
});
export type ErrorBody = Static<typeof ErrorBody>;

export const Workspace = Type.Object({
  id: Uuid,
  slug: Type.String(),
  name: Type.String(),
  timezone: Type.String(),
  locale: Type.String(),
});
export type Workspace = Static<typeof Workspace>;

export const StaffStatus = Type.Union([Type.Literal('active'), Type.Literal('disabled')]);
export const Staff = Type.Object({
  id: Uuid,
  name: Type.String(),
  email: Type.Union([Type.String(), Type.Null()]),
  phone: Type.Union([Type.String(), Type.Null()]),
  department: Type.Union([Type.String(), Type.Null()]),
  role: Role,
  status: StaffStatus,
  lastLoginAt: Type.Union([Timestamp, Type.Null()]),
  createdAt: Timestamp,
});
export type Staff = Static<typeof Staff>;

export const LoginBody = Type.Object(
  {
    /** Workspace slug; needed only when the same login exists in several workspaces. */
    workspace: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    /** E-mail address or phone number of the staff account. */
    login: Type.String({ minLength: 3, maxLength: 254 }),
    password: Type.String({ minLength: 1, maxLength: 256 }),
  },
  { additionalProperties: false },
);
export type LoginBody = Static<typeof LoginBody>;

export const Session = Type.Object({
  staff: Staff,
  workspace: Workspace,
  /** Send back as the `X-CSRF-Token` header on every state-changing request made with the session cookie. */
  csrfToken: Type.String(),
  permissions: Type.Array(Type.String()),
});
export type Session = Static<typeof Session>;

export const CreateStaffBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64 }),
    email: Type.Optional(Type.String({ format: 'email', maxLength: 254 })),
    phone: Type.Optional(Type.String({ minLength: 5, maxLength: 32 })),
    department: Type.Optional(Type.String({ maxLength: 64 })),
    role: Role,
    /** When omitted a password is generated and returned once as `initialPassword`. */
    password: Type.Optional(Type.String({ minLength: 10, maxLength: 256 })),
  },
  { additionalProperties: false },
);
export type CreateStaffBody = Static<typeof CreateStaffBody>;
export const CreatedStaff = Type.Object({
  staff: Staff,
  initialPassword: Type.Union([Type.String(), Type.Null()]),
});
export type CreatedStaff = Static<typeof CreatedStaff>;

export const UpdateStaffBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    department: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
    role: Type.Optional(Role),
    status: Type.Optional(StaffStatus),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateStaffBody = Static<typeof UpdateStaffBody>;

export const StaffListQuery = Type.Object(
  {
    ...PageQuery,
    role: Type.Optional(Role),
    status: Type.Optional(StaffStatus),
    q: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);
export type StaffListQuery = Static<typeof StaffListQuery>;

export const ApiKey = Type.Object({
  id: Uuid,
  name: Type.String(),
  /** The first characters of the key, enough to recognise it; the key itself is never shown again. */
  prefix: Type.String(),
  role: Role,
  createdAt: Timestamp,
  lastUsedAt: Type.Union([Timestamp, Type.Null()]),
  revokedAt: Type.Union([Timestamp, Type.Null()]),
});
export type ApiKey = Static<typeof ApiKey>;
export const CreateApiKeyBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64 }),
    /** The role the key acts with; defaults to operator. Owner keys cannot be created. */
    role: Type.Optional(Role),
  },
  { additionalProperties: false },
);
export type CreateApiKeyBody = Static<typeof CreateApiKeyBody>;
export const CreatedApiKey = Type.Object({ apiKey: ApiKey, secret: Type.String() });
export type CreatedApiKey = Static<typeof CreatedApiKey>;

export const AuditEntry = Type.Object({
  id: Type.String(),
  at: Timestamp,
  actorType: Type.String(),
  actorId: Type.Union([Type.String(), Type.Null()]),
  actorName: Type.Union([Type.String(), Type.Null()]),
  action: Type.String(),
  targetType: Type.Union([Type.String(), Type.Null()]),
  targetId: Type.Union([Type.String(), Type.Null()]),
  ip: Type.Union([Type.String(), Type.Null()]),
  requestId: Type.Union([Type.String(), Type.Null()]),
  details: Type.Unknown(),
});
export type AuditEntry = Static<typeof AuditEntry>;
export const AuditQuery = Type.Object(
  {
    ...PageQuery,
    actorId: Type.Optional(Type.String({ maxLength: 64 })),
    action: Type.Optional(Type.String({ maxLength: 64 })),
    targetType: Type.Optional(Type.String({ maxLength: 64 })),
    targetId: Type.Optional(Type.String({ maxLength: 64 })),
    from: Type.Optional(Timestamp),
    to: Type.Optional(Timestamp),
  },
  { additionalProperties: false },
);
export type AuditQuery = Static<typeof AuditQuery>;

export const JOB_STATES = ['queued', 'running', 'succeeded', 'dead'] as const;
export const Job = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  state: Type.String(),
  attempts: Type.Integer(),
  maxAttempts: Type.Integer(),
  runAt: Timestamp,
  lastError: Type.Union([Type.String(), Type.Null()]),
  payload: Type.Unknown(),
  createdAt: Timestamp,
  finishedAt: Type.Union([Timestamp, Type.Null()]),
});
export type Job = Static<typeof Job>;
export const JobListQuery = Type.Object(
  { ...PageQuery, state: Type.Optional(Type.Union(JOB_STATES.map((s) => Type.Literal(s)))) },
  { additionalProperties: false },
);
