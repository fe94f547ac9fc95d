// Request and response shapes of the WeCom connector (settings, security log, inbox) and the payloads of the domain
// events it publishes, shared by the server, the console and the modules that react to those events.
import { type Static, Type } from '@sinclair/typebox';
import { PageQuery, Timestamp, Uuid } from './foundation.ts';

/** WeCom's production API; a workspace may point at the simulator instead (tests, the demo). */
export const WECOM_PRODUCTION_API = 'https://qyapi.weixin.qq.com';

/** Accepted clock difference between WeCom's timestamp and ours, in seconds, unless a workspace sets its own. */
export const DEFAULT_MAX_SKEW_SECONDS = 300;

const CorpId = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', description: '企业ID (CorpID), e.g. ww1234…' });
/** WeCom lets an admin type any English letters and digits up to 32 characters as the callback Token. */
const CallbackToken = Type.String({ pattern: '^[A-Za-z0-9]{1,32}$' });
/** 43 characters of [A-Za-z0-9]: the base64 of a 32-byte AES key without its trailing `=`. */
const EncodingAesKey = Type.String({ pattern: '^[A-Za-z0-9]{43}$' });
const Secret = Type.String({ minLength: 1, maxLength: 128, pattern: '^[\\x21-\\x7e]+$' });

export const WeComSettingsBody = Type.Object(
  {
    corpId: CorpId,
    /** The self-built app's AgentId, when one is used (its secret is `appSecret`). */
    agentId: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 2_147_483_647 }), Type.Null()])),
    /** Secret of 客户联系 (customer contact): external contacts, contact ways, welcome messages, transfers, groups. */
    contactSecret: Type.Optional(Secret),
    /** Secret of the self-built app, when one is used. */
    appSecret: Type.Optional(Secret),
    /** Callback Token; generated (and returned once) when the workspace has none yet and the body omits it. */
    token: Type.Optional(CallbackToken),
    /** Callback EncodingAESKey; generated (and returned once) like the token. */
    encodingAesKey: Type.Optional(EncodingAesKey),
    /**
     * Generate a new Token and EncodingAESKey (returned once) even though the workspace has them: to rotate them, or
     * when the answer that showed the generated ones was lost. WeCom's page must then get the new ones too.
     */
    generateCallbackKeys: Type.Optional(Type.Boolean()),
    /**
     * Where the API client sends its calls: WeCom's production API by default, or a simulator's loopback URL.
     * It can change only in a request that also sets every secret the workspace keeps, so a stored secret is never
     * sent to a host its owner did not type it for.
     */
    apiBaseUrl: Type.Optional(Type.String({ pattern: '^https?://[^\\s/?#]+(:\\d+)?/?$', maxLength: 200 })),
    /** How far a callback's timestamp may be from our clock (also how long nonces are remembered). */
    maxSkewSeconds: Type.Optional(Type.Integer({ minimum: 30, maximum: 3600 })),
  },
  { additionalProperties: false },
);
export type WeComSettingsBody = Static<typeof WeComSettingsBody>;

export const WeComSettings = Type.Object({
  configured: Type.Boolean(),
  corpId: Type.Union([Type.String(), Type.Null()]),
  agentId: Type.Union([Type.Integer(), Type.Null()]),
  apiBaseUrl: Type.String(),
  /** The path to enter in WeCom's 接收事件服务器 URL, after this server's public origin. */
  callbackPath: Type.String(),
  /** Secrets are never returned: only whether each is set. */
  hasContactSecret: Type.Boolean(),
  hasAppSecret: Type.Boolean(),
  hasToken: Type.Boolean(),
  hasEncodingAesKey: Type.Boolean(),
  maxSkewSeconds: Type.Integer(),
  /** Last successful URL verification (WeCom's GET when the admin saves the callback URL). */
  lastVerifiedAt: Type.Union([Timestamp, Type.Null()]),
  /** Last event accepted from WeCom. */
  lastEventAt: Type.Union([Timestamp, Type.Null()]),
  updatedAt: Type.Union([Timestamp, Type.Null()]),
});
export type WeComSettings = Static<typeof WeComSettings>;

export const WeComSettingsSaved = Type.Object({
  settings: WeComSettings,
  /** The callback token and key Siyu generated in this request, shown this once to paste into WeCom. */
  generated: Type.Object({
    token: Type.Union([Type.String(), Type.Null()]),
    encodingAesKey: Type.Union([Type.String(), Type.Null()]),
  }),
});
export type WeComSettingsSaved = Static<typeof WeComSettingsSaved>;

const CheckOutcome = Type.Object({
  /** Whether a secret is configured at all (nothing was tried when not). */
  configured: Type.Boolean(),
  ok: Type.Boolean(),
  code: Type.Union([Type.String(), Type.Null()]),
  message: Type.Union([Type.String(), Type.Null()]),
});
export const WeComCheckResult = Type.Object({ contact: CheckOutcome, app: CheckOutcome });
export type WeComCheckResult = Static<typeof WeComCheckResult>;

/** Why a callback was refused; each is also the error code the endpoint answered with. */
export const WECOM_REJECTIONS = [
  'wecom.bad_signature',
  'wecom.wrong_receive_id',
  'wecom.stale_timestamp',
  'wecom.replayed_nonce',
  'wecom.bad_padding',
  'wecom.truncated_ciphertext',
  'wecom.bad_message_length',
  'wecom.malformed_xml',
] as const;
export type WeComRejection = (typeof WECOM_REJECTIONS)[number];

export const WeComSecurityEntry = Type.Object({
  id: Type.String(),
  at: Timestamp,
  code: Type.String(),
  ip: Type.Union([Type.String(), Type.Null()]),
  method: Type.String(),
  details: Type.Record(Type.String(), Type.Unknown()),
});
export type WeComSecurityEntry = Static<typeof WeComSecurityEntry>;

export const WeComSecurityQuery = Type.Object(
  { ...PageQuery, code: Type.Optional(Type.Union(WECOM_REJECTIONS.map((c) => Type.Literal(c)))) },
  { additionalProperties: false },
);
export type WeComSecurityQuery = Static<typeof WeComSecurityQuery>;

export const INBOX_STATES = ['received', 'processed', 'ignored', 'failed'] as const;
export type InboxState = (typeof INBOX_STATES)[number];

export const WeComInboxItem = Type.Object({
  id: Type.String(),
  receivedAt: Timestamp,
  event: Type.String(),
  changeType: Type.Union([Type.String(), Type.Null()]),
  /** WeCom's CreateTime of the event. */
  createdAt: Type.Union([Timestamp, Type.Null()]),
  state: Type.Union(INBOX_STATES.map((s) => Type.Literal(s))),
  /** How many times WeCom delivered it (retries of an event already stored count here, not as new rows). */
  deliveries: Type.Integer(),
  /** The domain event it became, once processed. */
  domainEvent: Type.Union([Type.String(), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
  /** The decrypted XML as WeCom sent it. */
  xml: Type.String(),
});
export type WeComInboxItem = Static<typeof WeComInboxItem>;

export const WeComInboxQuery = Type.Object(
  { ...PageQuery, state: Type.Optional(Type.Union(INBOX_STATES.map((s) => Type.Literal(s)))) },
  { additionalProperties: false },
);
export type WeComInboxQuery = Static<typeof WeComInboxQuery>;

// ---------------------------------------------------------------------------------------------------------------
// The media library (素材库): images kept by Siyu, each with its current WeCom media id (see the README).

/** WeCom takes images of at most 10 MB, JPG or PNG only; the library takes no more. */
export const MEDIA_MAX_BYTES = 10 * 1024 * 1024;
export const MEDIA_CONTENT_TYPES = ['image/jpeg', 'image/png'] as const;
export type MediaContentType = (typeof MEDIA_CONTENT_TYPES)[number];

export const MediaAsset = Type.Object({
  id: Uuid,
  name: Type.String(),
  /** From the file's first bytes, whatever its name or declared type said. */
  contentType: Type.Union(MEDIA_CONTENT_TYPES.map((t) => Type.Literal(t))),
  size: Type.Integer(),
  sha256: Type.String(),
  /** The current WeCom temporary media id; null until first needed (or after a change of corp). */
  wecomMediaId: Type.Union([Type.String(), Type.Null()]),
  wecomUploadedAt: Type.Union([Timestamp, Type.Null()]),
  /** WeCom's 3 days after the upload; Siyu uploads again before (2.5 days) while something uses the image. */
  wecomExpiresAt: Type.Union([Timestamp, Type.Null()]),
  /** Welcome messages and other content naming the image. */
  uses: Type.Integer(),
  /** The same bytes were already in the library: this upload answered that image instead of a copy. */
  existing: Type.Boolean(),
  createdAt: Timestamp,
});
export type MediaAsset = Static<typeof MediaAsset>;

export const MediaUploadQuery = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 100 }) },
  { additionalProperties: false },
);
export type MediaUploadQuery = Static<typeof MediaUploadQuery>;

export const MediaListQuery = Type.Object(PageQuery, { additionalProperties: false });
export type MediaListQuery = Static<typeof MediaListQuery>;

export const MediaContentFile = Type.String({ format: 'binary', description: 'image/jpeg or image/png' });

// ---------------------------------------------------------------------------------------------------------------
// Domain events. Every payload carries the corp, WeCom's CreateTime and the inbox row it came from.

const Common = {
  corpId: Type.String(),
  /** WeCom's CreateTime of the change. */
  occurredAt: Timestamp,
  /** The inbox row (GET /api/wecom/inbox) holding the callback as received. */
  inboxId: Type.String(),
};
const Contact = {
  ...Common,
  /** The guide (企业成员 UserID). */
  userId: Type.String(),
  externalUserId: Type.String(),
};

/** A customer added a guide (add_external_contact). `state` names the contact way (channel code) used. */
export const ContactAdded = Type.Object({
  ...Contact,
  state: Type.Union([Type.String(), Type.Null()]),
  /** Usable once with send_welcome_msg, within 20 seconds of the add. Null when the guide already greeted. */
  welcomeCode: Type.Union([Type.String(), Type.Null()]),
});
export type ContactAdded = Static<typeof ContactAdded>;

/** A customer added a guide without verification, and the guide has not accepted yet (add_half_external_contact). */
export const ContactHalfAdded = ContactAdded;
export type ContactHalfAdded = Static<typeof ContactHalfAdded>;

/** A guide edited a customer's remark, description or tags (edit_external_contact). */
export const ContactEdited = Type.Object(Contact);
export type ContactEdited = Static<typeof ContactEdited>;

/** The customer deleted the guide (del_follow_user): a churn signal. */
export const ContactDeleted = Type.Object(Contact);
export type ContactDeleted = Static<typeof ContactDeleted>;

/**
 * The guide deleted the customer (del_external_contact). `byTransfer` (WeCom's Source DELETE_BY_TRANSFER) means
 * the customer moved to another guide by a transfer, which is not a loss.
 */
export const ContactRemovedByGuide = Type.Object({
  ...Contact,
  source: Type.Union([Type.String(), Type.Null()]),
  byTransfer: Type.Boolean(),
});
export type ContactRemovedByGuide = Static<typeof ContactRemovedByGuide>;

/** A transfer of the customer to the guide `userId` failed (transfer_fail). */
export const TransferFailed = Type.Object({
  ...Contact,
  /** customer_refused (客户拒绝) or customer_limit_exceed (接替成员的客户数达到上限), as WeCom says. */
  failReason: Type.String(),
});
export type TransferFailed = Static<typeof TransferFailed>;

export const ChatCreated = Type.Object({ ...Common, chatId: Type.String() });
export type ChatCreated = Static<typeof ChatCreated>;

export const CHAT_UPDATE_DETAILS = [
  'add_member',
  'del_member',
  'change_owner',
  'change_name',
  'change_notice',
] as const;

/** A customer group changed (update). Member changes carry the members, scene and member-list versions. */
export const ChatUpdated = Type.Object({
  ...Common,
  chatId: Type.String(),
  /** add_member, del_member, change_owner, change_name, change_notice, or a detail WeCom adds later. */
  updateDetail: Type.String(),
  /** add_member: 0 invited directly by a member, 1 by an invitation link, 3 by scanning the group QR code. */
  joinScene: Type.Union([Type.Integer(), Type.Null()]),
  /** del_member: 0 left by themselves, 1 removed by the owner or an admin. */
  quitScene: Type.Union([Type.Integer(), Type.Null()]),
  memberChangeCount: Type.Union([Type.Integer(), Type.Null()]),
  /** UserIDs and external_userids of the members who joined or left. */
  memberIds: Type.Array(Type.String()),
  lastMemberVersion: Type.Union([Type.String(), Type.Null()]),
  currentMemberVersion: Type.Union([Type.String(), Type.Null()]),
});
export type ChatUpdated = Static<typeof ChatUpdated>;

export const ChatDismissed = Type.Object({ ...Common, chatId: Type.String() });
export type ChatDismissed = Static<typeof ChatDismissed>;

/** A corp customer tag or tag group changed in WeCom (change_external_tag); re-read the tag list to follow it. */
export const TagChanged = Type.Object({
  ...Common,
  changeType: Type.Union([
    Type.Literal('create'),
    Type.Literal('update'),
    Type.Literal('delete'),
    Type.Literal('shuffle'),
  ]),
  /** The tag or group id; for shuffle the group whose tags were reordered, or null for the group order itself. */
  tagId: Type.Union([Type.String(), Type.Null()]),
  /** tag or tag_group; null for shuffle. */
  tagType: Type.Union([Type.Literal('tag'), Type.Literal('tag_group'), Type.Null()]),
  /** Set when the tag belongs to a rule group (规则组). */
  strategyId: Type.Union([Type.String(), Type.Null()]),
});
export type TagChanged = Static<typeof TagChanged>;

/**
 * `wecom.settings_saved`: a workspace's WeCom settings were saved with a customer-contact secret (not a callback;
 * modules that mirror WeCom data start a sync on it).
 */
export const SettingsSaved = Type.Object({ corpId: Type.String(), apiBaseUrl: Type.String() });
export type SettingsSaved = Static<typeof SettingsSaved>;

/** Domain event names published by the WeCom connector, with their payloads. */
export interface WeComDomainEvents {
  'wecom.contact_added': ContactAdded;
  'wecom.contact_half_added': ContactHalfAdded;
  'wecom.contact_edited': ContactEdited;
  'wecom.contact_deleted': ContactDeleted;
  'wecom.contact_removed_by_guide': ContactRemovedByGuide;
  'wecom.transfer_failed': TransferFailed;
  'wecom.chat_created': ChatCreated;
  'wecom.chat_updated': ChatUpdated;
  'wecom.chat_dismissed': ChatDismissed;
  'wecom.tag_changed': TagChanged;
}
export type WeComDomainEventType = keyof WeComDomainEvents;

export const WECOM_EVENT_SCHEMAS = {
  'wecom.contact_added': ContactAdded,
  'wecom.contact_half_added': ContactHalfAdded,
  'wecom.contact_edited': ContactEdited,
  'wecom.contact_deleted': ContactDeleted,
  'wecom.contact_removed_by_guide': ContactRemovedByGuide,
  'wecom.transfer_failed': TransferFailed,
  'wecom.chat_created': ChatCreated,
  'wecom.chat_updated': ChatUpdated,
  'wecom.chat_dismissed': ChatDismissed,
  'wecom.tag_changed': TagChanged,
} as const;
export const WECOM_EVENT_TYPES = Object.keys(WECOM_EVENT_SCHEMAS) as WeComDomainEventType[];
