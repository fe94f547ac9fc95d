// Contract for the console: see src/modules/acquisition/README.md
//
// Request and response shapes of the acquisition module (channels, channel live codes with guide rotation, welcome
// messages, attribution, statistics, trackable links), shared by the server (validation, OpenAPI) and the console.
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { PageQuery, Timestamp, Uuid } from './foundation.ts';

const strict = { additionalProperties: false } as const;
/** One of a list of strings, typed as that union (TypeBox's own union of a mapped list types as string). */
const literals = <T extends readonly string[]>(values: T) =>
  Type.Unsafe<T[number]>(Type.Union(values.map((v) => Type.Literal(v))));
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Name = Type.String({ minLength: 1, maxLength: 60 });
/** A calendar day in the workspace's time zone. */
const Day = Type.String({ format: 'date' });
/** A time of day in the workspace's time zone, 24-hour HH:MM; `24:00` is the end of the day. */
const TimeOfDay = Type.String({ pattern: '^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$' });
const HttpUrl = Type.String({ minLength: 8, maxLength: 2048, pattern: '^https?://[^\\s]+$' });

/** WeCom's limits for send_welcome_msg: text up to 4000 bytes (UTF-8), at most 9 attachments. */
export const WELCOME_TEXT_MAX_BYTES = 4000;
export const WELCOME_ATTACHMENTS_MAX = 9;
/** WeCom's limit for a contact way's `state`. */
export const STATE_MAX_LENGTH = 30;

// ---------------------------------------------------------------------------------------------------------------
// Channels (渠道): a workspace's own list, seeded with the usual ones the first time it is read.

/** Keys of the channels every workspace starts with; their names come in the workspace's language. */
export const DEFAULT_CHANNEL_KEYS = [
  'store',
  'poster',
  'official_account',
  'mini_program',
  'live',
  'moments',
  'offline_event',
] as const;

export const Channel = Type.Object({
  id: Uuid,
  /** Stable key, also written as the customer's source channel (来源渠道) when they have none. */
  key: Type.String(),
  name: Type.String(),
  sort: Type.Integer(),
  /** One of DEFAULT_CHANNEL_KEYS, seeded by Siyu (it can be renamed and archived, not deleted). */
  builtin: Type.Boolean(),
  archived: Type.Boolean(),
  /** Codes and links (not deleted) that use the channel. */
  codeCount: Type.Integer(),
  linkCount: Type.Integer(),
  createdAt: Timestamp,
});
export type Channel = Static<typeof Channel>;

export const ChannelBody = Type.Object(
  {
    key: Type.String({ pattern: '^[a-z][a-z0-9_]{1,31}$' }),
    name: Type.String({ minLength: 1, maxLength: 20 }),
    sort: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })),
  },
  strict,
);
export type ChannelBody = Static<typeof ChannelBody>;

export const UpdateChannelBody = Type.Object(
  {
    name: Type.Optional(ChannelBody.properties.name),
    sort: Type.Optional(ChannelBody.properties.sort),
    archived: Type.Optional(Type.Boolean()),
  },
  { ...strict, minProperties: 1 },
);
export type UpdateChannelBody = Static<typeof UpdateChannelBody>;

export const ChannelListQuery = Type.Object({ includeArchived: Type.Optional(Type.Boolean()) }, strict);
export type ChannelListQuery = Static<typeof ChannelListQuery>;

/** A channel as codes, links and statistics name it. */
export const ChannelRef = Type.Object({ id: Uuid, key: Type.String(), name: Type.String() });
export type ChannelRef = Static<typeof ChannelRef>;

// ---------------------------------------------------------------------------------------------------------------
// Welcome messages (欢迎语).

/**
 * Variables a welcome text may use, as `{{name}}` or `{{name|fallback}}` (the script library's syntax), or by the
 * Chinese alias, `{{客户昵称}}`. A value Siyu does not know falls back (see the README: the nickname is known only for
 * customers Siyu already holds, because looking the contact up in WeCom would eat into the 20-second window).
 */
export const WELCOME_VARIABLES = [
  { key: 'name', alias: '客户昵称' },
  { key: 'guide', alias: '导购名' },
  { key: 'store', alias: '门店' },
  { key: 'brand', alias: '品牌' },
  { key: 'tier', alias: '会员等级' },
  { key: 'city', alias: '城市' },
  { key: 'birthday', alias: '生日' },
] as const;

const ImageByUrl = Type.Object({ kind: Type.Literal('image'), picUrl: HttpUrl }, strict);
const ImageByMedia = Type.Object(
  { kind: Type.Literal('image'), mediaId: Type.String({ minLength: 1, maxLength: 256 }) },
  strict,
);
/** An image of the media library (素材库): Siyu keeps WeCom's media id for it fresh (see the README). */
const ImageByAsset = Type.Object({ kind: Type.Literal('image'), assetId: Uuid }, strict);
const LinkCard = Type.Object(
  {
    kind: Type.Literal('link'),
    title: Type.String({ minLength: 1, maxLength: 128 }),
    url: HttpUrl,
    picUrl: Type.Optional(HttpUrl),
    description: Type.Optional(Type.String({ maxLength: 512 })),
  },
  strict,
);
const MiniProgramCard = Type.Object(
  {
    kind: Type.Literal('miniprogram'),
    title: Type.String({ minLength: 1, maxLength: 64 }),
    appId: Type.String({ pattern: '^wx[0-9a-zA-Z]{16}$' }),
    page: Type.String({ minLength: 1, maxLength: 256 }),
    /**
     * The cover as a raw WeCom media id, uploaded elsewhere: temporary media last 3 days, after which WeCom refuses
     * the card. Kept for compatibility; `picAssetId` (an image of the media library) does not expire.
     */
    picMediaId: Type.String({ minLength: 1, maxLength: 256 }),
  },
  strict,
);
/** A mini-program card whose cover is an image of the media library (5:4, e.g. 520×416, reads best). */
const MiniProgramCardByAsset = Type.Object(
  {
    kind: Type.Literal('miniprogram'),
    title: MiniProgramCard.properties.title,
    appId: MiniProgramCard.properties.appId,
    page: MiniProgramCard.properties.page,
    picAssetId: Uuid,
  },
  strict,
);
export const WelcomeAttachment = Type.Union([
  ImageByUrl,
  ImageByMedia,
  ImageByAsset,
  LinkCard,
  MiniProgramCard,
  MiniProgramCardByAsset,
]);
export type WelcomeAttachment = Static<typeof WelcomeAttachment>;

export const WelcomeMessage = Type.Object(
  {
    /** Up to 4000 bytes once rendered (checked on save against the template: 400 acquisition.welcome_too_long). */
    text: Type.String({ maxLength: WELCOME_TEXT_MAX_BYTES }),
    attachments: Type.Array(WelcomeAttachment, { maxItems: WELCOME_ATTACHMENTS_MAX }),
  },
  strict,
);
export type WelcomeMessage = Static<typeof WelcomeMessage>;

export const WelcomePreviewBody = Type.Object(
  {
    text: WelcomeMessage.properties.text,
    /** Render as this guide would send it (guide, store); the brand's name is the workspace's. */
    staffId: Type.Optional(Uuid),
  },
  strict,
);
export type WelcomePreviewBody = Static<typeof WelcomePreviewBody>;
export const WelcomePreview = Type.Object({
  text: Type.String(),
  bytes: Type.Integer(),
  /** Variables with no value here, which fall back. */
  fallbacks: Type.Array(Type.String()),
});
export type WelcomePreview = Static<typeof WelcomePreview>;

export const WELCOME_STATUSES = ['sent', 'failed', 'skipped'] as const;
export type WelcomeStatus = (typeof WELCOME_STATUSES)[number];
/** Why no welcome message went out: the code is paused and no default is on, nothing is configured, or the same
 * customer was greeted by the same guide less than a day ago (a half add followed by the add, a quick re-add). */
export const WELCOME_SKIP_REASONS = ['no_message', 'recently_greeted'] as const;

/** One welcome code WeCom gave with an add, and what became of it. */
export const WelcomeSend = Type.Object({
  id: Uuid,
  codeId: Nullable(Uuid),
  codeName: Nullable(Type.String()),
  linkId: Nullable(Uuid),
  /** The code's own message, or the workspace's default. */
  source: Nullable(literals(['code', 'default'] as const)),
  wecomUserId: Type.String(),
  guideName: Nullable(Type.String()),
  externalUserId: Type.String(),
  status: literals(WELCOME_STATUSES),
  /** WeCom's refusal (a stable code such as wecom.welcome_code_expired) or a skip reason. */
  error: Nullable(Type.String()),
  /** From the add (WeCom's CreateTime) to WeCom's answer. */
  latencyMs: Nullable(Type.Integer()),
  addedAt: Timestamp,
  sentAt: Nullable(Timestamp),
  text: Nullable(Type.String()),
  attachmentCount: Type.Integer(),
});
export type WelcomeSend = Static<typeof WelcomeSend>;

export const WelcomeListQuery = Type.Object(
  { ...PageQuery, codeId: Type.Optional(Uuid), status: Type.Optional(literals(WELCOME_STATUSES)) },
  strict,
);
export type WelcomeListQuery = Static<typeof WelcomeListQuery>;

export const AcquisitionSettings = Type.Object({
  /** Send `defaultWelcome` for adds that come through no code of Siyu's (and through paused codes). */
  defaultWelcomeEnabled: Type.Boolean(),
  defaultWelcome: Nullable(WelcomeMessage),
  timezone: Type.String(),
  updatedAt: Nullable(Timestamp),
});
export type AcquisitionSettings = Static<typeof AcquisitionSettings>;

export const AcquisitionSettingsBody = Type.Object(
  {
    defaultWelcomeEnabled: Type.Optional(Type.Boolean()),
    defaultWelcome: Type.Optional(Nullable(WelcomeMessage)),
  },
  { ...strict, minProperties: 1 },
);
export type AcquisitionSettingsBody = Static<typeof AcquisitionSettingsBody>;

// ---------------------------------------------------------------------------------------------------------------
// Channel live codes (渠道活码).

/**
 * round_robin: one guide at a time in pool order, the next after each add; weighted: one at a time, chosen by smooth
 * weighted round-robin so adds follow the weights exactly; all: every available guide at once and WeCom spreads
 * the adds itself (best for bursts such as a live stream).
 */
export const ROTATION_MODES = ['round_robin', 'weighted', 'all'] as const;
export type RotationMode = (typeof ROTATION_MODES)[number];

/** active; paused (the QR code keeps working, see the README); expired (removed from WeCom). */
export const CODE_STATUSES = ['active', 'paused', 'expired'] as const;
export type CodeStatus = (typeof CODE_STATUSES)[number];

export const SYNC_STATES = ['pending', 'synced', 'failed'] as const;
export type SyncState = (typeof SYNC_STATES)[number];

/**
 * Who WeCom shows now: guides of the pool (pool), the backup guide because nobody in the pool is available (backup),
 * or every active guide of the pool despite caps and hours because neither is (fallback: a scan must never fail).
 */
export const EXPOSURE_REASONS = ['pool', 'backup', 'fallback'] as const;
export type ExposureReason = (typeof EXPOSURE_REASONS)[number];

/** ISO weekdays: 1 Monday … 7 Sunday. */
export const WorkingHours = Type.Object(
  {
    days: Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), { minItems: 1, maxItems: 7, uniqueItems: true }),
    from: TimeOfDay,
    /** After `from` (400 acquisition.invalid_working_hours otherwise); no span over midnight. */
    to: TimeOfDay,
  },
  strict,
);
export type WorkingHours = Static<typeof WorkingHours>;

export const PoolGuideBody = Type.Object(
  {
    staffId: Uuid,
    /** Used by the weighted mode; 1 when absent. */
    weight: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  },
  strict,
);

export const PoolGuide = Type.Object({
  staffId: Uuid,
  name: Type.String(),
  wecomUserId: Type.String(),
  weight: Type.Integer(),
  /** Linked and not resigned. */
  active: Type.Boolean(),
  addsToday: Type.Integer(),
  /** At the code's daily cap today. */
  capped: Type.Boolean(),
  /** Shown by WeCom right now. */
  exposed: Type.Boolean(),
});
export type PoolGuide = Static<typeof PoolGuide>;

/** One WeCom contact way: the code's own, or a trackable link's (same guides, its own state and QR code). */
export const ContactWayStatus = Type.Object({
  id: Uuid,
  linkId: Nullable(Uuid),
  /** Sent to WeCom as the contact way's state; every add through it carries it. */
  state: Type.String(),
  configId: Nullable(Type.String()),
  qrCode: Nullable(Type.String()),
  /** The WeCom user ids pushed last. */
  pushedUserIds: Type.Array(Type.String()),
  syncState: literals(SYNC_STATES),
  syncError: Nullable(Type.String()),
  syncedAt: Nullable(Timestamp),
});
export type ContactWayStatus = Static<typeof ContactWayStatus>;

export const ChannelCode = Type.Object({
  id: Uuid,
  name: Type.String(),
  remark: Type.String(),
  channel: ChannelRef,
  mode: literals(ROTATION_MODES),
  guides: Type.Array(PoolGuide),
  /** Adds per guide per day (workspace time zone) through this code; null: no cap. */
  dailyCap: Nullable(Type.Integer()),
  workingHours: Nullable(WorkingHours),
  backupStaffId: Nullable(Uuid),
  backupName: Nullable(Type.String()),
  /** Customers are added without the guide confirming (WeCom's skip_verify). */
  skipVerify: Type.Boolean(),
  /** Siyu tags given to every customer who adds through the code. */
  tags: Type.Array(Type.Object({ id: Uuid, name: Type.String() })),
  /** The code's welcome message; null: the workspace's default (when it is on). */
  welcome: Nullable(WelcomeMessage),
  expiresAt: Nullable(Timestamp),
  status: literals(CODE_STATUSES),
  /** The code's own contact way (state, configId, the QR code image URL WeCom gives). */
  state: Type.String(),
  configId: Nullable(Type.String()),
  qrCode: Nullable(Type.String()),
  /** Who WeCom should show now, and why. */
  exposedUserIds: Type.Array(Type.String()),
  exposure: literals(EXPOSURE_REASONS),
  /** The worst of its contact ways (its own and its links'): failed > pending > synced. */
  syncState: literals(SYNC_STATES),
  syncError: Nullable(Type.String()),
  ways: Type.Array(ContactWayStatus),
  adds: Type.Integer(),
  addsToday: Type.Integer(),
  lost: Type.Integer(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type ChannelCode = Static<typeof ChannelCode>;

const CodeFields = {
  name: Name,
  remark: Type.String({ maxLength: 200 }),
  channelId: Uuid,
  mode: literals(ROTATION_MODES),
  /** Guides (staff linked to WeCom members), in rotation order. */
  guides: Type.Array(PoolGuideBody, { minItems: 1, maxItems: 100 }),
  dailyCap: Nullable(Type.Integer({ minimum: 1, maximum: 10_000 })),
  workingHours: Nullable(WorkingHours),
  backupStaffId: Nullable(Uuid),
  skipVerify: Type.Boolean(),
  tagIds: Type.Array(Uuid, { maxItems: 20, uniqueItems: true }),
  welcome: Nullable(WelcomeMessage),
  /** In the future (400 acquisition.expiry_in_past); the contact way is deleted from WeCom when it passes. */
  expiresAt: Nullable(Timestamp),
};

export const ChannelCodeBody = Type.Object(
  {
    name: CodeFields.name,
    remark: Type.Optional(CodeFields.remark),
    channelId: CodeFields.channelId,
    mode: Type.Optional(CodeFields.mode),
    guides: CodeFields.guides,
    dailyCap: Type.Optional(CodeFields.dailyCap),
    workingHours: Type.Optional(CodeFields.workingHours),
    backupStaffId: Type.Optional(CodeFields.backupStaffId),
    skipVerify: Type.Optional(CodeFields.skipVerify),
    tagIds: Type.Optional(CodeFields.tagIds),
    welcome: Type.Optional(CodeFields.welcome),
    expiresAt: Type.Optional(CodeFields.expiresAt),
  },
  strict,
);
export type ChannelCodeBody = Static<typeof ChannelCodeBody>;

export const UpdateChannelCodeBody = Type.Object(
  {
    name: Type.Optional(CodeFields.name),
    remark: Type.Optional(CodeFields.remark),
    channelId: Type.Optional(CodeFields.channelId),
    mode: Type.Optional(CodeFields.mode),
    guides: Type.Optional(CodeFields.guides),
    dailyCap: Type.Optional(CodeFields.dailyCap),
    workingHours: Type.Optional(CodeFields.workingHours),
    backupStaffId: Type.Optional(CodeFields.backupStaffId),
    skipVerify: Type.Optional(CodeFields.skipVerify),
    tagIds: Type.Optional(CodeFields.tagIds),
    welcome: Type.Optional(CodeFields.welcome),
    expiresAt: Type.Optional(CodeFields.expiresAt),
  },
  { ...strict, minProperties: 1 },
);
export type UpdateChannelCodeBody = Static<typeof UpdateChannelCodeBody>;

export const CodeListQuery = Type.Object(
  {
    ...PageQuery,
    channelId: Type.Optional(Uuid),
    status: Type.Optional(literals(CODE_STATUSES)),
    /** Codes whose pool (or backup) has this guide. */
    staffId: Type.Optional(Uuid),
    /** Part of the name. */
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 60 })),
  },
  strict,
);
export type CodeListQuery = Static<typeof CodeListQuery>;

/** What POST /api/acquisition/refresh (and the minute job) did: rotation and expiry checked now. */
export const RefreshResult = Type.Object({
  checked: Type.Integer(),
  /** Codes whose contact ways were queued for a push (their guide list changed). */
  pushed: Type.Integer(),
  expired: Type.Integer(),
});
export type RefreshResult = Static<typeof RefreshResult>;

// ---------------------------------------------------------------------------------------------------------------
// Attribution (归因): one row per customer add through a code (or a link's contact way).

export const LOST_STATUSES = ['deleted_by_customer', 'deleted_by_guide', 'ended'] as const;

export const Acquisition = Type.Object({
  id: Uuid,
  codeId: Uuid,
  codeName: Type.String(),
  channel: ChannelRef,
  linkId: Nullable(Uuid),
  customerId: Uuid,
  /** Masked for roles without customer.pii. */
  customerName: Nullable(Type.String()),
  guideStaffId: Nullable(Uuid),
  guideName: Nullable(Type.String()),
  wecomUserId: Type.String(),
  addedAt: Timestamp,
  /** When the relationship ended by a deletion (a transfer to another guide is not a loss). */
  lostAt: Nullable(Timestamp),
  lostStatus: Nullable(literals(LOST_STATUSES)),
});
export type Acquisition = Static<typeof Acquisition>;

export const AcquisitionListQuery = Type.Object(
  {
    ...PageQuery,
    codeId: Type.Optional(Uuid),
    channelId: Type.Optional(Uuid),
    linkId: Type.Optional(Uuid),
    staffId: Type.Optional(Uuid),
    lost: Type.Optional(Type.Boolean()),
  },
  strict,
);
export type AcquisitionListQuery = Static<typeof AcquisitionListQuery>;

// ---------------------------------------------------------------------------------------------------------------
// Statistics.

/**
 * Retention N days: of the adds in the range whose N-th day has passed (the cohort), the share not lost within N
 * days. `rate` is null when the cohort is empty (no add in the range is old enough yet).
 */
export const Retention = Type.Object({
  cohort: Type.Integer(),
  retained: Type.Integer(),
  rate: Nullable(Type.Number()),
});
export type Retention = Static<typeof Retention>;

const Figures = {
  adds: Type.Integer(),
  /** Acquired customers (added on any day) lost in the range, counted on the day they were lost. */
  lost: Type.Integer(),
  net: Type.Integer(),
  retention7: Retention,
  retention30: Retention,
};
export const StatsFigures = Type.Object(Figures);
export type StatsFigures = Static<typeof StatsFigures>;

export const StatsDay = Type.Object({ day: Day, adds: Type.Integer(), lost: Type.Integer(), net: Type.Integer() });
export type StatsDay = Static<typeof StatsDay>;

export const AcquisitionStats = Type.Object({
  from: Day,
  to: Day,
  timezone: Type.String(),
  totals: StatsFigures,
  days: Type.Array(StatsDay),
  byCode: Type.Array(Type.Object({ codeId: Uuid, name: Type.String(), channelId: Uuid, ...Figures })),
  byChannel: Type.Array(Type.Object({ channelId: Uuid, key: Type.String(), name: Type.String(), ...Figures })),
  byGuide: Type.Array(
    Type.Object({ staffId: Nullable(Uuid), wecomUserId: Type.String(), name: Type.String(), ...Figures }),
  ),
});
export type AcquisitionStats = Static<typeof AcquisitionStats>;

export const StatsQuery = Type.Object(
  {
    /** First and last day, inclusive, in the workspace's time zone; the last 30 days by default. At most 366 days. */
    from: Type.Optional(Day),
    to: Type.Optional(Day),
    codeId: Type.Optional(Uuid),
    channelId: Type.Optional(Uuid),
    linkId: Type.Optional(Uuid),
    staffId: Type.Optional(Uuid),
  },
  strict,
);
export type StatsQuery = Static<typeof StatsQuery>;

const Period = Type.Object({ adds: Type.Integer(), lost: Type.Integer(), net: Type.Integer() });
export const AcquisitionOverview = Type.Object({
  timezone: Type.String(),
  codes: Type.Object({
    active: Type.Integer(),
    paused: Type.Integer(),
    expired: Type.Integer(),
    /** Codes with a contact way WeCom refused (see their syncError). */
    failing: Type.Integer(),
  }),
  today: Period,
  last7Days: Period,
  last30Days: Period,
  retention7: Retention,
  retention30: Retention,
  welcome: Type.Object({
    /** Over the last 7 days. */
    sent: Type.Integer(),
    failed: Type.Integer(),
    skipped: Type.Integer(),
    p50LatencyMs: Nullable(Type.Integer()),
    p95LatencyMs: Nullable(Type.Integer()),
  }),
  /** Most adds over the last 30 days. */
  topCodes: Type.Array(Type.Object({ codeId: Uuid, name: Type.String(), adds: Type.Integer(), lost: Type.Integer() })),
  topChannels: Type.Array(
    Type.Object({ channelId: Uuid, name: Type.String(), adds: Type.Integer(), lost: Type.Integer() }),
  ),
  links: Type.Object({ clicks: Type.Integer(), uniqueVisitors: Type.Integer(), adds: Type.Integer() }),
});
export type AcquisitionOverview = Static<typeof AcquisitionOverview>;

// ---------------------------------------------------------------------------------------------------------------
// Trackable links (H5 landing pages).

export const LINK_TARGET_KINDS = ['code', 'url'] as const;
export const LinkTarget = Type.Union([
  /** The landing page shows the QR code of the link's own contact way (the code's guides, rotation and welcome). */
  Type.Object({ kind: Type.Literal('code'), codeId: Uuid }, strict),
  /** A redirect to an external page (clicks only: adds cannot be told apart there). */
  Type.Object({ kind: Type.Literal('url'), url: HttpUrl }, strict),
]);
export type LinkTarget = Static<typeof LinkTarget>;

export const UA_KINDS = ['wechat', 'wecom', 'mobile', 'desktop', 'bot', 'other'] as const;
export type UaKind = (typeof UA_KINDS)[number];

export const Link = Type.Object({
  id: Uuid,
  name: Type.String(),
  channel: Nullable(ChannelRef),
  target: Type.Union([
    Type.Object({ kind: Type.Literal('code'), codeId: Uuid, codeName: Type.String() }),
    Type.Object({ kind: Type.Literal('url'), url: Type.String() }),
  ]),
  slug: Type.String(),
  /** The public path (`/l/<slug>`); prefix it with this server's public origin. */
  path: Type.String(),
  /** The landing page's heading and text (code links). */
  title: Type.String(),
  description: Type.String(),
  /** The link's own contact way (code links): its state, QR code and sync state. */
  way: Nullable(ContactWayStatus),
  clicks: Type.Integer(),
  uniqueVisitors: Type.Integer(),
  adds: Type.Integer(),
  /** adds / uniqueVisitors; null with no visitor yet. */
  conversion: Nullable(Type.Number()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Link = Static<typeof Link>;

export const LinkBody = Type.Object(
  {
    name: Name,
    /** The code's channel when absent (code links). */
    channelId: Type.Optional(Nullable(Uuid)),
    target: LinkTarget,
    title: Type.Optional(Type.String({ maxLength: 60 })),
    description: Type.Optional(Type.String({ maxLength: 200 })),
  },
  strict,
);
export type LinkBody = Static<typeof LinkBody>;

/** The target's kind and code cannot change (a code link's contact way belongs to its code); a URL can. */
export const UpdateLinkBody = Type.Object(
  {
    name: Type.Optional(Name),
    channelId: Type.Optional(Nullable(Uuid)),
    url: Type.Optional(HttpUrl),
    title: LinkBody.properties.title,
    description: LinkBody.properties.description,
  },
  { ...strict, minProperties: 1 },
);
export type UpdateLinkBody = Static<typeof UpdateLinkBody>;

export const LinkListQuery = Type.Object(
  { ...PageQuery, codeId: Type.Optional(Uuid), channelId: Type.Optional(Uuid) },
  strict,
);
export type LinkListQuery = Static<typeof LinkListQuery>;

export const LinkStats = Type.Object({
  from: Day,
  to: Day,
  timezone: Type.String(),
  totals: Type.Object({
    clicks: Type.Integer(),
    uniqueVisitors: Type.Integer(),
    adds: Type.Integer(),
    conversion: Nullable(Type.Number()),
  }),
  days: Type.Array(
    Type.Object({ day: Day, clicks: Type.Integer(), uniqueVisitors: Type.Integer(), adds: Type.Integer() }),
  ),
  byUaKind: Type.Array(Type.Object({ uaKind: literals(UA_KINDS), clicks: Type.Integer() })),
  /** Referring hosts, most clicks first (at most 10; null: no referrer). */
  byReferrer: Type.Array(Type.Object({ host: Nullable(Type.String()), clicks: Type.Integer() })),
});
export type LinkStats = Static<typeof LinkStats>;

export const LinkStatsQuery = Type.Object({ from: Type.Optional(Day), to: Type.Optional(Day) }, strict);
export type LinkStatsQuery = Static<typeof LinkStatsQuery>;
