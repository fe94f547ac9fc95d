// Request and response shapes of the relationships module (guides and the customers they own through WeCom,
// transfers, churn, notifications, follow-up SOP, scripts, the guide dashboard) and the payload of the domain events
// it publishes, shared by the server and the console.
import { type Static, Type } from '@sinclair/typebox';
import { PageQuery, Timestamp, Uuid } from './foundation.ts';

const Nullable = <T extends ReturnType<typeof Type.String> | ReturnType<typeof Type.Integer>>(t: T) =>
  Type.Union([t, Type.Null()]);

/** A WeCom member's UserID as the admin console lets one be typed: letters, digits and _ - . @, up to 64. */
export const WecomUserId = Type.String({ pattern: '^[A-Za-z0-9_.@-]{1,64}$' });

// ---------------------------------------------------------------------------------------------------------------
// Guides.

export const GUIDE_STATUSES = ['active', 'resigned'] as const;
export type GuideStatus = (typeof GUIDE_STATUSES)[number];

export const Guide = Type.Object({
  staffId: Uuid,
  name: Type.String(),
  role: Type.String(),
  department: Nullable(Type.String()),
  /** Whether the staff account can sign in (the staff module's status). */
  staffStatus: Type.String(),
  wecomUserId: Type.String(),
  managerStaffId: Nullable(Uuid),
  managerName: Nullable(Type.String()),
  status: Type.Union(GUIDE_STATUSES.map((s) => Type.Literal(s))),
  resignedAt: Nullable(Timestamp),
  /** Customers with an active relationship to this guide. */
  customerCount: Type.Integer(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Guide = Static<typeof Guide>;

export const GuideParams = Type.Object({ staffId: Uuid }, { additionalProperties: false });

export const LinkGuideBody = Type.Object(
  {
    wecomUserId: WecomUserId,
    /** Who hears about this guide's churn; null for nobody in particular (owners are told instead). */
    managerStaffId: Type.Optional(Type.Union([Uuid, Type.Null()])),
  },
  { additionalProperties: false },
);
export type LinkGuideBody = Static<typeof LinkGuideBody>;

export const GuideListQuery = Type.Object(
  { status: Type.Optional(Type.Union(GUIDE_STATUSES.map((s) => Type.Literal(s)))) },
  { additionalProperties: false },
);
export type GuideListQuery = Static<typeof GuideListQuery>;

export const ResignGuideBody = Type.Object(
  {
    /** Hand every active customer of the resigned guide to this guide (WeCom's 离职继承); omit to decide later. */
    takeoverStaffId: Type.Optional(Uuid),
  },
  { additionalProperties: false },
);
export type ResignGuideBody = Static<typeof ResignGuideBody>;

export const ResignResult = Type.Object({
  guide: Guide,
  /** The succession requested with the resignation, when a takeover guide was given. */
  succession: Type.Union([
    Type.Object({ batchId: Uuid, requested: Type.Integer(), rejected: Type.Integer() }),
    Type.Null(),
  ]),
});
export type ResignResult = Static<typeof ResignResult>;

/** An active staff member not yet linked to a WeCom member, who can become a guide (or be a manager). */
export const StaffChoice = Type.Object({
  staffId: Uuid,
  name: Type.String(),
  role: Type.String(),
  department: Nullable(Type.String()),
  linked: Type.Boolean(),
});
export type StaffChoice = Static<typeof StaffChoice>;

/** A WeCom member that customers follow but no staff account is linked to yet. */
export const UnlinkedWecomUser = Type.Object({
  wecomUserId: Type.String(),
  activeCustomers: Type.Integer(),
  firstAddedAt: Nullable(Timestamp),
  lastAddedAt: Nullable(Timestamp),
});
export type UnlinkedWecomUser = Static<typeof UnlinkedWecomUser>;

// ---------------------------------------------------------------------------------------------------------------
// Relationships.

export const RELATIONSHIP_STATUSES = [
  'active',
  'deleted_by_customer',
  'deleted_by_guide',
  'transferred',
  /** Gone from WeCom's follow list, found by a sync that saw no callback saying who ended it. */
  'ended',
] as const;
export type RelationshipStatus = (typeof RELATIONSHIP_STATUSES)[number];

/** How a relationship became known: a customer's add, a transfer to the guide, or a sync that found it. */
export const RELATIONSHIP_ORIGINS = ['add', 'transfer', 'sync'] as const;
export type RelationshipOrigin = (typeof RELATIONSHIP_ORIGINS)[number];

export const WecomFollowTag = Type.Object({ groupName: Type.String(), tagName: Type.String() });

export const Relationship = Type.Object({
  id: Uuid,
  customerId: Uuid,
  customerName: Nullable(Type.String()),
  guideStaffId: Nullable(Uuid),
  guideName: Nullable(Type.String()),
  wecomUserId: Type.String(),
  externalUserId: Type.String(),
  /** The customer's WeChat name and avatar as WeCom gave them. */
  contactName: Nullable(Type.String()),
  contactAvatar: Nullable(Type.String()),
  /** The contact way's `state` (channel code) the customer added through. */
  state: Nullable(Type.String()),
  /** WeCom's add_way: 1 QR code, 2 phone search, 3 shared card, 201 a transfer … (0 unknown). */
  addWay: Type.Integer(),
  addedAt: Nullable(Timestamp),
  remark: Type.String(),
  description: Type.String(),
  wecomTags: Type.Array(WecomFollowTag),
  /** Added without verification (add_half_external_contact) and not confirmed by a later add yet. */
  pending: Type.Boolean(),
  status: Type.Union(RELATIONSHIP_STATUSES.map((s) => Type.Literal(s))),
  origin: Type.Union(RELATIONSHIP_ORIGINS.map((s) => Type.Literal(s))),
  endedAt: Nullable(Timestamp),
  createdAt: Timestamp,
});
export type Relationship = Static<typeof Relationship>;

export const RelationshipListQuery = Type.Object(
  {
    ...PageQuery,
    guideStaffId: Type.Optional(Uuid),
    status: Type.Optional(Type.Union(RELATIONSHIP_STATUSES.map((s) => Type.Literal(s)))),
    state: Type.Optional(Type.String({ minLength: 1, maxLength: 30 })),
  },
  { additionalProperties: false },
);
export type RelationshipListQuery = Static<typeof RelationshipListQuery>;

export const SYNC_STATUSES = ['running', 'succeeded', 'failed'] as const;
export const SyncRun = Type.Object({
  id: Uuid,
  trigger: Type.Union([Type.Literal('manual'), Type.Literal('schedule')]),
  status: Type.Union(SYNC_STATUSES.map((s) => Type.Literal(s))),
  startedAt: Timestamp,
  finishedAt: Nullable(Timestamp),
  guides: Type.Integer(),
  guidesDone: Type.Integer(),
  /** Follow relationships WeCom listed. */
  contacts: Type.Integer(),
  /** Relationships the callbacks had missed (created), ones WeCom no longer lists (ended), ones refreshed. */
  created: Type.Integer(),
  ended: Type.Integer(),
  updated: Type.Integer(),
  errors: Type.Array(Type.Object({ wecomUserId: Type.String(), code: Type.String(), message: Type.String() })),
});
export type SyncRun = Static<typeof SyncRun>;

// ---------------------------------------------------------------------------------------------------------------
// Transfers (in-service 在职转接 and resigned-staff succession 离职继承).

export const TRANSFER_KINDS = ['in_service', 'resigned'] as const;
export type TransferKind = (typeof TRANSFER_KINDS)[number];
export const TRANSFER_STATUSES = ['waiting', 'succeeded', 'failed'] as const;
export type TransferStatus = (typeof TRANSFER_STATUSES)[number];

/** WeCom lets one call hand over at most 100 customers. */
export const MAX_TRANSFER_CUSTOMERS = 100;

export const TransferBody = Type.Object(
  {
    handoverStaffId: Uuid,
    takeoverStaffId: Uuid,
    customerIds: Type.Array(Uuid, { minItems: 1, maxItems: MAX_TRANSFER_CUSTOMERS, uniqueItems: true }),
    /** What the customer reads in WeCom (in-service transfers only); WeCom's default text when absent. */
    message: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type TransferBody = Static<typeof TransferBody>;

export const ResignedTransferBody = Type.Object(
  {
    handoverStaffId: Uuid,
    takeoverStaffId: Uuid,
    /** Only these customers; every active customer of the resigned guide when absent (sent 100 at a time). */
    customerIds: Type.Optional(Type.Array(Uuid, { minItems: 1, maxItems: 10_000, uniqueItems: true })),
  },
  { additionalProperties: false },
);
export type ResignedTransferBody = Static<typeof ResignedTransferBody>;

export const Transfer = Type.Object({
  id: Uuid,
  batchId: Uuid,
  kind: Type.Union(TRANSFER_KINDS.map((k) => Type.Literal(k))),
  customerId: Uuid,
  customerName: Nullable(Type.String()),
  externalUserId: Type.String(),
  handoverStaffId: Nullable(Uuid),
  handoverName: Nullable(Type.String()),
  handoverUserId: Type.String(),
  takeoverStaffId: Nullable(Uuid),
  takeoverName: Nullable(Type.String()),
  takeoverUserId: Type.String(),
  message: Nullable(Type.String()),
  status: Type.Union(TRANSFER_STATUSES.map((s) => Type.Literal(s))),
  /**
   * Why it failed: customer_refused, customer_limit_exceed (the takeover guide is full), no_transfer (WeCom has no
   * such transfer), not_owned (the handover guide no longer had the customer), or the wecom.* code of WeCom's refusal.
   */
  failReason: Nullable(Type.String()),
  /** The failure reason in the caller's language. */
  failMessage: Nullable(Type.String()),
  requestedAt: Timestamp,
  requestedByName: Nullable(Type.String()),
  /** When the takeover guide gets (or got) the customer, as WeCom says. */
  takeoverAt: Nullable(Timestamp),
  settledAt: Nullable(Timestamp),
  retryOf: Nullable(Uuid),
  /** The transfer that retried this failed one, if any. */
  retriedBy: Nullable(Uuid),
});
export type Transfer = Static<typeof Transfer>;

export const TransferListQuery = Type.Object(
  {
    ...PageQuery,
    status: Type.Optional(Type.Union(TRANSFER_STATUSES.map((s) => Type.Literal(s)))),
    kind: Type.Optional(Type.Union(TRANSFER_KINDS.map((k) => Type.Literal(k)))),
    customerId: Type.Optional(Uuid),
    batchId: Type.Optional(Uuid),
  },
  { additionalProperties: false },
);
export type TransferListQuery = Static<typeof TransferListQuery>;

export const TransferRequestResult = Type.Object({
  batchId: Uuid,
  /** Accepted by WeCom and now waiting (in-service: for the customer; resigned: for WeCom's 24 hours). */
  waiting: Type.Integer(),
  /** Refused at once; each has its own failed transfer with the reason. */
  failed: Type.Integer(),
  transfers: Type.Array(Transfer),
});
export type TransferRequestResult = Static<typeof TransferRequestResult>;

export const TransferCheckResult = Type.Object({
  checked: Type.Integer(),
  succeeded: Type.Integer(),
  failed: Type.Integer(),
});
export type TransferCheckResult = Static<typeof TransferCheckResult>;

// ---------------------------------------------------------------------------------------------------------------
// Churn (流失).

export const CHURN_DIRECTIONS = ['customer_deleted_guide', 'guide_deleted_customer', 'unknown'] as const;
export type ChurnDirection = (typeof CHURN_DIRECTIONS)[number];

export const ChurnRecord = Type.Object({
  id: Uuid,
  customerId: Uuid,
  customerName: Nullable(Type.String()),
  relationshipId: Uuid,
  guideStaffId: Nullable(Uuid),
  guideName: Nullable(Type.String()),
  wecomUserId: Type.String(),
  direction: Type.Union(CHURN_DIRECTIONS.map((d) => Type.Literal(d))),
  occurredAt: Timestamp,
  addedAt: Nullable(Timestamp),
  /** Whole days between the add and the end; null when the add was never seen. */
  relationshipDays: Nullable(Type.Integer()),
  /** The customer's last activity (events, orders) or the guide's last completed follow-up, whichever is later. */
  lastInteractionAt: Nullable(Timestamp),
  /** Who was told (the guide's manager, else the workspace's owners). */
  notifiedStaffIds: Type.Array(Uuid),
});
export type ChurnRecord = Static<typeof ChurnRecord>;

export const ChurnListQuery = Type.Object(
  {
    ...PageQuery,
    direction: Type.Optional(Type.Union(CHURN_DIRECTIONS.map((d) => Type.Literal(d)))),
    guideStaffId: Type.Optional(Uuid),
    from: Type.Optional(Timestamp),
    to: Type.Optional(Timestamp),
  },
  { additionalProperties: false },
);
export type ChurnListQuery = Static<typeof ChurnListQuery>;

// ---------------------------------------------------------------------------------------------------------------
// Notifications (the console inbox; e-mail when configured).

export const NOTIFICATION_KINDS = ['churn', 'task_overdue', 'transfer_failed'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export const Notification = Type.Object({
  id: Uuid,
  kind: Type.Union(NOTIFICATION_KINDS.map((k) => Type.Literal(k))),
  /** What the console needs to say it in the reader's language (names, counts, the customer and guide ids …). */
  data: Type.Record(Type.String(), Type.Unknown()),
  /** The same, as a sentence in the caller's language. */
  text: Type.String(),
  readAt: Nullable(Timestamp),
  emailedAt: Nullable(Timestamp),
  createdAt: Timestamp,
});
export type Notification = Static<typeof Notification>;

export const NotificationListQuery = Type.Object(
  { ...PageQuery, unread: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);
export type NotificationListQuery = Static<typeof NotificationListQuery>;

export const UnreadCount = Type.Object({ unread: Type.Integer() });
export type UnreadCount = Static<typeof UnreadCount>;

// ---------------------------------------------------------------------------------------------------------------
// Settings: e-mail and the festival calendar.

export const EmailSettingsBody = Type.Object(
  {
    enabled: Type.Boolean(),
    host: Type.String({ minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9.-]+$' }),
    port: Type.Integer({ minimum: 1, maximum: 65535 }),
    /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
    secure: Type.Boolean(),
    user: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 254 }), Type.Null()])),
    /** Write-only: kept when left out, cleared with null. */
    password: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 256 }), Type.Null()])),
    from: Type.String({ format: 'email', maxLength: 254 }),
  },
  { additionalProperties: false },
);
export type EmailSettingsBody = Static<typeof EmailSettingsBody>;

export const EmailSettings = Type.Object({
  /** Where the SMTP settings come from: this workspace's own, the server's environment, or none (no e-mail). */
  source: Type.Union([Type.Literal('workspace'), Type.Literal('env'), Type.Literal('none')]),
  enabled: Type.Boolean(),
  host: Nullable(Type.String()),
  port: Nullable(Type.Integer()),
  secure: Type.Boolean(),
  user: Nullable(Type.String()),
  hasPassword: Type.Boolean(),
  from: Nullable(Type.String()),
});
export type EmailSettings = Static<typeof EmailSettings>;

export const TestEmailBody = Type.Object(
  { to: Type.String({ format: 'email', maxLength: 254 }) },
  { additionalProperties: false },
);
export type TestEmailBody = Static<typeof TestEmailBody>;
/** The outcome of a test message: sent, or what the mail server (or the network) answered, in the caller's language. */
export const TestEmailResult = Type.Object({
  sent: Type.Boolean(),
  messageId: Nullable(Type.String()),
  error: Nullable(Type.String()),
});
export type TestEmailResult = Static<typeof TestEmailResult>;

/** A month and day, 01-01 to 12-31. */
export const MonthDay = Type.String({ pattern: '^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$' });

export const Festival = Type.Object({
  /** Shipped festivals have fixed keys (spring, lantern, …); a workspace's own start with `custom_`. */
  key: Type.String({ pattern: '^[a-z][a-z0-9_]{1,31}$' }),
  name: Type.String({ minLength: 1, maxLength: 32 }),
  /** The same day every year … */
  monthDay: Type.Union([MonthDay, Type.Null()]),
  /** … or a day per year (lunar festivals): { "2026": "02-17" }. */
  dates: Type.Record(Type.String({ pattern: '^20[0-9]{2}$' }), MonthDay),
  shipped: Type.Boolean(),
});
export type Festival = Static<typeof Festival>;

export const FestivalsBody = Type.Object(
  {
    festivals: Type.Array(
      Type.Object(
        {
          key: Type.String({ pattern: '^[a-z][a-z0-9_]{1,31}$' }),
          name: Type.String({ minLength: 1, maxLength: 32 }),
          monthDay: Type.Union([MonthDay, Type.Null()]),
          dates: Type.Record(Type.String({ pattern: '^20[0-9]{2}$' }), MonthDay, { maxProperties: 50 }),
        },
        { additionalProperties: false },
      ),
      { maxItems: 60 },
    ),
  },
  { additionalProperties: false },
);
export type FestivalsBody = Static<typeof FestivalsBody>;

export const RelationshipSettings = Type.Object({ email: EmailSettings, festivals: Type.Array(Festival) });
export type RelationshipSettings = Static<typeof RelationshipSettings>;

// ---------------------------------------------------------------------------------------------------------------
// Follow-up SOP: plans, steps, tasks.

export const SOP_TRIGGER_TYPES = [
  'relationship_start',
  'birthday',
  'festival',
  'segment_entered',
  'tag_added',
] as const;
export type SopTriggerType = (typeof SOP_TRIGGER_TYPES)[number];

export const SopTrigger = Type.Union([
  Type.Object({ type: Type.Literal('relationship_start') }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('birthday') }, { additionalProperties: false }),
  Type.Object(
    {
      type: Type.Literal('festival'),
      festivals: Type.Array(Type.String({ pattern: '^[a-z][a-z0-9_]{1,31}$' }), {
        minItems: 1,
        maxItems: 60,
        uniqueItems: true,
      }),
    },
    { additionalProperties: false },
  ),
  Type.Object({ type: Type.Literal('segment_entered'), segmentId: Uuid }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('tag_added'), tagId: Uuid }, { additionalProperties: false }),
]);
export type SopTrigger = Static<typeof SopTrigger>;

export const Material = Type.Union([
  Type.Object(
    {
      kind: Type.Literal('link'),
      title: Type.String({ minLength: 1, maxLength: 64 }),
      url: Type.String({ format: 'uri', pattern: '^https?://', maxLength: 1000 }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { kind: Type.Literal('image'), url: Type.String({ format: 'uri', pattern: '^https?://', maxLength: 1000 }) },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      kind: Type.Literal('miniprogram'),
      title: Type.String({ minLength: 1, maxLength: 64 }),
      appId: Type.String({ pattern: '^wx[0-9a-f]{16}$' }),
      page: Type.String({ minLength: 1, maxLength: 200 }),
    },
    { additionalProperties: false },
  ),
]);
export type Material = Static<typeof Material>;

/** HH:MM in the workspace's time zone. */
export const TimeOfDay = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' });

export const SopStepBody = Type.Object(
  {
    /** Keep a step's id when editing it: tasks already made from it stay linked. */
    id: Type.Optional(Uuid),
    /** Days after the trigger (negative: before a birthday or festival). */
    offsetDays: Type.Integer({ minimum: -30, maximum: 365 }),
    /** When on that day the task is due; null: at the moment of the trigger plus the offset (e.g. at once). */
    timeOfDay: Type.Union([TimeOfDay, Type.Null()]),
    title: Type.String({ minLength: 1, maxLength: 100 }),
    /** A script of the library, or text of its own (the same variables); neither is allowed too. */
    scriptId: Type.Optional(Type.Union([Uuid, Type.Null()])),
    script: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 2000 }), Type.Null()])),
    material: Type.Optional(Type.Union([Material, Type.Null()])),
  },
  { additionalProperties: false },
);
export type SopStepBody = Static<typeof SopStepBody>;

export const SopPlanBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64 }),
    trigger: SopTrigger,
    enabled: Type.Boolean(),
    steps: Type.Array(SopStepBody, { minItems: 1, maxItems: 20 }),
  },
  { additionalProperties: false },
);
export type SopPlanBody = Static<typeof SopPlanBody>;

export const UpdateSopPlanBody = Type.Partial(SopPlanBody, { additionalProperties: false, minProperties: 1 });
export type UpdateSopPlanBody = Static<typeof UpdateSopPlanBody>;

export const SopStep = Type.Object({
  id: Uuid,
  position: Type.Integer(),
  offsetDays: Type.Integer(),
  timeOfDay: Nullable(Type.String()),
  title: Type.String(),
  scriptId: Nullable(Uuid),
  script: Nullable(Type.String()),
  material: Type.Union([Material, Type.Null()]),
});
export type SopStep = Static<typeof SopStep>;

export const SopPlan = Type.Object({
  id: Uuid,
  name: Type.String(),
  /** The shipped template it was made from, if any. */
  templateKey: Nullable(Type.String()),
  trigger: SopTrigger,
  enabled: Type.Boolean(),
  steps: Type.Array(SopStep),
  openTasks: Type.Integer(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type SopPlan = Static<typeof SopPlan>;

export const SopTemplate = Type.Object({
  key: Type.String(),
  name: Type.String(),
  trigger: SopTrigger,
  steps: Type.Array(SopStepBody),
  /** Whether the workspace has a plan made from it. */
  installed: Type.Boolean(),
});
export type SopTemplate = Static<typeof SopTemplate>;

export const TemplateParams = Type.Object(
  { key: Type.String({ pattern: '^[a-z][a-z0-9_]{1,31}$' }) },
  { additionalProperties: false },
);

export const TASK_STATUSES = ['open', 'done', 'skipped', 'overdue'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const Task = Type.Object({
  id: Uuid,
  planId: Uuid,
  planName: Type.String(),
  stepId: Nullable(Uuid),
  /** Null for a task about the guide's customers as a whole (a festival greeting to send to all of them). */
  customerId: Nullable(Uuid),
  customerName: Nullable(Type.String()),
  guideStaffId: Uuid,
  guideName: Nullable(Type.String()),
  occurrence: Type.String(),
  dueAt: Timestamp,
  title: Type.String(),
  /** The step's script with the customer's values filled in, as of now. */
  script: Nullable(Type.String()),
  material: Type.Union([Material, Type.Null()]),
  status: Type.Union(TASK_STATUSES.map((s) => Type.Literal(s))),
  completedAt: Nullable(Timestamp),
  completedByName: Nullable(Type.String()),
  note: Nullable(Type.String()),
  createdAt: Timestamp,
});
export type Task = Static<typeof Task>;

export const TaskListQuery = Type.Object(
  {
    ...PageQuery,
    status: Type.Optional(Type.Union(TASK_STATUSES.map((s) => Type.Literal(s)))),
    /** Everyone's tasks need task.work and workspace scope; a guide always sees their own. */
    guideStaffId: Type.Optional(Uuid),
    customerId: Type.Optional(Uuid),
    planId: Type.Optional(Uuid),
    /** today: due by the end of today and not finished; upcoming: due later. */
    due: Type.Optional(Type.Union([Type.Literal('today'), Type.Literal('upcoming')])),
  },
  { additionalProperties: false },
);
export type TaskListQuery = Static<typeof TaskListQuery>;

export const CompleteTaskBody = Type.Object(
  {
    outcome: Type.Union([Type.Literal('done'), Type.Literal('skipped')]),
    note: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
  },
  { additionalProperties: false },
);
export type CompleteTaskBody = Static<typeof CompleteTaskBody>;

export const OverdueCheckResult = Type.Object({ overdue: Type.Integer(), notified: Type.Integer() });
export type OverdueCheckResult = Static<typeof OverdueCheckResult>;

// ---------------------------------------------------------------------------------------------------------------
// Script library (话术库).

/** Variables a script may use, filled from the customer's profile, the guide and the workspace at render time. */
export const SCRIPT_VARIABLES = ['name', 'guide', 'tier', 'city', 'brand', 'store', 'birthday'] as const;
export type ScriptVariable = (typeof SCRIPT_VARIABLES)[number];

export const ScriptCategoryBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 32 }),
    sort: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })),
  },
  { additionalProperties: false },
);
export type ScriptCategoryBody = Static<typeof ScriptCategoryBody>;
export const UpdateScriptCategoryBody = Type.Partial(ScriptCategoryBody, {
  additionalProperties: false,
  minProperties: 1,
});
export type UpdateScriptCategoryBody = Static<typeof UpdateScriptCategoryBody>;

export const ScriptCategory = Type.Object({
  id: Uuid,
  name: Type.String(),
  sort: Type.Integer(),
  scriptCount: Type.Integer(),
  createdAt: Timestamp,
});
export type ScriptCategory = Static<typeof ScriptCategory>;

export const ScriptBody = Type.Object(
  {
    categoryId: Uuid,
    title: Type.String({ minLength: 1, maxLength: 64 }),
    /** Text with {{variable}} or {{variable|fallback}} placeholders. */
    body: Type.String({ minLength: 1, maxLength: 2000 }),
  },
  { additionalProperties: false },
);
export type ScriptBody = Static<typeof ScriptBody>;
export const UpdateScriptBody = Type.Partial(ScriptBody, { additionalProperties: false, minProperties: 1 });
export type UpdateScriptBody = Static<typeof UpdateScriptBody>;

export const Script = Type.Object({
  id: Uuid,
  categoryId: Uuid,
  categoryName: Type.String(),
  title: Type.String(),
  body: Type.String(),
  variables: Type.Array(Type.String()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Script = Static<typeof Script>;

export const ScriptListQuery = Type.Object(
  { categoryId: Type.Optional(Uuid), q: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })) },
  { additionalProperties: false },
);
export type ScriptListQuery = Static<typeof ScriptListQuery>;

export const RenderedScript = Type.Object({
  scriptId: Uuid,
  text: Type.String(),
  /** Variables the customer had no value for, rendered with their fallback. */
  fallbacks: Type.Array(Type.String()),
});
export type RenderedScript = Static<typeof RenderedScript>;

// ---------------------------------------------------------------------------------------------------------------
// The guide dashboard.

export const DashboardQuery = Type.Object(
  {
    /** One guide; a guide always sees themself. */
    staffId: Type.Optional(Uuid),
    /** The team of this manager (guides whose manager they are); a manager's own team by default. */
    managerStaffId: Type.Optional(Uuid),
  },
  { additionalProperties: false },
);
export type DashboardQuery = Static<typeof DashboardQuery>;

const Completion = Type.Object({
  done: Type.Integer(),
  due: Type.Integer(),
  rate: Type.Union([Type.Number(), Type.Null()]),
});

export const GuideStats = Type.Object({
  staffId: Uuid,
  name: Type.String(),
  customers: Type.Integer(),
  openToday: Type.Integer(),
  overdue: Type.Integer(),
  completion7: Completion,
  completion30: Completion,
  newCustomers7: Type.Integer(),
  newCustomers30: Type.Integer(),
  churn7: Type.Integer(),
  churn30: Type.Integer(),
});
export type GuideStats = Static<typeof GuideStats>;

export const GuideDashboard = Type.Object({
  /** Whose numbers these are: one guide, a manager's team, or every guide of the workspace. */
  view: Type.Union([Type.Literal('guide'), Type.Literal('team'), Type.Literal('workspace')]),
  totals: GuideStats,
  guides: Type.Array(GuideStats),
  /** Open and overdue tasks due by the end of today, soonest first (up to 50). */
  todayTasks: Type.Array(Task),
});
export type GuideDashboard = Static<typeof GuideDashboard>;

// ---------------------------------------------------------------------------------------------------------------
// Domain events.

/** A customer and a guide are connected in WeCom (an add, a transfer, or a relationship a sync found). */
export const RelationshipStarted = Type.Object({
  relationshipId: Uuid,
  customerId: Uuid,
  /** Null while the WeCom member is linked to no staff account. */
  guideStaffId: Nullable(Uuid),
  wecomUserId: Type.String(),
  externalUserId: Type.String(),
  state: Nullable(Type.String()),
  /** From the add event when there was one (already used by acquisition's welcome message). */
  welcomeCode: Nullable(Type.String()),
  addedAt: Timestamp,
  origin: Type.Union(RELATIONSHIP_ORIGINS.map((o) => Type.Literal(o))),
});
export type RelationshipStarted = Static<typeof RelationshipStarted>;

/** A relationship ended: deleted by either side, moved by a transfer, or found gone by a sync. */
export const RelationshipEnded = Type.Object({
  relationshipId: Uuid,
  customerId: Uuid,
  guideStaffId: Nullable(Uuid),
  wecomUserId: Type.String(),
  externalUserId: Type.String(),
  status: Type.Union(RELATIONSHIP_STATUSES.filter((s) => s !== 'active').map((s) => Type.Literal(s))),
  endedAt: Timestamp,
});
export type RelationshipEnded = Static<typeof RelationshipEnded>;

/**
 * The corp tags (企业客户标签) WeCom shows on an active relationship changed, as a read of the contact found them
 * (an add, an edit callback, a sync): ids of type 1 tags added and removed since the last read or mark.
 */
export const RelationshipWecomTagsChanged = Type.Object({
  relationshipId: Uuid,
  customerId: Uuid,
  wecomUserId: Type.String(),
  externalUserId: Type.String(),
  added: Type.Array(Type.String()),
  removed: Type.Array(Type.String()),
});
export type RelationshipWecomTagsChanged = Static<typeof RelationshipWecomTagsChanged>;

export interface RelationshipDomainEvents {
  'relationship.started': RelationshipStarted;
  'relationship.ended': RelationshipEnded;
  'relationship.wecom_tags_changed': RelationshipWecomTagsChanged;
}
