// Request and response shapes of the tags API (tag groups, tags, tagging), shared by the server and the console.
import { type Static, Type } from '@sinclair/typebox';
import { Timestamp, Uuid } from './foundation.ts';

export const TAG_SOURCES = ['manual', 'bulk', 'rule', 'import', 'api', 'wecom'] as const;
export type TagSource = (typeof TAG_SOURCES)[number];

/** Largest list one bulk call accepts (customer ids or phone numbers). */
export const BULK_TAG_LIMIT = 10_000;

const Color = Type.String({ pattern: '^#[0-9a-fA-F]{6}$' });

export const TagGroupBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 32 }),
    sort: Type.Optional(Type.Integer()),
    /** Mirror the group and its tags as WeCom corp tags (企业客户标签); it can be turned on, not off. */
    wecomSync: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type TagGroupBody = Static<typeof TagGroupBody>;
export const UpdateTagGroupBody = Type.Partial(TagGroupBody, { additionalProperties: false, minProperties: 1 });
export type UpdateTagGroupBody = Static<typeof UpdateTagGroupBody>;

export const TagBody = Type.Object(
  {
    groupId: Uuid,
    name: Type.String({ minLength: 1, maxLength: 32 }),
    color: Type.Optional(Type.Union([Color, Type.Null()])),
  },
  { additionalProperties: false },
);
export type TagBody = Static<typeof TagBody>;
export const UpdateTagBody = Type.Partial(TagBody, { additionalProperties: false, minProperties: 1 });
export type UpdateTagBody = Static<typeof UpdateTagBody>;

/** A segment rule tree (validated by the segments module, which also evaluates it). */
export const TagRuleBody = Type.Object(
  { rule: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]) },
  { additionalProperties: false },
);
export type TagRuleBody = Static<typeof TagRuleBody>;

export const Tag = Type.Object({
  id: Uuid,
  groupId: Uuid,
  name: Type.String(),
  color: Type.Union([Type.String(), Type.Null()]),
  rule: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  customerCount: Type.Integer(),
  /** The WeCom corp tag this tag is (null: not in WeCom yet, or its group is not synced). */
  wecomTagId: Type.Union([Type.String(), Type.Null()]),
  /** Set when the tag was deleted in WeCom: kept (with its customers) for history, no longer given. */
  archivedAt: Type.Union([Timestamp, Type.Null()]),
  createdAt: Timestamp,
});
export type Tag = Static<typeof Tag>;

export const TAG_GROUP_SOURCES = ['siyu', 'wecom'] as const;

export const TagGroup = Type.Object({
  id: Uuid,
  name: Type.String(),
  sort: Type.Integer(),
  /** Where the group was made: in Siyu, or in WeCom (found by a corp tag sync). */
  source: Type.Union(TAG_GROUP_SOURCES.map((s) => Type.Literal(s))),
  /** Whether the group and its tags are kept equal to a WeCom corp tag group. */
  wecomSync: Type.Boolean(),
  wecomGroupId: Type.Union([Type.String(), Type.Null()]),
  archivedAt: Type.Union([Timestamp, Type.Null()]),
  createdAt: Timestamp,
  tags: Type.Array(Tag),
});
export type TagGroup = Static<typeof TagGroup>;

export const TagListQuery = Type.Object({ groupId: Type.Optional(Uuid) }, { additionalProperties: false });

export const CustomerTag = Type.Object({
  tagId: Uuid,
  name: Type.String(),
  groupId: Uuid,
  groupName: Type.String(),
  color: Type.Union([Type.String(), Type.Null()]),
  source: Type.String(),
  taggedAt: Timestamp,
});
export type CustomerTag = Static<typeof CustomerTag>;

export const ApplyTagsBody = Type.Object(
  { tagIds: Type.Array(Uuid, { minItems: 1, maxItems: 100 }) },
  { additionalProperties: false },
);
export type ApplyTagsBody = Static<typeof ApplyTagsBody>;

/** Customer ids, phone numbers (any common format; read as +86 without a code), or both (a file may mix them). */
export const BulkTagBody = Type.Object(
  {
    customerIds: Type.Optional(Type.Array(Uuid, { minItems: 1, maxItems: BULK_TAG_LIMIT })),
    phones: Type.Optional(
      Type.Array(Type.String({ minLength: 3, maxLength: 32 }), { minItems: 1, maxItems: BULK_TAG_LIMIT }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type BulkTagBody = Static<typeof BulkTagBody>;

export const BulkTagResult = Type.Object({
  /** Distinct customers the list resolved to. */
  matched: Type.Integer(),
  /** Customers whose tag actually changed (the others already had it, or did not). */
  changed: Type.Integer(),
  /** Entries of the list that matched no current customer (first 100). */
  unmatched: Type.Array(Type.String()),
  unmatchedCount: Type.Integer(),
});
export type BulkTagResult = Static<typeof BulkTagResult>;

// ---------------------------------------------------------------------------------------------------------------
// WeCom corp tag sync (企业客户标签 ↔ Siyu tags).

export const WECOM_TAG_SYNC_STATES = ['idle', 'queued', 'running'] as const;

const SyncCounts = Type.Object({
  created: Type.Integer(),
  linked: Type.Integer(),
  renamed: Type.Integer(),
  archived: Type.Integer(),
});

export const WecomTagSync = Type.Object({
  state: Type.Union(WECOM_TAG_SYNC_STATES.map((s) => Type.Literal(s))),
  requestedAt: Type.Union([Timestamp, Type.Null()]),
  /** The last finished sync. */
  lastFinishedAt: Type.Union([Timestamp, Type.Null()]),
  lastStatus: Type.Union([Type.Literal('succeeded'), Type.Literal('failed'), Type.Null()]),
  lastResult: Type.Union([
    Type.Object({ groups: SyncCounts, tags: SyncCounts, customersTagged: Type.Integer() }),
    Type.Null(),
  ]),
  /** Why the last sync failed (a stable code and its message in the caller's language). */
  lastError: Type.Union([Type.Object({ code: Type.String(), message: Type.String() }), Type.Null()]),
});
export type WecomTagSync = Static<typeof WecomTagSync>;
export type WecomTagSyncResult = NonNullable<WecomTagSync['lastResult']>;
