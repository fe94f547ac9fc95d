// Customer groups and their members, kept equal to WeCom. A change_external_chat callback only says that a group
// changed, so each one refreshes its group from groupchat/get, whose member list is the truth; the callback adds
// what the list cannot tell (when and how a member left). A full sync pages through groupchat/list and refreshes
// every group, which also repairs anything a lost callback left behind. External members become customers through
// the customers module's identity resolution (wecom_external_userid, wechat_unionid).

import type { ChatUpdated, GroupChat, WeComClient } from '../../connectors/wecom/index.ts';
import { WeComApiError, workspaceClient } from '../../connectors/wecom/index.ts';
import type {
  Duplicate,
  Group,
  GroupListQuery,
  Member,
  MemberChanged,
  MemberListQuery,
  MemberRole,
} from '../../contracts/community.ts';
import type { Tx } from '../../platform/db/index.ts';
import { notFound } from '../../platform/errors.ts';
import { decodeCursor, pageOf } from '../../platform/http/pagination.ts';
import { type DomainEvent, emitMany, enqueue, type JobHandler, type Subscriber } from '../../platform/jobs/index.ts';
import { normalizeIdentity, resolveCustomer } from '../customers/index.ts';
import { adoptCreatedGroups, liveCodesAfterChange } from './live-codes.ts';
import { completeRemovals, requestRemoval } from './removals.ts';
import { type CommunityDeps, iso, systemAudit } from './shared.ts';

export const SYNC_JOB = 'community.sync';
export const REFRESH_JOB = 'community.refresh-group';
export const SYNC_ALL_JOB = 'community.sync-all';

/** What a callback says about one member: joined or left, when, and how (join_scene 1–3, or QuitScene 0–1). */
export interface MemberHint {
  kind: 'add' | 'del';
  at: Date;
  scene: number | null;
}

interface MemberRow {
  member_id: string;
  type: 'internal' | 'external';
  status: 'active' | 'left';
  customer_id: string | null;
  unionid: string | null;
  name: string;
  group_nickname: string;
}

export interface RefreshOutcome {
  groupId: string | null;
  joined: string[];
  left: string[];
}

const seconds = (s: number): Date | null => (s > 0 ? new Date(s * 1000) : null);

/** The customer of an external member: found or created by their external_userid and unionid. */
async function customerOf(
  tx: Tx,
  deps: CommunityDeps,
  workspaceId: string,
  memberId: string,
  unionId: string | null,
  seenAt: Date,
): Promise<string> {
  const identities = [normalizeIdentity({ kind: 'wecom_external_userid', value: memberId })];
  if (unionId) identities.push(normalizeIdentity({ kind: 'wechat_unionid', value: unionId }));
  const { customerId } = await resolveCustomer(tx, deps.participants, workspaceId, identities, {
    seenAt,
    reason: 'wecom_group',
  });
  return customerId;
}

async function logChange(
  tx: Tx,
  workspaceId: string,
  e: {
    groupId: string;
    memberId: string;
    kind: 'join' | 'leave';
    at: Date;
    scene: number | null;
    invitorId: string | null;
    joinState: string | null;
    customerId: string | null;
    source: 'callback' | 'sync';
  },
): Promise<void> {
  await tx.query(
    `INSERT INTO community_member_events
       (workspace_id, group_id, member_id, kind, at, scene, invitor_id, join_state, customer_id, source)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [workspaceId, e.groupId, e.memberId, e.kind, e.at, e.scene, e.invitorId, e.joinState, e.customerId, e.source],
  );
}

/**
 * Brings one group to what WeCom says now. Members in WeCom's list but not active here joined (at WeCom's
 * join_time, with its scene, inviter and join-way state); members active here but gone from the list left (at the
 * callback's time and quit scene when a callback named them, else now). A member a callback saw join whom the list
 * no longer has joined and left in between. Each change is logged once, announced, and ends open removal requests.
 */
export async function refreshChat(
  tx: Tx,
  deps: CommunityDeps,
  workspaceId: string,
  client: WeComClient,
  chatId: string,
  hints: ReadonlyMap<string, MemberHint[]>,
  source: 'callback' | 'sync',
): Promise<RefreshOutcome> {
  const now = deps.now();
  // Refreshes of one group take turns, each reading WeCom after the one before it committed: otherwise an older
  // answer applied last would undo a newer one (a join seen, then "un-seen" as a leave).
  await tx.query('SELECT 1 FROM community_groups WHERE workspace_id = $1 AND chat_id = $2 FOR UPDATE', [
    workspaceId,
    chatId,
  ]);
  let chat: GroupChat;
  try {
    chat = await client.getGroupChat(chatId, true);
  } catch (err) {
    // WeCom refused (the group is gone or out of the app's scope): keep what is known and say why on the group.
    if (!(err instanceof WeComApiError)) throw err;
    await tx.query('UPDATE community_groups SET sync_error = $3 WHERE workspace_id = $1 AND chat_id = $2', [
      workspaceId,
      chatId,
      err.code,
    ]);
    return { groupId: null, joined: [], left: [] };
  }
  const upserted = await tx.query<{ id: string; inserted: boolean }>(
    `INSERT INTO community_groups AS g (workspace_id, chat_id, name, owner_userid, admin_userids, notice, status,
                                        member_version, wecom_created_at, synced_at, sync_error, dismissed_at,
                                        member_count, external_count, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, 'active', $7, $8, $9, NULL, NULL, $10, $11, $9)
     ON CONFLICT (workspace_id, chat_id) DO UPDATE
       SET name = EXCLUDED.name, owner_userid = EXCLUDED.owner_userid, admin_userids = EXCLUDED.admin_userids,
           notice = EXCLUDED.notice, status = 'active', member_version = EXCLUDED.member_version,
           wecom_created_at = EXCLUDED.wecom_created_at, synced_at = EXCLUDED.synced_at, sync_error = NULL,
           dismissed_at = NULL, member_count = EXCLUDED.member_count, external_count = EXCLUDED.external_count
     RETURNING id, (xmax = 0) AS inserted`,
    [
      workspaceId,
      chat.chatId || chatId,
      chat.name,
      chat.owner,
      chat.adminUserIds,
      chat.notice,
      chat.memberVersion,
      seconds(chat.createTime),
      now,
      chat.members.length,
      chat.members.filter((m) => m.type === 2).length,
    ],
  );
  const { id: groupId, inserted } = upserted[0] as { id: string; inserted: boolean };
  const known = new Map(
    (
      await tx.query<MemberRow>(
        `SELECT member_id, type, status, customer_id, unionid, name, group_nickname FROM community_members
          WHERE workspace_id = $1 AND group_id = $2`,
        [workspaceId, groupId],
      )
    ).map((r) => [r.member_id, r]),
  );
  const latest = (memberId: string, kind: 'add' | 'del') =>
    (hints.get(memberId) ?? []).filter((h) => h.kind === kind).sort((a, b) => b.at.getTime() - a.at.getTime())[0];

  const joined: { memberId: string; customerId: string | null; at: Date }[] = [];
  const left: { memberId: string; customerId: string | null; at: Date }[] = [];
  const present = new Set<string>();
  for (const m of chat.members) {
    present.add(m.userId);
    const row = known.get(m.userId);
    const type = m.type === 2 ? 'external' : 'internal';
    const joinedAt = seconds(m.joinTime) ?? latest(m.userId, 'add')?.at ?? now;
    let customerId = row?.customer_id ?? null;
    if (type === 'external' && (customerId === null || (m.unionId !== null && m.unionId !== row?.unionid))) {
      customerId = await customerOf(tx, deps, workspaceId, m.userId, m.unionId, joinedAt);
    }
    if (row?.status === 'active') {
      if (
        row.name !== m.name ||
        row.group_nickname !== m.groupNickname ||
        row.unionid !== m.unionId ||
        row.customer_id !== customerId
      ) {
        await tx.query(
          `UPDATE community_members SET name = $4, group_nickname = $5, unionid = $6, customer_id = $7, updated_at = $8
            WHERE workspace_id = $1 AND group_id = $2 AND member_id = $3`,
          [workspaceId, groupId, m.userId, m.name, m.groupNickname, m.unionId, customerId, now],
        );
      }
      continue;
    }
    await tx.query(
      `INSERT INTO community_members AS m
         (workspace_id, group_id, member_id, type, name, group_nickname, unionid, customer_id, status, joined_at,
          join_scene, invitor_id, join_state, left_at, quit_scene, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'active', $9, $10, $11, $12, NULL, NULL, $13)
       ON CONFLICT (workspace_id, group_id, member_id) DO UPDATE
         SET type = EXCLUDED.type, name = EXCLUDED.name, group_nickname = EXCLUDED.group_nickname,
             unionid = EXCLUDED.unionid, customer_id = EXCLUDED.customer_id, status = 'active',
             joined_at = EXCLUDED.joined_at, join_scene = EXCLUDED.join_scene, invitor_id = EXCLUDED.invitor_id,
             join_state = EXCLUDED.join_state, left_at = NULL, quit_scene = NULL, updated_at = EXCLUDED.updated_at`,
      [
        workspaceId,
        groupId,
        m.userId,
        type,
        m.name,
        m.groupNickname,
        m.unionId,
        customerId,
        joinedAt,
        m.joinScene || null,
        m.invitorUserId,
        m.state,
        now,
      ],
    );
    await logChange(tx, workspaceId, {
      groupId,
      memberId: m.userId,
      kind: 'join',
      at: joinedAt,
      scene: m.joinScene || null,
      invitorId: m.invitorUserId,
      joinState: m.state,
      customerId,
      source,
    });
    joined.push({ memberId: m.userId, customerId, at: joinedAt });
  }

  for (const row of known.values()) {
    if (row.status !== 'active' || present.has(row.member_id)) continue;
    const hint = latest(row.member_id, 'del');
    const at = hint?.at ?? now;
    await markLeft(tx, workspaceId, groupId, row.member_id, at, hint?.scene ?? null, row.customer_id, source);
    left.push({ memberId: row.member_id, customerId: row.customer_id, at });
  }

  // Joined and already gone again before this refresh: the list never showed them, the callbacks did.
  for (const [memberId, memberHints] of hints) {
    const add = latest(memberId, 'add');
    if (!add || present.has(memberId) || known.get(memberId)?.status === 'active') continue;
    if (joined.some((j) => j.memberId === memberId) || left.some((l) => l.memberId === memberId)) continue;
    const del = memberHints.filter((h) => h.kind === 'del' && h.at >= add.at)[0];
    const seen = await tx.query(
      `SELECT 1 FROM community_member_events
        WHERE workspace_id = $1 AND group_id = $2 AND member_id = $3 AND kind = 'join' AND at = $4`,
      [workspaceId, groupId, memberId, add.at],
    );
    if (seen.length > 0) continue;
    await logChange(tx, workspaceId, {
      groupId,
      memberId,
      kind: 'join',
      at: add.at,
      scene: add.scene,
      invitorId: null,
      joinState: null,
      customerId: known.get(memberId)?.customer_id ?? null,
      source,
    });
    // No list to say which kind of member this was: WeCom's external_userids start with wm (WeChat users) or wo
    // (WeCom users of other corps); everything else is a UserID of the corp.
    const type = known.get(memberId)?.type ?? (/^w[mo]/.test(memberId) ? 'external' : 'internal');
    await tx.query(
      `INSERT INTO community_members (workspace_id, group_id, member_id, type, name, status, joined_at, join_scene,
                                      left_at, quit_scene, updated_at)
       VALUES ($1, $2, $3, $4, '', 'left', $5, $6, $7, $8, $9)
       ON CONFLICT (workspace_id, group_id, member_id) DO UPDATE
         SET status = 'left', joined_at = EXCLUDED.joined_at, join_scene = EXCLUDED.join_scene,
             left_at = EXCLUDED.left_at, quit_scene = EXCLUDED.quit_scene, updated_at = EXCLUDED.updated_at`,
      [workspaceId, groupId, memberId, type, add.at, add.scene, del?.at ?? now, del?.scene ?? null, now],
    );
    await logChange(tx, workspaceId, {
      groupId,
      memberId,
      kind: 'leave',
      at: del?.at ?? now,
      scene: del?.scene ?? null,
      invitorId: null,
      joinState: null,
      customerId: known.get(memberId)?.customer_id ?? null,
      source,
    });
  }

  const payload = (c: { memberId: string; customerId: string | null; at: Date }): MemberChanged => ({
    groupId,
    chatId: chat.chatId || chatId,
    memberId: c.memberId,
    customerId: c.customerId,
    at: c.at.toISOString(),
  });
  await emitMany(tx, 'community.member_joined', joined.map(payload));
  await emitMany(tx, 'community.member_left', left.map(payload));
  await refuseBlacklisted(tx, workspaceId, groupId, joined, now);
  if (joined.length > 0 || left.length > 0) await liveCodesAfterChange(tx, workspaceId, [groupId]);
  if (inserted) await adoptCreatedGroups(tx, workspaceId, client, chat.chatId || chatId);
  return { groupId, joined: joined.map((j) => j.memberId), left: left.map((l) => l.memberId) };
}

async function markLeft(
  tx: Tx,
  workspaceId: string,
  groupId: string,
  memberId: string,
  at: Date,
  quitScene: number | null,
  customerId: string | null,
  source: 'callback' | 'sync',
): Promise<void> {
  await tx.query(
    `UPDATE community_members SET status = 'left', left_at = $4, quit_scene = $5, updated_at = $4
      WHERE workspace_id = $1 AND group_id = $2 AND member_id = $3`,
    [workspaceId, groupId, memberId, at, quitScene],
  );
  await logChange(tx, workspaceId, {
    groupId,
    memberId,
    kind: 'leave',
    at,
    scene: quitScene,
    invitorId: null,
    joinState: null,
    customerId,
    source,
  });
  await completeRemovals(tx, workspaceId, { groupId, memberId, at, quitScene });
}

/** A blacklisted member (or another WeCom id of a blacklisted customer) who joins is asked to be removed again. */
async function refuseBlacklisted(
  tx: Tx,
  workspaceId: string,
  groupId: string,
  joined: { memberId: string; customerId: string | null }[],
  now: Date,
): Promise<void> {
  if (joined.length === 0) return;
  const hits = await tx.query<{ member_id: string; customer_id: string | null }>(
    `SELECT j.member_id, j.customer_id
       FROM unnest($2::text[], $3::uuid[]) AS j (member_id, customer_id)
      WHERE EXISTS (SELECT 1 FROM community_blacklist b
                     WHERE b.workspace_id = $1
                       AND (b.member_id = j.member_id OR (j.customer_id IS NOT NULL AND b.customer_id = j.customer_id)))`,
    [workspaceId, joined.map((j) => j.memberId), joined.map((j) => j.customerId)],
  );
  for (const hit of hits) {
    const removalId = await requestRemoval(tx, workspaceId, {
      groupId,
      memberId: hit.member_id,
      reason: 'blacklist',
      violationId: null,
      at: now,
    });
    await systemAudit(tx, workspaceId, {
      action: 'community.blacklist_rejoin',
      targetType: 'community_member',
      targetId: hit.member_id,
      details: { groupId, removalId, customerId: hit.customer_id },
      at: now,
    });
  }
}

/** A group WeCom dismissed: its members are gone with it; open removal requests for it end unanswered. */
export async function dismissChat(
  tx: Tx,
  workspaceId: string,
  chatId: string,
  at: Date,
  source: 'callback' | 'sync',
): Promise<void> {
  const rows = await tx.query<{ id: string }>(
    `UPDATE community_groups SET status = 'dismissed', dismissed_at = $3, member_count = 0, external_count = 0
      WHERE workspace_id = $1 AND chat_id = $2 AND status = 'active' RETURNING id`,
    [workspaceId, chatId, at],
  );
  const groupId = rows[0]?.id;
  if (!groupId) return;
  const members = await tx.query<{ member_id: string; customer_id: string | null }>(
    `UPDATE community_members SET status = 'left', left_at = $3, updated_at = $3
      WHERE workspace_id = $1 AND group_id = $2 AND status = 'active' RETURNING member_id, customer_id`,
    [workspaceId, groupId, at],
  );
  for (const m of members) {
    await logChange(tx, workspaceId, {
      groupId,
      memberId: m.member_id,
      kind: 'leave',
      at,
      scene: null,
      invitorId: null,
      joinState: null,
      customerId: m.customer_id,
      source,
    });
  }
  await emitMany(
    tx,
    'community.member_left',
    members.map(
      (m): MemberChanged => ({
        groupId,
        chatId,
        memberId: m.member_id,
        customerId: m.customer_id,
        at: at.toISOString(),
      }),
    ),
  );
  await tx.query(
    `UPDATE community_removals SET status = 'cancelled' WHERE workspace_id = $1 AND group_id = $2 AND status = 'requested'`,
    [workspaceId, groupId],
  );
  await liveCodesAfterChange(tx, workspaceId, [groupId]);
}

/** The group events of a batch, a group at a time: dismissals close their group, the rest refresh theirs. */
export async function applyChatEvents(tx: Tx, deps: CommunityDeps, events: DomainEvent[]): Promise<void> {
  const workspaceId = events[0]?.workspaceId;
  if (!workspaceId) return;
  const byChat = new Map<string, DomainEvent[]>();
  for (const e of events) {
    const chatId = (e.payload as { chatId: string }).chatId;
    byChat.set(chatId, [...(byChat.get(chatId) ?? []), e]);
  }
  let client: WeComClient | null = null;
  for (const [chatId, chatEvents] of byChat) {
    const dismissal = chatEvents.find((e) => e.type === 'wecom.chat_dismissed');
    if (dismissal) {
      const at = new Date((dismissal.payload as { occurredAt: string }).occurredAt);
      await dismissChat(tx, workspaceId, chatId, at, 'callback');
      continue;
    }
    const hints = new Map<string, MemberHint[]>();
    for (const e of chatEvents) {
      if (e.type !== 'wecom.chat_updated') continue;
      const p = e.payload as ChatUpdated;
      const kind = p.updateDetail === 'add_member' ? 'add' : p.updateDetail === 'del_member' ? 'del' : null;
      if (!kind) continue;
      // The callback's JoinScene (0 direct, 1 link, 3 QR code) as a member's join_scene (1, 2, 3).
      const joinScene = p.joinScene === null ? null : p.joinScene === 0 ? 1 : p.joinScene === 1 ? 2 : 3;
      for (const memberId of p.memberIds) {
        const hint: MemberHint = {
          kind,
          at: new Date(p.occurredAt),
          scene: kind === 'add' ? joinScene : p.quitScene,
        };
        hints.set(memberId, [...(hints.get(memberId) ?? []), hint]);
      }
    }
    client ??= await workspaceClient(tx, workspaceId);
    await refreshChat(tx, deps, workspaceId, client, chatId, hints, 'callback');
  }
}

export const groupsSubscriber = (deps: CommunityDeps): Subscriber => ({
  name: 'community.groups',
  events: ['wecom.chat_created', 'wecom.chat_updated', 'wecom.chat_dismissed'],
  handle: (event, tx) => applyChatEvents(tx, deps, [event]),
  handleMany: (events, tx) => applyChatEvents(tx, deps, events),
});

/** Queues a full sync of the workspace's groups (at most one per minute: a second click joins the first). */
export async function startSync(tx: Tx, workspaceId: string, now: Date): Promise<number | null> {
  await workspaceClient(tx, workspaceId);
  return enqueue(tx, { kind: SYNC_JOB, workspaceId, dedupeKey: `${workspaceId}:${now.toISOString().slice(0, 16)}` });
}

/**
 * Every group WeCom lists (groupchat/list, 1,000 a page) gets its own refresh job, so a corp with thousands of
 * groups is synced by all workers side by side; groups Siyu holds as active that WeCom no longer lists were
 * dismissed while their callback was lost.
 */
export const syncJob =
  (deps: CommunityDeps): JobHandler =>
  async (job, tx) => {
    const workspaceId = job.workspaceId;
    if (!workspaceId) throw new Error(`job ${job.id} has no workspace`);
    const client = await workspaceClient(tx, workspaceId);
    const listed: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.listGroupChats({ limit: 1000, ...(cursor ? { cursor } : {}) });
      listed.push(...page.items.map((c) => c.chatId));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    for (const chatId of listed) {
      await enqueue(tx, {
        kind: REFRESH_JOB,
        workspaceId,
        payload: { chatId },
        dedupeKey: `${workspaceId}:${chatId}:${job.id}`,
      });
    }
    const gone = await tx.query<{ chat_id: string }>(
      `SELECT chat_id FROM community_groups
        WHERE workspace_id = $1 AND status = 'active' AND NOT (chat_id = ANY($2::text[]))`,
      [workspaceId, listed],
    );
    for (const g of gone) await dismissChat(tx, workspaceId, g.chat_id, deps.now(), 'sync');
  };

export const refreshJob =
  (deps: CommunityDeps): JobHandler =>
  async (job, tx) => {
    const workspaceId = job.workspaceId;
    const { chatId } = job.payload as { chatId: string };
    if (!workspaceId || typeof chatId !== 'string') throw new Error(`job ${job.id} names no group`);
    await refreshChat(tx, deps, workspaceId, await workspaceClient(tx, workspaceId), chatId, new Map(), 'sync');
  };

/** The nightly schedule's job: a sync for every workspace that has groups. */
export const syncAllJob: JobHandler = async (job, tx) => {
  const rows = await tx.query<{ workspace_id: string }>('SELECT DISTINCT workspace_id FROM community_groups');
  for (const r of rows) {
    await enqueue(tx, { kind: SYNC_JOB, workspaceId: r.workspace_id, dedupeKey: `${r.workspace_id}@${job.id}` });
  }
};

// ---------------------------------------------------------------------------------------------------------------
// Reading.

interface GroupRow {
  id: string;
  chat_id: string;
  name: string;
  owner_userid: string;
  admin_userids: string[];
  notice: string;
  status: Group['status'];
  member_count: number;
  external_count: number;
  wecom_created_at: Date | null;
  synced_at: Date | null;
  sync_error: string | null;
  dismissed_at: Date | null;
  created_at: Date;
  joins: number;
  quits: number;
  messages: number;
  active_members: number;
}

const groupOf = (r: GroupRow): Group => ({
  id: r.id,
  chatId: r.chat_id,
  name: r.name,
  ownerUserId: r.owner_userid,
  adminUserIds: r.admin_userids,
  notice: r.notice,
  status: r.status,
  memberCount: r.member_count,
  externalCount: r.external_count,
  createdAt: iso(r.wecom_created_at),
  syncedAt: iso(r.synced_at),
  syncError: r.sync_error,
  dismissedAt: iso(r.dismissed_at),
  stats: {
    joins: Number(r.joins),
    quits: Number(r.quits),
    messages: Number(r.messages),
    activeMembers: Number(r.active_members),
  },
});

/** The group columns and their last 7 days: joins, quits, messages, members who wrote. `$2` is the start. */
const GROUP_SELECT = `
  SELECT g.id, g.chat_id, g.name, g.owner_userid, g.admin_userids, g.notice, g.status, g.member_count,
         g.external_count, g.wecom_created_at, g.synced_at, g.sync_error, g.dismissed_at, g.created_at,
         coalesce(e.joins, 0) AS joins, coalesce(e.quits, 0) AS quits,
         coalesce(m.messages, 0) AS messages, coalesce(m.active_members, 0) AS active_members
    FROM community_groups g
    LEFT JOIN LATERAL (
      SELECT count(*) FILTER (WHERE kind = 'join') AS joins, count(*) FILTER (WHERE kind = 'leave') AS quits
        FROM community_member_events
       WHERE workspace_id = g.workspace_id AND group_id = g.id AND at >= $2
    ) e ON true
    LEFT JOIN LATERAL (
      SELECT count(*) AS messages, count(DISTINCT sender_id) AS active_members
        FROM community_messages
       WHERE workspace_id = g.workspace_id AND chat_id = g.chat_id AND sent_at >= $2 AND NOT recalled
    ) m ON true`;

export async function listGroups(tx: Tx, workspaceId: string, query: GroupListQuery, now: Date) {
  const limit = query.limit ?? 50;
  const cursor = decodeCursor(query.cursor);
  const since = new Date(now.getTime() - 7 * 86_400_000);
  const rows = await tx.query<GroupRow>(
    `${GROUP_SELECT}
      WHERE g.workspace_id = $1 AND ($3::text IS NULL OR g.name ILIKE '%' || $3 || '%' OR g.chat_id = $3)
        AND ($4::text IS NULL OR g.status = $4)
        AND ($5::timestamptz IS NULL OR (g.created_at, g.id) < ($5, $6::uuid))
      ORDER BY g.created_at DESC, g.id DESC LIMIT $7`,
    [
      workspaceId,
      since,
      query.q ?? null,
      query.status ?? null,
      cursor ? String(cursor[0]) : null,
      cursor ? String(cursor[1]) : null,
      limit + 1,
    ],
  );
  return pageOf(rows, limit, groupOf, (r) => [r.created_at.toISOString(), r.id]);
}

export async function getGroup(tx: Tx, workspaceId: string, id: string, now: Date): Promise<Group> {
  const rows = await tx.query<GroupRow>(`${GROUP_SELECT} WHERE g.workspace_id = $1 AND g.id = $3`, [
    workspaceId,
    new Date(now.getTime() - 7 * 86_400_000),
    id,
  ]);
  if (!rows[0]) throw notFound('community.group_not_found');
  return groupOf(rows[0]);
}

interface MemberListRow {
  group_id: string;
  member_id: string;
  type: Member['type'];
  name: string;
  group_nickname: string;
  unionid: string | null;
  customer_id: string | null;
  role: MemberRole;
  status: Member['status'];
  joined_at: Date | null;
  join_scene: number | null;
  invitor_id: string | null;
  join_state: string | null;
  left_at: Date | null;
  quit_scene: number | null;
  owner_userid: string;
  admin_userids: string[];
  blacklisted: boolean;
  sort_at: Date;
}

const memberOf = (r: MemberListRow): Member => ({
  groupId: r.group_id,
  memberId: r.member_id,
  type: r.type,
  name: r.name,
  groupNickname: r.group_nickname,
  unionId: r.unionid,
  customerId: r.customer_id,
  role: r.role,
  wecomRole: r.member_id === r.owner_userid ? 'owner' : r.admin_userids.includes(r.member_id) ? 'admin' : 'member',
  status: r.status,
  joinedAt: iso(r.joined_at),
  joinScene: r.join_scene,
  invitorId: r.invitor_id,
  joinState: r.join_state,
  leftAt: iso(r.left_at),
  quitScene: r.quit_scene,
  blacklisted: r.blacklisted,
});

const MEMBER_SELECT = `
  SELECT coalesce(m.joined_at, 'epoch'::timestamptz) AS sort_at, m.group_id, m.member_id, m.type, m.name, m.group_nickname, m.unionid, m.customer_id, m.role, m.status,
         m.joined_at, m.join_scene, m.invitor_id, m.join_state, m.left_at, m.quit_scene, g.owner_userid,
         g.admin_userids,
         EXISTS (SELECT 1 FROM community_blacklist b WHERE b.workspace_id = m.workspace_id AND b.member_id = m.member_id)
           AS blacklisted
    FROM community_members m
    JOIN community_groups g ON g.workspace_id = m.workspace_id AND g.id = m.group_id`;

export async function listMembers(tx: Tx, workspaceId: string, groupId: string, query: MemberListQuery) {
  await assertGroup(tx, workspaceId, groupId);
  const limit = query.limit ?? 50;
  const cursor = decodeCursor(query.cursor);
  const rows = await tx.query<MemberListRow>(
    `SELECT * FROM (
       ${MEMBER_SELECT}
        WHERE m.workspace_id = $1 AND m.group_id = $2 AND ($3::text IS NULL OR m.status = $3)
          AND ($4::text IS NULL OR m.role = $4) AND ($5::text IS NULL OR m.type = $5)
     ) x
     WHERE $6::timestamptz IS NULL OR (x.sort_at, x.member_id) < ($6, $7::text)
     ORDER BY x.sort_at DESC, x.member_id DESC LIMIT $8`,
    [
      workspaceId,
      groupId,
      query.status ?? null,
      query.role ?? null,
      query.type ?? null,
      cursor ? String(cursor[0]) : null,
      cursor ? String(cursor[1]) : null,
      limit + 1,
    ],
  );
  return pageOf(rows, limit, memberOf, (r) => [r.sort_at.toISOString(), r.member_id]);
}

export async function assertGroup(tx: Tx, workspaceId: string, groupId: string): Promise<void> {
  const rows = await tx.query('SELECT 1 FROM community_groups WHERE workspace_id = $1 AND id = $2', [
    workspaceId,
    groupId,
  ]);
  if (rows.length === 0) throw notFound('community.group_not_found');
}

/** Sets a member's role in one group. */
export async function setRole(
  tx: Tx,
  workspaceId: string,
  groupId: string,
  memberId: string,
  role: MemberRole,
  now: Date,
): Promise<Member> {
  const rows = await tx.query(
    `UPDATE community_members SET role = $4, updated_at = $5
      WHERE workspace_id = $1 AND group_id = $2 AND member_id = $3 RETURNING member_id`,
    [workspaceId, groupId, memberId, role, now],
  );
  if (rows.length === 0) throw notFound('community.member_not_found');
  const member = await tx.query<MemberListRow>(
    `${MEMBER_SELECT} WHERE m.workspace_id = $1 AND m.group_id = $2 AND m.member_id = $3`,
    [workspaceId, groupId, memberId],
  );
  return memberOf(member[0] as MemberListRow);
}

/** Sets a member's role in one group or, without a group, in every group they are active in (KOC discovery). */
export async function setRoleEverywhere(
  tx: Tx,
  workspaceId: string,
  memberId: string,
  role: MemberRole,
  groupId: string | undefined,
  now: Date,
): Promise<number> {
  if (groupId) {
    await setRole(tx, workspaceId, groupId, memberId, role, now);
    return 1;
  }
  const rows = await tx.query(
    `UPDATE community_members SET role = $3, updated_at = $4
      WHERE workspace_id = $1 AND member_id = $2 AND status = 'active' RETURNING group_id`,
    [workspaceId, memberId, role, now],
  );
  if (rows.length === 0) throw notFound('community.member_not_found');
  return rows.length;
}

/** Customers active in more than one active group, with the groups: most groups first. */
export async function listDuplicates(tx: Tx, workspaceId: string, query: { cursor?: string; limit?: number }) {
  const limit = query.limit ?? 50;
  const cursor = decodeCursor(query.cursor);
  const rows = await tx.query<{
    customer_id: string;
    n: number;
    name: string;
    member_ids: string[];
    groups: { groupId: string; name: string; joinedAt: string | null }[];
  }>(
    `SELECT m.customer_id, count(DISTINCT m.group_id)::int AS n, max(m.name) AS name,
            array_agg(DISTINCT m.member_id) AS member_ids,
            jsonb_agg(jsonb_build_object('groupId', g.id, 'name', g.name, 'joinedAt', m.joined_at)
                      ORDER BY m.joined_at) AS groups
       FROM community_members m
       JOIN community_groups g ON g.workspace_id = m.workspace_id AND g.id = m.group_id AND g.status = 'active'
      WHERE m.workspace_id = $1 AND m.status = 'active' AND m.customer_id IS NOT NULL
      GROUP BY m.customer_id
     HAVING count(DISTINCT m.group_id) > 1
        AND ($2::int IS NULL OR (count(DISTINCT m.group_id), m.customer_id) < ($2, $3::uuid))
      ORDER BY n DESC, m.customer_id DESC LIMIT $4`,
    [workspaceId, cursor ? Number(cursor[0]) : null, cursor ? String(cursor[1]) : null, limit + 1],
  );
  return pageOf(
    rows,
    limit,
    (r): Duplicate => ({
      customerId: r.customer_id,
      name: r.name,
      memberIds: r.member_ids,
      groups: r.groups.map((g) => ({
        groupId: g.groupId,
        name: g.name,
        joinedAt: g.joinedAt ? new Date(g.joinedAt).toISOString() : null,
      })),
    }),
    (r) => [r.n, r.customer_id],
  );
}
