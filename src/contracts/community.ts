// Request and response shapes of the community module (customer groups, members and roles, group live codes,
// messages from the session archive, auto-reply, moderation, group SOP, check-in, statistics and KOC discovery),
// shared by the server (validation, OpenAPI) and the console (types).
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
/** A time of day in the workspace's time zone, 24-hour HH:MM. */
const TimeOfDay = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' });
/** A WeCom UserID (staff) or external_userid (customer): the id WeCom gives a group member. */
const MemberId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_@.\\-]+$' });
/** Groups a rule or plan applies to; null (or absent) means every group. */
const GroupScope = Nullable(Type.Array(Uuid, { minItems: 1, maxItems: 500, uniqueItems: true }));

export const GROUP_STATUSES = ['active', 'dismissed'] as const;
export type GroupStatus = (typeof GROUP_STATUSES)[number];
export const MEMBER_TYPES = ['internal', 'external'] as const;
export type MemberType = (typeof MEMBER_TYPES)[number];
/** Roles Siyu gives members: group admin (a helper among the members), KOC, or plain member. */
export const MEMBER_ROLES = ['admin', 'koc', 'member'] as const;
export type MemberRole = (typeof MEMBER_ROLES)[number];
/** What WeCom says a member is: the group's owner (群主), one of its admins (群管理员), or a member. */
export const WECOM_ROLES = ['owner', 'admin', 'member'] as const;
export type WeComRole = (typeof WECOM_ROLES)[number];
export const MEMBER_STATUSES = ['active', 'left'] as const;
export type MemberStatus = (typeof MEMBER_STATUSES)[number];

// ---------------------------------------------------------------------------------------------------------------
// Groups and members.

export const GroupStats = Type.Object({
  joins: Type.Integer(),
  quits: Type.Integer(),
  messages: Type.Integer(),
  activeMembers: Type.Integer(),
});
export type GroupStats = Static<typeof GroupStats>;

export const Group = Type.Object({
  id: Uuid,
  chatId: Type.String(),
  name: Type.String(),
  ownerUserId: Type.String(),
  adminUserIds: Type.Array(Type.String()),
  notice: Type.String(),
  status: literals(GROUP_STATUSES),
  memberCount: Type.Integer(),
  externalCount: Type.Integer(),
  /** When WeCom created the group. */
  createdAt: Nullable(Timestamp),
  syncedAt: Nullable(Timestamp),
  /** The last refresh from WeCom that failed, with its error code (null once one succeeds). */
  syncError: Nullable(Type.String()),
  dismissedAt: Nullable(Timestamp),
  /** The last 7 days. */
  stats: GroupStats,
});
export type Group = Static<typeof Group>;

export const GroupListQuery = Type.Object(
  {
    ...PageQuery,
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 60 })),
    status: Type.Optional(literals(GROUP_STATUSES)),
  },
  strict,
);
export type GroupListQuery = Static<typeof GroupListQuery>;

export const Member = Type.Object({
  groupId: Uuid,
  memberId: Type.String(),
  type: literals(MEMBER_TYPES),
  name: Type.String(),
  groupNickname: Type.String(),
  unionId: Nullable(Type.String()),
  /** The customer an external member resolved to (identities wecom_external_userid and wechat_unionid). */
  customerId: Nullable(Uuid),
  role: literals(MEMBER_ROLES),
  wecomRole: literals(WECOM_ROLES),
  status: literals(MEMBER_STATUSES),
  /** Null only for a member seen leaving before Siyu knew when they joined. */
  joinedAt: Nullable(Timestamp),
  /** WeCom's member join_scene: 1 invited directly, 2 by an invitation link, 3 by the group QR code. */
  joinScene: Nullable(Type.Integer()),
  invitorId: Nullable(Type.String()),
  /** The state of the join way (group live code) they came through. */
  joinState: Nullable(Type.String()),
  leftAt: Nullable(Timestamp),
  /** 0 left by themselves, 1 removed by the owner or an admin. */
  quitScene: Nullable(Type.Integer()),
  blacklisted: Type.Boolean(),
});
export type Member = Static<typeof Member>;

export const MemberListQuery = Type.Object(
  {
    ...PageQuery,
    status: Type.Optional(literals(MEMBER_STATUSES)),
    role: Type.Optional(literals(MEMBER_ROLES)),
    type: Type.Optional(literals(MEMBER_TYPES)),
  },
  strict,
);
export type MemberListQuery = Static<typeof MemberListQuery>;

export const MemberParams = Type.Object({ id: Uuid, memberId: MemberId }, strict);
export const RoleBody = Type.Object({ role: literals(MEMBER_ROLES) }, strict);
export type RoleBody = Static<typeof RoleBody>;
/** Sets a member's role in one group, or in every group they are in when groupId is absent. */
export const MemberRoleBody = Type.Object({ role: literals(MEMBER_ROLES), groupId: Type.Optional(Uuid) }, strict);
export type MemberRoleBody = Static<typeof MemberRoleBody>;
export const MemberRoleResult = Type.Object({ changed: Type.Integer() });

export const SyncResult = Type.Object({ jobId: Nullable(Type.Integer()) });

export const Duplicate = Type.Object({
  customerId: Uuid,
  /** The member's name in WeCom (the customer's profile name is personal data, read on the customer's page). */
  name: Type.String(),
  memberIds: Type.Array(Type.String()),
  groups: Type.Array(Type.Object({ groupId: Uuid, name: Type.String(), joinedAt: Nullable(Timestamp) })),
});
export type Duplicate = Static<typeof Duplicate>;

// ---------------------------------------------------------------------------------------------------------------
// Messages (from the session archive).

export const MESSAGE_TYPES = ['text', 'image', 'link', 'weapp', 'card', 'other'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

/**
 * One message as WeCom's session archive (会话内容存档) gives it once decrypted, by its own field names. Records of
 * other kinds are accepted and kept as `other`; fields beyond these are ignored. `image.qrcode` is not WeCom's: an
 * archive connector sets it after decoding the image it downloaded.
 */
export const ArchiveMessage = Type.Object({
  msgid: Type.String({ minLength: 1, maxLength: 128 }),
  /** send, recall (the sender took it back) or switch (a session switch, ignored). */
  action: Type.Optional(Type.String({ maxLength: 16 })),
  from: Type.String({ minLength: 1, maxLength: 64 }),
  tolist: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 2000 })),
  /** The group's chat id; empty for a one-to-one message (those are not group traffic and are ignored). */
  roomid: Type.Optional(Type.String({ maxLength: 64 })),
  /** Milliseconds since the epoch. */
  msgtime: Type.Integer({ minimum: 0, maximum: 4_102_444_800_000 }),
  msgtype: Type.String({ minLength: 1, maxLength: 32 }),
  text: Type.Optional(Type.Object({ content: Type.String({ maxLength: 20000 }) })),
  image: Type.Optional(Type.Object({ qrcode: Type.Optional(Type.Boolean()) })),
  link: Type.Optional(
    Type.Object({
      title: Type.Optional(Type.String({ maxLength: 500 })),
      description: Type.Optional(Type.String({ maxLength: 2000 })),
      link_url: Type.String({ maxLength: 2000 }),
    }),
  ),
  weapp: Type.Optional(
    Type.Object({
      title: Type.Optional(Type.String({ maxLength: 500 })),
      displayname: Type.Optional(Type.String({ maxLength: 200 })),
    }),
  ),
  card: Type.Optional(
    Type.Object({ userid: Type.Optional(Type.String({ maxLength: 64 })), corpname: Type.Optional(Type.String()) }),
  ),
  /** A recall (action recall, msgtype revoke): the msgid taken back. */
  revoke: Type.Optional(Type.Object({ pre_msgid: Type.String({ maxLength: 128 }) })),
});
export type ArchiveMessage = Static<typeof ArchiveMessage>;

export const IngestBody = Type.Object(
  { messages: Type.Array(ArchiveMessage, { minItems: 1, maxItems: 1000 }) },
  strict,
);
export type IngestBody = Static<typeof IngestBody>;

export const INGEST_OUTCOMES = ['accepted', 'duplicate', 'recalled', 'ignored'] as const;
export const IngestResult = Type.Object({
  accepted: Type.Integer(),
  duplicates: Type.Integer(),
  recalled: Type.Integer(),
  ignored: Type.Integer(),
  /** One entry per message, in the order sent. */
  results: Type.Array(
    Type.Object({
      msgid: Type.String(),
      outcome: literals(INGEST_OUTCOMES),
      /** Why an ignored message was ignored: not_group, switch. */
      reason: Nullable(Type.String()),
    }),
  ),
});
export type IngestResult = Static<typeof IngestResult>;

export const Message = Type.Object({
  id: Type.Integer(),
  msgid: Type.String(),
  groupId: Nullable(Uuid),
  chatId: Type.String(),
  senderId: Type.String(),
  senderName: Type.String(),
  senderType: Nullable(literals(MEMBER_TYPES)),
  customerId: Nullable(Uuid),
  type: literals(MESSAGE_TYPES),
  /** The text, or the title of a link or mini-program card. */
  content: Type.String(),
  url: Nullable(Type.String()),
  qrCode: Type.Boolean(),
  recalled: Type.Boolean(),
  /** Lexicon sentiment of the text: below 0 negative, above 0 positive. */
  sentiment: Type.Integer(),
  /** Moderation rules it broke. */
  violations: Type.Array(Type.String()),
  sentAt: Timestamp,
});
export type Message = Static<typeof Message>;

export const MessageListQuery = Type.Object(
  { ...PageQuery, senderId: Type.Optional(MemberId), flagged: Type.Optional(Type.Boolean()) },
  strict,
);
export type MessageListQuery = Static<typeof MessageListQuery>;

// ---------------------------------------------------------------------------------------------------------------
// Group live codes (群活码).

/** WeCom lets a join way's QR code fill a group to 200 members, and names at most 5 groups per way. */
export const WECOM_QR_GROUP_LIMIT = 200;
export const LIVE_CODE_SYNC_STATES = ['pending', 'synced', 'failed'] as const;
export type LiveCodeSyncState = (typeof LIVE_CODE_SYNC_STATES)[number];

export const LiveCodeGroup = Type.Object({
  groupId: Uuid,
  chatId: Type.String(),
  name: Type.String(),
  status: literals(GROUP_STATUSES),
  memberCount: Type.Integer(),
  full: Type.Boolean(),
  joins: Type.Integer(),
});

export const LiveCode = Type.Object({
  id: Uuid,
  name: Type.String(),
  remark: Type.String(),
  /** Sent to WeCom as the join way's state; each member who joins through it carries it. */
  state: Type.String(),
  cap: Type.Integer(),
  autoCreate: Type.Boolean(),
  roomBaseName: Nullable(Type.String()),
  roomBaseId: Nullable(Type.Integer()),
  groups: Type.Array(LiveCodeGroup),
  /** The group new members go to now; null when every group is at the cap. */
  currentGroupId: Nullable(Uuid),
  full: Type.Boolean(),
  configId: Nullable(Type.String()),
  qrCode: Nullable(Type.String()),
  /** The groups pushed to WeCom last, in order. */
  pushedChatIds: Type.Array(Type.String()),
  syncState: literals(LIVE_CODE_SYNC_STATES),
  syncError: Nullable(Type.String()),
  joins: Type.Integer(),
  joinsToday: Type.Integer(),
  createdAt: Timestamp,
});
export type LiveCode = Static<typeof LiveCode>;

const LiveCodeFields = {
  name: Name,
  remark: Type.Optional(Type.String({ maxLength: 200 })),
  /** Groups in the order they fill; each reaching the cap hands over to the next. */
  groupIds: Type.Array(Uuid, { minItems: 1, maxItems: 100, uniqueItems: true }),
  cap: Type.Optional(Type.Integer({ minimum: 2, maximum: WECOM_QR_GROUP_LIMIT })),
  /** Let WeCom create a new group when the last one is full (at WeCom's 200; see the module's README). */
  autoCreate: Type.Optional(Type.Boolean()),
  roomBaseName: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
  roomBaseId: Type.Optional(Type.Integer({ minimum: 1, maximum: 100000 })),
};
export const LiveCodeBody = Type.Object(LiveCodeFields, strict);
export type LiveCodeBody = Static<typeof LiveCodeBody>;
export const UpdateLiveCodeBody = Type.Object(
  {
    name: Type.Optional(Name),
    remark: Type.Optional(LiveCodeFields.remark),
    groupIds: Type.Optional(LiveCodeFields.groupIds),
    cap: LiveCodeFields.cap,
    autoCreate: LiveCodeFields.autoCreate,
    roomBaseName: LiveCodeFields.roomBaseName,
    roomBaseId: LiveCodeFields.roomBaseId,
  },
  { ...strict, minProperties: 1 },
);
export type UpdateLiveCodeBody = Static<typeof UpdateLiveCodeBody>;

// ---------------------------------------------------------------------------------------------------------------
// Keyword auto-reply.

export const MATCH_KINDS = ['exact', 'contains', 'regex'] as const;
export type MatchKind = (typeof MATCH_KINDS)[number];

const TimeWindow = Type.Object({ start: TimeOfDay, end: TimeOfDay }, strict);
const ReplyText = Type.String({ minLength: 1, maxLength: 1000 });

export const AutoReplyRule = Type.Object({
  id: Uuid,
  name: Type.String(),
  match: literals(MATCH_KINDS),
  keywords: Type.Array(Type.String()),
  reply: Type.String(),
  groupIds: Nullable(Type.Array(Uuid)),
  /** Replies only between these times (workspace time zone; start after end spans midnight); null: always. */
  window: Nullable(TimeWindow),
  /** Least time between two replies of this rule in one group. */
  cooldownSeconds: Type.Integer(),
  enabled: Type.Boolean(),
  replies: Type.Integer(),
  lastReplyAt: Nullable(Timestamp),
  createdAt: Timestamp,
});
export type AutoReplyRule = Static<typeof AutoReplyRule>;

const Keywords = Type.Array(Type.String({ minLength: 1, maxLength: 200 }), {
  minItems: 1,
  maxItems: 50,
  uniqueItems: true,
});
export const AutoReplyBody = Type.Object(
  {
    name: Name,
    match: literals(MATCH_KINDS),
    keywords: Keywords,
    reply: ReplyText,
    groupIds: Type.Optional(GroupScope),
    window: Type.Optional(Nullable(TimeWindow)),
    cooldownSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 86400 })),
    enabled: Type.Optional(Type.Boolean()),
  },
  strict,
);
export type AutoReplyBody = Static<typeof AutoReplyBody>;
export const UpdateAutoReplyBody = Type.Object(
  {
    name: Type.Optional(Name),
    match: Type.Optional(literals(MATCH_KINDS)),
    keywords: Type.Optional(Keywords),
    reply: Type.Optional(ReplyText),
    groupIds: Type.Optional(GroupScope),
    window: Type.Optional(Nullable(TimeWindow)),
    cooldownSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 86400 })),
    enabled: Type.Optional(Type.Boolean()),
  },
  { ...strict, minProperties: 1 },
);
export type UpdateAutoReplyBody = Static<typeof UpdateAutoReplyBody>;

// ---------------------------------------------------------------------------------------------------------------
// Moderation.

export const MODERATION_KINDS = ['ad_link', 'qr_code', 'sensitive_words', 'flood'] as const;
export type ModerationKind = (typeof MODERATION_KINDS)[number];
/** warn: a warning in the group; remove: a removal request to the owner; blacklist: removal and no way back in. */
export const MODERATION_ACTIONS = ['warn', 'remove', 'blacklist'] as const;
export type ModerationAction = (typeof MODERATION_ACTIONS)[number];

const Domain = Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9.-]+$' });
const Word = Type.String({ minLength: 1, maxLength: 50 });

const ModerationFields = {
  name: Name,
  kind: literals(MODERATION_KINDS),
  action: literals(MODERATION_ACTIONS),
  groupIds: Type.Optional(GroupScope),
  enabled: Type.Optional(Type.Boolean()),
  /** ad_link: domains (and their subdomains) whose links are allowed. */
  allowDomains: Type.Optional(Type.Array(Domain, { maxItems: 200, uniqueItems: true })),
  /** sensitive_words: the list, matched in the text with case, width and spacing evened out. */
  words: Type.Optional(Type.Array(Word, { maxItems: 5000, uniqueItems: true })),
  /** qr_code: which messages count (images the archive connector found a QR code in, mini-programs, cards). */
  flagImages: Type.Optional(Type.Boolean()),
  flagMiniPrograms: Type.Optional(Type.Boolean()),
  flagCards: Type.Optional(Type.Boolean()),
  /** flood: more than maxMessages in windowSeconds. */
  maxMessages: Type.Optional(Type.Integer({ minimum: 2, maximum: 1000 })),
  windowSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600 })),
  /** The warning posted in the group; a default in the workspace's language when absent. `{name}` is the member. */
  warningText: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 500 }))),
};

export const ModerationRule = Type.Object({
  id: Uuid,
  name: Type.String(),
  kind: literals(MODERATION_KINDS),
  action: literals(MODERATION_ACTIONS),
  groupIds: Nullable(Type.Array(Uuid)),
  enabled: Type.Boolean(),
  allowDomains: Type.Array(Type.String()),
  words: Type.Array(Type.String()),
  flagImages: Type.Boolean(),
  flagMiniPrograms: Type.Boolean(),
  flagCards: Type.Boolean(),
  maxMessages: Nullable(Type.Integer()),
  windowSeconds: Nullable(Type.Integer()),
  warningText: Nullable(Type.String()),
  violations: Type.Integer(),
  createdAt: Timestamp,
});
export type ModerationRule = Static<typeof ModerationRule>;

export const ModerationRuleBody = Type.Object(ModerationFields, strict);
export type ModerationRuleBody = Static<typeof ModerationRuleBody>;
export const UpdateModerationRuleBody = Type.Object(
  {
    ...ModerationFields,
    name: Type.Optional(Name),
    kind: Type.Optional(literals(MODERATION_KINDS)),
    action: Type.Optional(literals(MODERATION_ACTIONS)),
  },
  { ...strict, minProperties: 1 },
);
export type UpdateModerationRuleBody = Static<typeof UpdateModerationRuleBody>;

export const Violation = Type.Object({
  id: Type.Integer(),
  ruleId: Nullable(Uuid),
  ruleName: Type.String(),
  kind: literals(MODERATION_KINDS),
  action: literals(MODERATION_ACTIONS),
  groupId: Uuid,
  groupName: Type.String(),
  memberId: Type.String(),
  memberName: Type.String(),
  customerId: Nullable(Uuid),
  /** The evidence: the message that broke the rule, as it was written. */
  messageId: Nullable(Type.Integer()),
  msgid: Nullable(Type.String()),
  evidence: Type.String(),
  /** What matched: the link's domain, the words, the message type, or the count of a flood. */
  matched: Type.Array(Type.String()),
  warningSendId: Nullable(Uuid),
  removalId: Nullable(Uuid),
  at: Timestamp,
});
export type Violation = Static<typeof Violation>;

export const ViolationListQuery = Type.Object(
  {
    ...PageQuery,
    groupId: Type.Optional(Uuid),
    memberId: Type.Optional(MemberId),
    kind: Type.Optional(literals(MODERATION_KINDS)),
  },
  strict,
);
export type ViolationListQuery = Static<typeof ViolationListQuery>;

export const REMOVAL_STATUSES = ['requested', 'done', 'cancelled'] as const;
export type RemovalStatus = (typeof REMOVAL_STATUSES)[number];
export const REMOVAL_REASONS = ['moderation', 'blacklist'] as const;
export type RemovalReason = (typeof REMOVAL_REASONS)[number];

/**
 * A request to the group's owner and admins to remove a member in WeCom (there is no API that removes a customer
 * from a customer group); done when WeCom's del_member callback shows the member gone.
 */
export const Removal = Type.Object({
  id: Uuid,
  groupId: Uuid,
  groupName: Type.String(),
  chatId: Type.String(),
  memberId: Type.String(),
  memberName: Type.String(),
  reason: literals(REMOVAL_REASONS),
  violationId: Nullable(Type.Integer()),
  status: literals(REMOVAL_STATUSES),
  /** Who is asked: the owner and the admins (WeCom UserIDs). */
  assignees: Type.Array(Type.String()),
  /** When they were told through the self-built app; null when it is not configured (the console lists it). */
  notifiedAt: Nullable(Timestamp),
  notifyError: Nullable(Type.String()),
  requestedAt: Timestamp,
  doneAt: Nullable(Timestamp),
});
export type Removal = Static<typeof Removal>;

export const RemovalListQuery = Type.Object(
  { ...PageQuery, status: Type.Optional(literals(REMOVAL_STATUSES)), groupId: Type.Optional(Uuid) },
  strict,
);
export type RemovalListQuery = Static<typeof RemovalListQuery>;

export const BlacklistEntry = Type.Object({
  memberId: Type.String(),
  name: Type.String(),
  customerId: Nullable(Uuid),
  reason: Type.String(),
  violationId: Nullable(Type.Integer()),
  createdBy: Type.String(),
  createdAt: Timestamp,
});
export type BlacklistEntry = Static<typeof BlacklistEntry>;

export const BlacklistBody = Type.Object(
  { memberId: MemberId, reason: Type.String({ minLength: 1, maxLength: 200 }) },
  strict,
);
export type BlacklistBody = Static<typeof BlacklistBody>;
export const MemberIdParams = Type.Object({ memberId: MemberId }, strict);

// ---------------------------------------------------------------------------------------------------------------
// Outbound group messages (auto-replies, warnings, SOP) and their send results.

export const SEND_KINDS = ['auto_reply', 'warning', 'sop'] as const;
export type SendKind = (typeof SEND_KINDS)[number];
export const SEND_STATES = ['pending', 'sent', 'failed'] as const;
export type SendState = (typeof SEND_STATES)[number];

export const SendLink = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 128 }),
    url: Type.String({ pattern: '^https?://', maxLength: 2000 }),
    description: Type.Optional(Type.String({ maxLength: 512 })),
  },
  strict,
);
export type SendLink = Static<typeof SendLink>;

export const Send = Type.Object({
  id: Uuid,
  kind: literals(SEND_KINDS),
  /** The rule, violation or SOP plan it came from. */
  sourceId: Type.String(),
  /** The owner it goes out as (group message templates are sent by the group's owner). */
  sender: Type.String(),
  chatIds: Type.Array(Type.String()),
  text: Type.String(),
  link: Nullable(SendLink),
  state: literals(SEND_STATES),
  /** WeCom's msgid of the group message template. */
  msgId: Nullable(Type.String()),
  error: Nullable(Type.String()),
  /** Per group, from get_groupmsg_send_result: 0 waiting for the owner, 1 sent, 2 not a friend, 3 limit reached. */
  results: Type.Array(Type.Object({ chatId: Type.String(), status: Type.Integer(), sendTime: Nullable(Timestamp) })),
  resultsAt: Nullable(Timestamp),
  createdAt: Timestamp,
  sentAt: Nullable(Timestamp),
});
export type Send = Static<typeof Send>;

export const SendListQuery = Type.Object(
  {
    ...PageQuery,
    kind: Type.Optional(literals(SEND_KINDS)),
    sourceId: Type.Optional(Type.String({ maxLength: 64 })),
  },
  strict,
);
export type SendListQuery = Static<typeof SendListQuery>;

// ---------------------------------------------------------------------------------------------------------------
// Group SOP.

export const SOP_SCHEDULES = ['once', 'daily', 'weekly'] as const;
export type SopSchedule = (typeof SOP_SCHEDULES)[number];

const SopFields = {
  name: Name,
  groupIds: Type.Optional(GroupScope),
  schedule: literals(SOP_SCHEDULES),
  /** once: when. */
  runAt: Type.Optional(Timestamp),
  /** daily and weekly: the time of day. */
  time: Type.Optional(TimeOfDay),
  /** weekly: ISO weekdays, 1 Monday … 7 Sunday. */
  weekdays: Type.Optional(
    Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), { minItems: 1, maxItems: 7, uniqueItems: true }),
  ),
  text: Type.String({ minLength: 1, maxLength: 2000 }),
  link: Type.Optional(Nullable(SendLink)),
  startsOn: Type.Optional(Nullable(Day)),
  endsOn: Type.Optional(Nullable(Day)),
  enabled: Type.Optional(Type.Boolean()),
};

export const SopPlan = Type.Object({
  id: Uuid,
  name: Type.String(),
  groupIds: Nullable(Type.Array(Uuid)),
  schedule: literals(SOP_SCHEDULES),
  runAt: Nullable(Timestamp),
  time: Nullable(Type.String()),
  weekdays: Type.Array(Type.Integer()),
  text: Type.String(),
  link: Nullable(SendLink),
  startsOn: Nullable(Type.String()),
  endsOn: Nullable(Type.String()),
  enabled: Type.Boolean(),
  nextRunAt: Nullable(Timestamp),
  lastRunAt: Nullable(Timestamp),
  runs: Type.Integer(),
  createdAt: Timestamp,
});
export type SopPlan = Static<typeof SopPlan>;

export const SopPlanBody = Type.Object(SopFields, strict);
export type SopPlanBody = Static<typeof SopPlanBody>;
export const UpdateSopPlanBody = Type.Object(
  {
    ...SopFields,
    name: Type.Optional(Name),
    schedule: Type.Optional(literals(SOP_SCHEDULES)),
    text: Type.Optional(SopFields.text),
  },
  { ...strict, minProperties: 1 },
);
export type UpdateSopPlanBody = Static<typeof UpdateSopPlanBody>;

export const SopRunResult = Type.Object({ occurrence: Timestamp, sends: Type.Array(Send) });
export type SopRunResult = Static<typeof SopRunResult>;

// ---------------------------------------------------------------------------------------------------------------
// Settings and check-in.

export const CommunitySettings = Type.Object({
  checkIn: Type.Object({
    enabled: Type.Boolean(),
    /** A message equal to one of these (spaces and punctuation aside) checks its sender in. */
    keywords: Type.Array(Type.String()),
  }),
});
export type CommunitySettings = Static<typeof CommunitySettings>;

export const CommunitySettingsBody = Type.Object(
  {
    checkIn: Type.Object(
      {
        enabled: Type.Boolean(),
        keywords: Type.Array(Type.String({ minLength: 1, maxLength: 20 }), {
          minItems: 1,
          maxItems: 20,
          uniqueItems: true,
        }),
      },
      strict,
    ),
  },
  strict,
);
export type CommunitySettingsBody = Static<typeof CommunitySettingsBody>;

/** What became of a check-in's points: loyalty's answer, or why none were asked for. */
export const CHECK_IN_POINTS = ['awarded', 'already_today', 'capped', 'not_member', 'no_customer'] as const;
export type CheckInPoints = (typeof CHECK_IN_POINTS)[number];

export const CheckInRecord = Type.Object({
  groupId: Uuid,
  groupName: Type.String(),
  memberId: Type.String(),
  name: Type.String(),
  customerId: Nullable(Uuid),
  day: Type.String(),
  /** Consecutive days checked in in this group, this day included. */
  streak: Type.Integer(),
  points: Type.Integer(),
  pointsStatus: literals(CHECK_IN_POINTS),
  at: Timestamp,
});
export type CheckInRecord = Static<typeof CheckInRecord>;

export const CheckInListQuery = Type.Object(
  { ...PageQuery, groupId: Type.Optional(Uuid), day: Type.Optional(Day), memberId: Type.Optional(MemberId) },
  strict,
);
export type CheckInListQuery = Static<typeof CheckInListQuery>;

// ---------------------------------------------------------------------------------------------------------------
// Statistics and KOC discovery.

export const StatsQuery = Type.Object(
  { groupId: Type.Optional(Uuid), from: Type.Optional(Day), to: Type.Optional(Day) },
  strict,
);
export type StatsQuery = Static<typeof StatsQuery>;

export const Speaker = Type.Object({
  memberId: Type.String(),
  name: Type.String(),
  customerId: Nullable(Uuid),
  messages: Type.Integer(),
});

export const GroupStatsReport = Type.Object({
  groupId: Nullable(Uuid),
  from: Type.String(),
  to: Type.String(),
  days: Type.Array(
    Type.Object({
      day: Type.String(),
      /** Members at the end of the day. */
      members: Type.Integer(),
      joins: Type.Integer(),
      quits: Type.Integer(),
      messages: Type.Integer(),
      /** Distinct members who wrote that day. */
      activeMembers: Type.Integer(),
    }),
  ),
  totals: Type.Object({
    members: Type.Integer(),
    joins: Type.Integer(),
    quits: Type.Integer(),
    messages: Type.Integer(),
    activeMembers: Type.Integer(),
  }),
  topSpeakers: Type.Array(Speaker),
});
export type GroupStatsReport = Static<typeof GroupStatsReport>;

export const KocQuery = Type.Object(
  {
    groupId: Type.Optional(Uuid),
    from: Type.Optional(Day),
    to: Type.Optional(Day),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  },
  strict,
);
export type KocQuery = Static<typeof KocQuery>;

export const KocCandidate = Type.Object({
  memberId: Type.String(),
  name: Type.String(),
  customerId: Nullable(Uuid),
  groups: Type.Array(Type.Object({ groupId: Uuid, name: Type.String(), role: literals(MEMBER_ROLES) })),
  messages: Type.Integer(),
  activeDays: Type.Integer(),
  /** Members who joined with this member as their inviter. */
  invited: Type.Integer(),
  positiveMessages: Type.Integer(),
  negativeMessages: Type.Integer(),
  /** Share of positive among the member's opinionated messages, 0–100; null when none expressed an opinion. */
  positivity: Nullable(Type.Integer()),
  /** messages + 5 × activeDays + 10 × invited + 3 × positive − 3 × negative (README). */
  score: Type.Integer(),
  koc: Type.Boolean(),
});
export type KocCandidate = Static<typeof KocCandidate>;
/** KOC candidates with the days they were ranked over (by default the 30 days up to today in the workspace's zone). */
export const KocReport = Type.Object({
  from: Type.String(),
  to: Type.String(),
  items: Type.Array(KocCandidate),
  nextCursor: Type.Null(),
});
export type KocReport = Static<typeof KocReport>;

// ---------------------------------------------------------------------------------------------------------------
// Domain events the module publishes.

/** A group message arrived from the session archive (one per new message; recalls are not announced). */
export const MessagePosted = Type.Object({
  messageId: Type.Integer(),
  chatId: Type.String(),
  senderId: Type.String(),
  sentAt: Timestamp,
});
export type MessagePosted = Static<typeof MessagePosted>;

/** A member joined or left a group (from WeCom's callbacks or a sync). */
export const MemberChanged = Type.Object({
  groupId: Uuid,
  chatId: Type.String(),
  memberId: Type.String(),
  customerId: Nullable(Uuid),
  at: Timestamp,
});
export type MemberChanged = Static<typeof MemberChanged>;

/** A member checked in in a group (once per member, group and day). */
export const MemberCheckedIn = Type.Object({
  groupId: Uuid,
  memberId: Type.String(),
  customerId: Nullable(Uuid),
  day: Type.String(),
  streak: Type.Integer(),
});
export type MemberCheckedIn = Static<typeof MemberCheckedIn>;
