// Who follows whom: relationships between WeCom members (guides) and external contacts (customers), recorded from
// WeCom's follow data. A relationship starts when a customer adds a guide (or a transfer or sync says so) and ends
// when either side deletes the other, a transfer moves it, or a sync finds it gone. Callbacks reach us in any order,
// so each change carries WeCom's time, and a change older than what a relationship already reflects is ignored.

import type { ExternalContact, FollowUser } from '../../connectors/wecom/index.ts';
import type {
  Relationship,
  RelationshipListQuery,
  RelationshipOrigin,
  RelationshipStatus,
} from '../../contracts/relationships.ts';
import type { Queryable, Tx } from '../../platform/db/index.ts';
import { decodeCursor, pageOf } from '../../platform/http/pagination.ts';
import type { RequestContext } from '../../platform/http/routes.ts';
import { emit } from '../../platform/jobs/index.ts';
import {
  type CustomerOwnership,
  type CustomerParticipants,
  findIdentities,
  maskName,
  normalizeIdentity,
  resolveCustomer,
  scopeSql,
} from '../customers/index.ts';

/** The relationships module's answer to "does this guide own this customer": an active relationship. */
export const relationshipOwnership: CustomerOwnership = {
  ownedSql: (customerId, workspaceId, staffId) => `EXISTS (
    SELECT 1 FROM customer_relationships own_r
      JOIN guides own_g ON own_g.workspace_id = own_r.workspace_id AND own_g.wecom_userid = own_r.wecom_userid
     WHERE own_r.workspace_id = ${workspaceId} AND own_r.customer_id = ${customerId} AND own_r.status = 'active'
       AND own_g.staff_id = ${staffId})`,
};

export interface RelationshipRow {
  id: string;
  customer_id: string;
  wecom_userid: string;
  external_userid: string;
  contact_name: string | null;
  contact_avatar: string | null;
  state: string | null;
  add_way: number;
  added_at: Date | null;
  remark: string;
  description: string;
  wecom_tags: { groupName: string; tagName: string }[];
  wecom_tag_ids: string[];
  wecom_tags_marked_at: Date | null;
  pending: boolean;
  status: RelationshipStatus;
  origin: RelationshipOrigin;
  ended_at: Date | null;
  last_change_at: Date;
  created_at: Date;
}

const COLUMNS = `id, customer_id, wecom_userid, external_userid, contact_name, contact_avatar, state, add_way, added_at,
  remark, description, wecom_tags, wecom_tag_ids, wecom_tags_marked_at, pending, status, origin, ended_at,
  last_change_at, created_at`;

/**
 * Serialises every change of one (guide, contact) pair across transactions: a callback, the sync and a transfer
 * touching the same pair at once take turns instead of both inserting an active relationship.
 */
async function lockPair(tx: Tx, workspaceId: string, wecomUserId: string, externalUserId: string): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
    `relationship:${workspaceId}:${wecomUserId}:${externalUserId}`,
  ]);
}

async function latestOfPair(tx: Tx, workspaceId: string, wecomUserId: string, externalUserId: string) {
  const rows = await tx.query<RelationshipRow>(
    `SELECT ${COLUMNS} FROM customer_relationships
      WHERE workspace_id = $1 AND wecom_userid = $2 AND external_userid = $3
      ORDER BY (status = 'active') DESC, coalesce(ended_at, added_at, created_at) DESC, created_at DESC LIMIT 1`,
    [workspaceId, wecomUserId, externalUserId],
  );
  return rows[0] ?? null;
}

/** WeCom's gender (0 unknown, 1 male, 2 female) in our spelling. */
const genderOf = (g: number) => (g === 1 ? 'male' : g === 2 ? 'female' : 'unknown') as 'male' | 'female' | 'unknown';

/**
 * The customer an external contact is: resolved by the contact's WeCom external user id and WeChat unionid
 * (merging two customers those identities belonged to, as resolution does). A customer seen for the first time gets
 * the WeChat name and gender WeCom gave and WeCom as source; a known customer's profile is left as it is, since a
 * WeChat nickname is no better than what the brand already holds.
 */
export async function resolveContactCustomer(
  tx: Tx,
  participants: CustomerParticipants,
  workspaceId: string,
  externalUserId: string,
  contact: ExternalContact | null,
  at: Date,
): Promise<string> {
  const identities = [normalizeIdentity({ kind: 'wecom_external_userid', value: externalUserId })];
  if (contact?.unionId) identities.push(normalizeIdentity({ kind: 'wechat_unionid', value: contact.unionId }));
  const known = await findIdentities(tx, workspaceId, identities);
  const profile =
    known.length === 0 && contact
      ? { name: contact.name.slice(0, 100) || null, gender: genderOf(contact.gender), sourceChannel: 'wecom' }
      : undefined;
  const resolved = await resolveCustomer(tx, participants, workspaceId, identities, {
    ...(profile ? { profile } : {}),
    seenAt: at,
    reason: 'wecom',
  });
  return resolved.customerId;
}

export interface StartFacts {
  wecomUserId: string;
  externalUserId: string;
  contact: ExternalContact | null;
  /** The guide's follow record of this contact, as WeCom lists it; null when WeCom could not say. */
  follow: FollowUser | null;
  /** WeCom's time of the change (the callback's CreateTime, or the follow's createtime for a sync). */
  at: Date;
  origin: RelationshipOrigin;
  /** True for a half add (not yet confirmed), false for a full add, undefined to keep what is known. */
  pending?: boolean;
  welcomeCode?: string | null;
  /** When the read of `follow` began: a read older than Siyu's last mark_tag on the pair says nothing of tags. */
  readAt?: Date;
}

/** The corp tags (type 1, 企业标签) of a follow record, sorted; personal tags (type 2) are the guide's own. */
export const corpTagIdsOf = (follow: FollowUser): string[] =>
  [...new Set(follow.tags.filter((t) => t.type === 1 && t.tagId).map((t) => t.tagId as string))].sort();

/**
 * Keeps a relationship's corp tag ids equal to what a read found and announces the difference
 * (`relationship.wecom_tags_changed`), unless the read began before Siyu last marked tags on it.
 */
async function readTags(tx: Tx, workspaceId: string, r: RelationshipRow, facts: StartFacts, before: string[]) {
  if (!facts.follow) return;
  if (r.wecom_tags_marked_at && facts.readAt && facts.readAt < r.wecom_tags_marked_at) return;
  const now = corpTagIdsOf(facts.follow);
  const added = now.filter((id) => !before.includes(id));
  const removed = before.filter((id) => !now.includes(id));
  if (added.length === 0 && removed.length === 0) return;
  await tx.query('UPDATE customer_relationships SET wecom_tag_ids = $3 WHERE workspace_id = $1 AND id = $2', [
    workspaceId,
    r.id,
    now,
  ]);
  r.wecom_tag_ids = now;
  await emit(tx, 'relationship.wecom_tags_changed', {
    relationshipId: r.id,
    customerId: r.customer_id,
    wecomUserId: r.wecom_userid,
    externalUserId: r.external_userid,
    added,
    removed,
  });
}

export interface StartOutcome {
  relationship: RelationshipRow;
  /** A new active relationship was recorded (and relationship.started emitted). */
  started: boolean;
}

/** Records that a relationship is active (idempotent: an active one is refreshed with what WeCom now says). */
export async function recordStart(
  tx: Tx,
  participants: CustomerParticipants,
  workspaceId: string,
  facts: StartFacts,
): Promise<StartOutcome | null> {
  await lockPair(tx, workspaceId, facts.wecomUserId, facts.externalUserId);
  const latest = await latestOfPair(tx, workspaceId, facts.wecomUserId, facts.externalUserId);
  const follow = facts.follow;
  const addedAt = follow && follow.createTime > 0 ? new Date(follow.createTime * 1000) : facts.at;
  const tags = JSON.stringify((follow?.tags ?? []).map((t) => ({ groupName: t.groupName, tagName: t.tagName })));
  if (latest && latest.status !== 'active' && latest.ended_at && latest.ended_at >= facts.at) {
    // This add is older than the end already recorded (the delete's callback overtook it): nothing starts.
    if (!latest.added_at) {
      await tx.query('UPDATE customer_relationships SET added_at = $3 WHERE workspace_id = $1 AND id = $2', [
        workspaceId,
        latest.id,
        addedAt,
      ]);
    }
    return null;
  }
  if (latest && latest.status === 'active') {
    const rows = await tx.query<RelationshipRow>(
      `UPDATE customer_relationships SET
         contact_name = coalesce($3, contact_name), contact_avatar = coalesce($4, contact_avatar),
         state = coalesce(state, $5), add_way = CASE WHEN $6 THEN $7 ELSE add_way END,
         added_at = coalesce(added_at, $8),
         remark = CASE WHEN $6 THEN $9 ELSE remark END, description = CASE WHEN $6 THEN $10 ELSE description END,
         wecom_tags = CASE WHEN $6 THEN $11::jsonb ELSE wecom_tags END,
         pending = CASE WHEN $12::boolean IS NULL THEN pending ELSE pending AND $12 END,
         last_change_at = GREATEST(last_change_at, $13), updated_at = now()
       WHERE workspace_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
      [
        workspaceId,
        latest.id,
        facts.contact?.name || null,
        facts.contact?.avatar ?? null,
        follow?.state ?? null,
        follow !== null,
        follow?.addWay ?? 0,
        addedAt,
        follow?.remark ?? '',
        follow?.description ?? '',
        tags,
        facts.pending ?? null,
        facts.at,
      ],
    );
    const relationship = rows[0] as RelationshipRow;
    await readTags(tx, workspaceId, relationship, facts, latest.wecom_tag_ids);
    return { relationship, started: false };
  }
  const customerId = await resolveContactCustomer(
    tx,
    participants,
    workspaceId,
    facts.externalUserId,
    facts.contact,
    facts.at,
  );
  const rows = await tx.query<RelationshipRow>(
    `INSERT INTO customer_relationships (workspace_id, customer_id, wecom_userid, external_userid, contact_name,
       contact_avatar, state, add_way, added_at, remark, description, wecom_tags, pending, status, origin,
       last_change_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb, $13, 'active', $14, $15)
     RETURNING ${COLUMNS}`,
    [
      workspaceId,
      customerId,
      facts.wecomUserId,
      facts.externalUserId,
      facts.contact?.name || null,
      facts.contact?.avatar ?? null,
      follow?.state ?? null,
      follow?.addWay ?? 0,
      addedAt,
      follow?.remark ?? '',
      follow?.description ?? '',
      tags,
      facts.pending ?? false,
      facts.origin,
      facts.at,
    ],
  );
  const relationship = rows[0] as RelationshipRow;
  const guide = await tx.query<{ staff_id: string }>(
    'SELECT staff_id FROM guides WHERE workspace_id = $1 AND wecom_userid = $2',
    [workspaceId, facts.wecomUserId],
  );
  await emit(tx, 'relationship.started', {
    relationshipId: relationship.id,
    customerId,
    guideStaffId: guide[0]?.staff_id ?? null,
    wecomUserId: facts.wecomUserId,
    externalUserId: facts.externalUserId,
    state: relationship.state,
    welcomeCode: facts.welcomeCode ?? null,
    addedAt: addedAt.toISOString(),
    origin: facts.origin,
  });
  await readTags(tx, workspaceId, relationship, facts, []);
  return { relationship, started: true };
}

export interface EndFacts {
  wecomUserId: string;
  externalUserId: string;
  at: Date;
  status: Exclude<RelationshipStatus, 'active'>;
}

/**
 * Records that a relationship ended. Returns the relationship and whether this call ended it (false when it was
 * already ended, or when the end is older than the relationship's start: a late callback of an earlier episode).
 * An end of a relationship never seen starting is recorded as an episode without a start.
 */
export async function recordEnd(
  tx: Tx,
  participants: CustomerParticipants,
  workspaceId: string,
  facts: EndFacts,
): Promise<{ relationship: RelationshipRow; ended: boolean } | null> {
  await lockPair(tx, workspaceId, facts.wecomUserId, facts.externalUserId);
  const latest = await latestOfPair(tx, workspaceId, facts.wecomUserId, facts.externalUserId);
  if (latest?.status === 'active') {
    if (latest.added_at && latest.added_at > facts.at) return null;
    const rows = await tx.query<RelationshipRow>(
      `UPDATE customer_relationships SET status = $3, ended_at = $4, last_change_at = GREATEST(last_change_at, $4),
              updated_at = now()
        WHERE workspace_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
      [workspaceId, latest.id, facts.status, facts.at],
    );
    const relationship = rows[0] as RelationshipRow;
    await announceEnd(tx, workspaceId, relationship);
    return { relationship, ended: true };
  }
  if (latest?.ended_at && latest.ended_at >= facts.at) return { relationship: latest, ended: false };
  const customerId = await resolveContactCustomer(tx, participants, workspaceId, facts.externalUserId, null, facts.at);
  const rows = await tx.query<RelationshipRow>(
    `INSERT INTO customer_relationships (workspace_id, customer_id, wecom_userid, external_userid, status, origin,
       ended_at, last_change_at)
     VALUES ($1, $2, $3, $4, $5, 'add', $6, $6) RETURNING ${COLUMNS}`,
    [workspaceId, customerId, facts.wecomUserId, facts.externalUserId, facts.status, facts.at],
  );
  const relationship = rows[0] as RelationshipRow;
  await announceEnd(tx, workspaceId, relationship);
  return { relationship, ended: true };
}

async function announceEnd(tx: Tx, workspaceId: string, r: RelationshipRow): Promise<void> {
  const guide = await tx.query<{ staff_id: string }>(
    'SELECT staff_id FROM guides WHERE workspace_id = $1 AND wecom_userid = $2',
    [workspaceId, r.wecom_userid],
  );
  await emit(tx, 'relationship.ended', {
    relationshipId: r.id,
    customerId: r.customer_id,
    guideStaffId: guide[0]?.staff_id ?? null,
    wecomUserId: r.wecom_userid,
    externalUserId: r.external_userid,
    status: r.status,
    endedAt: (r.ended_at as Date).toISOString(),
  });
}

/** The active relationships of a guide (by WeCom id), for transfers and syncs. */
export async function activeOfGuide(
  q: Queryable,
  workspaceId: string,
  wecomUserId: string,
): Promise<{ id: string; customer_id: string; external_userid: string; added_at: Date | null; created_at: Date }[]> {
  return q.query(
    `SELECT id, customer_id, external_userid, added_at, created_at FROM customer_relationships
      WHERE workspace_id = $1 AND wecom_userid = $2 AND status = 'active' ORDER BY added_at NULLS LAST, id`,
    [workspaceId, wecomUserId],
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Corp tags on relationships, for the tags module's sync with WeCom.

export interface WecomTagHolder {
  wecomUserId: string;
  externalUserId: string;
  /** Corp tag ids WeCom shows on the relationship, as last read or marked. */
  wecomTagIds: string[];
}

/** The active relationships of a customer with their corp tags: where a Siyu tag is marked in WeCom. */
export async function wecomTagHolders(q: Queryable, workspaceId: string, customerId: string) {
  const rows = await q.query<{ wecom_userid: string; external_userid: string; wecom_tag_ids: string[] }>(
    `SELECT wecom_userid, external_userid, wecom_tag_ids FROM customer_relationships
      WHERE workspace_id = $1 AND customer_id = $2 AND status = 'active' ORDER BY wecom_userid, external_userid`,
    [workspaceId, customerId],
  );
  return rows.map(
    (r): WecomTagHolder => ({
      wecomUserId: r.wecom_userid,
      externalUserId: r.external_userid,
      wecomTagIds: r.wecom_tag_ids,
    }),
  );
}

/**
 * Records that Siyu marked (mark_tag) corp tags on a relationship: its ids change by `add` and `remove`, and reads
 * that began before `at` no longer count for its tags (they cannot show the mark).
 */
export async function recordWecomTagsMarked(
  tx: Tx,
  workspaceId: string,
  input: { wecomUserId: string; externalUserId: string; add: string[]; remove: string[]; at: Date },
): Promise<void> {
  await lockPair(tx, workspaceId, input.wecomUserId, input.externalUserId);
  await tx.query(
    `UPDATE customer_relationships SET
       wecom_tag_ids = ARRAY(SELECT DISTINCT x FROM unnest(wecom_tag_ids || $4::text[]) AS x
                              WHERE NOT (x = ANY($5::text[])) ORDER BY x),
       wecom_tags_marked_at = GREATEST(wecom_tags_marked_at, $6::timestamptz)
     WHERE workspace_id = $1 AND wecom_userid = $2 AND external_userid = $3 AND status = 'active'`,
    [workspaceId, input.wecomUserId, input.externalUserId, input.add, input.remove, input.at],
  );
}

/** Customers whose active relationships carry any of these corp tags (a tag newly linked in Siyu). */
export async function customersWithWecomTags(q: Queryable, workspaceId: string, wecomTagIds: string[]) {
  const rows = await q.query<{ tag_id: string; customer_id: string }>(
    `SELECT DISTINCT t.tag_id, r.customer_id
       FROM customer_relationships r, unnest(r.wecom_tag_ids) AS t (tag_id)
      WHERE r.workspace_id = $1 AND r.status = 'active' AND r.wecom_tag_ids && $2::text[]
        AND t.tag_id = ANY($2::text[])`,
    [workspaceId, wecomTagIds],
  );
  return rows.map((r) => ({ wecomTagId: r.tag_id, customerId: r.customer_id }));
}

// ---------------------------------------------------------------------------------------------------------------
// Reading.

interface ListRow extends RelationshipRow {
  customer_name: string | null;
  guide_staff_id: string | null;
  guide_name: string | null;
}

const toRelationship = (r: ListRow, pii: boolean): Relationship => ({
  id: r.id,
  customerId: r.customer_id,
  customerName: r.customer_name && !pii ? maskName(r.customer_name) : r.customer_name,
  guideStaffId: r.guide_staff_id,
  guideName: r.guide_name,
  wecomUserId: r.wecom_userid,
  externalUserId: r.external_userid,
  contactName: r.contact_name && !pii ? maskName(r.contact_name) : r.contact_name,
  contactAvatar: r.contact_avatar,
  state: r.state,
  addWay: r.add_way,
  addedAt: r.added_at?.toISOString() ?? null,
  remark: r.remark,
  description: r.description,
  wecomTags: r.wecom_tags,
  pending: r.pending,
  status: r.status,
  origin: r.origin,
  endedAt: r.ended_at?.toISOString() ?? null,
  createdAt: r.created_at.toISOString(),
});

const LIST_SELECT = `SELECT ${COLUMNS.split(',')
  .map((c) => `r.${c.trim()}`)
  .join(', ')}, c.name AS customer_name, g.staff_id AS guide_staff_id, s.name AS guide_name
  FROM customer_relationships r
  JOIN customers c ON c.workspace_id = r.workspace_id AND c.id = r.customer_id
  LEFT JOIN guides g ON g.workspace_id = r.workspace_id AND g.wecom_userid = r.wecom_userid
  LEFT JOIN staff s ON s.workspace_id = g.workspace_id AND s.id = g.staff_id`;

/** Every relationship of one customer (any guide, any status), newest first. */
export async function customerRelationships(ctx: RequestContext, customerId: string): Promise<Relationship[]> {
  const rows = await ctx.tx.query<ListRow>(
    `${LIST_SELECT} WHERE r.workspace_id = $1 AND r.customer_id = $2
      ORDER BY (r.status = 'active') DESC, coalesce(r.ended_at, r.added_at, r.created_at) DESC, r.id`,
    [ctx.workspaceId, customerId],
  );
  const pii = ctx.can('customer.pii');
  return rows.map((r) => toRelationship(r, pii));
}

/** Relationships of the workspace (a guide: of their own customers), newest first, with filters. */
export async function listRelationships(ctx: RequestContext, query: RelationshipListQuery) {
  const limit = query.limit ?? 50;
  const params: unknown[] = [ctx.workspaceId];
  const where = ['r.workspace_id = $1', scopeSql(ctx, 'r.customer_id', params)];
  const add = (clause: string, value: unknown) => {
    params.push(value);
    where.push(clause.replaceAll('?', `$${params.length}`));
  };
  if (query.guideStaffId) add('g.staff_id = ?', query.guideStaffId);
  if (query.status) add('r.status = ?', query.status);
  if (query.state) add('r.state = ?', query.state);
  const cursor = decodeCursor(query.cursor);
  if (cursor) {
    params.push(String(cursor[0]), String(cursor[1]));
    where.push(`(r.created_at, r.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  params.push(limit + 1);
  const rows = await ctx.tx.query<ListRow>(
    `${LIST_SELECT} WHERE ${where.join(' AND ')} ORDER BY r.created_at DESC, r.id DESC LIMIT $${params.length}`,
    params,
  );
  const pii = ctx.can('customer.pii');
  return pageOf(
    rows,
    limit,
    (r) => toRelationship(r, pii),
    (r) => [r.created_at.toISOString(), r.id],
  );
}
