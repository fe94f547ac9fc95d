// Group messages. WeCom's callbacks carry no message content: a brand reads its groups' messages through the
// session archive (会话内容存档), a paid WeCom feature whose SDK (a C library, with the brand's RSA private key)
// pulls and decrypts them. An archive connector beside Siyu posts what it pulls to POST /api/community/messages in
// the archive's own shape, in batches, each message once (msgid). Ingestion stores and announces them; the module's
// subscriber then applies moderation, check-in and auto-reply to each in order.

import { type WeComClient, workspaceClient } from '../../connectors/wecom/index.ts';
import type {
  ArchiveMessage,
  IngestResult,
  Message,
  MessageListQuery,
  MessagePosted,
  MessageType,
} from '../../contracts/community.ts';
import type { Tx } from '../../platform/db/index.ts';
import { AppError } from '../../platform/errors.ts';
import { decodeCursor, pageOf } from '../../platform/http/pagination.ts';
import { type DomainEvent, emitMany, type Subscriber } from '../../platform/jobs/index.ts';
import { autoReply, loadAutoReplyRules } from './auto-reply.ts';
import { checkInFromMessage, loadSettings } from './check-ins.ts';
import { assertGroup, refreshChat } from './groups.ts';
import { loadModerationRules, moderate } from './moderation.ts';
import { type CommunityDeps, workspaceSettings } from './shared.ts';
import { sentiment } from './text.ts';

const KNOWN_TYPES: ReadonlySet<string> = new Set(['text', 'image', 'link', 'weapp', 'card']);

interface Row {
  msgid: string;
  chatId: string;
  senderId: string;
  type: MessageType;
  content: string;
  url: string | null;
  qrCode: boolean;
  sentiment: number;
  sentAt: Date;
}

/** An archive record as a stored message: its text (or the title of a link or card) and what moderation needs. */
function rowOf(m: ArchiveMessage): Row {
  const type = (KNOWN_TYPES.has(m.msgtype) ? m.msgtype : 'other') as MessageType;
  const content =
    type === 'text'
      ? (m.text?.content ?? '')
      : type === 'link'
        ? (m.link?.title ?? '')
        : type === 'weapp'
          ? (m.weapp?.title ?? m.weapp?.displayname ?? '')
          : type === 'card'
            ? (m.card?.corpname ?? '')
            : '';
  return {
    msgid: m.msgid,
    chatId: m.roomid ?? '',
    senderId: m.from,
    type,
    content,
    url: type === 'link' ? (m.link?.link_url ?? null) : null,
    qrCode: type === 'image' && m.image?.qrcode === true,
    sentiment: type === 'text' ? sentiment(content) : 0,
    sentAt: new Date(m.msgtime),
  };
}

/** Stores a batch from the archive connector: new messages once each, recalls marked, the rest counted. */
export async function ingestMessages(tx: Tx, workspaceId: string, messages: ArchiveMessage[]): Promise<IngestResult> {
  const results: IngestResult['results'] = messages.map((m) => ({ msgid: m.msgid, outcome: 'ignored', reason: null }));
  const rows: { index: number; row: Row }[] = [];
  const recalls: { index: number; preMsgid: string }[] = [];
  messages.forEach((m, index) => {
    const action = m.action ?? 'send';
    const result = results[index] as IngestResult['results'][number];
    if (action === 'recall') {
      if (m.revoke?.pre_msgid) recalls.push({ index, preMsgid: m.revoke.pre_msgid });
      else result.reason = 'no_pre_msgid';
    } else if (action !== 'send') result.reason = action;
    else if (!m.roomid) result.reason = 'not_group';
    else rows.push({ index, row: rowOf(m) });
  });
  const inserted = await tx.query<{ id: number; msgid: string; chat_id: string; sender_id: string; sent_at: Date }>(
    `INSERT INTO community_messages (workspace_id, msgid, chat_id, sender_id, msgtype, content, url, qr_code,
                                     sentiment, sent_at)
     SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bool[],
                              $9::smallint[], $10::timestamptz[])
     ON CONFLICT (workspace_id, msgid) DO NOTHING
     RETURNING id, msgid, chat_id, sender_id, sent_at`,
    [
      workspaceId,
      rows.map((r) => r.row.msgid),
      rows.map((r) => r.row.chatId),
      rows.map((r) => r.row.senderId),
      rows.map((r) => r.row.type),
      rows.map((r) => r.row.content),
      rows.map((r) => r.row.url),
      rows.map((r) => r.row.qrCode),
      rows.map((r) => r.row.sentiment),
      rows.map((r) => r.row.sentAt),
    ],
  );
  const fresh = new Set(inserted.map((r) => r.msgid));
  for (const { index, row } of rows) {
    const result = results[index] as IngestResult['results'][number];
    // A msgid twice in one batch is stored once: its first entry is the new one.
    if (fresh.delete(row.msgid)) result.outcome = 'accepted';
    else result.outcome = 'duplicate';
  }
  if (recalls.length > 0) {
    await tx.query(
      'UPDATE community_messages SET recalled = true WHERE workspace_id = $1 AND msgid = ANY($2::text[])',
      [workspaceId, recalls.map((r) => r.preMsgid)],
    );
    for (const r of recalls) (results[r.index] as IngestResult['results'][number]).outcome = 'recalled';
  }
  await emitMany(
    tx,
    'community.message_posted',
    [...inserted]
      .sort((a, b) => a.sent_at.getTime() - b.sent_at.getTime() || a.id - b.id)
      .map(
        (r): MessagePosted => ({
          messageId: r.id,
          chatId: r.chat_id,
          senderId: r.sender_id,
          sentAt: r.sent_at.toISOString(),
        }),
      ),
  );
  const count = (outcome: string) => results.filter((r) => r.outcome === outcome).length;
  return {
    accepted: count('accepted'),
    duplicates: count('duplicate'),
    recalled: count('recalled'),
    ignored: count('ignored'),
    results,
  };
}

/** A message with its group and sender, as moderation, check-in and auto-reply read it. */
export interface Posted {
  id: number;
  msgid: string;
  chatId: string;
  senderId: string;
  type: MessageType;
  content: string;
  url: string | null;
  qrCode: boolean;
  sentAt: Date;
  recalled: boolean;
  groupId: string | null;
  groupName: string;
  groupStatus: 'active' | 'dismissed' | null;
  owner: string;
  memberType: 'internal' | 'external' | null;
  memberStatus: 'active' | 'left' | null;
  memberName: string;
  customerId: string | null;
}

async function loadPosted(tx: Tx, workspaceId: string, ids: number[]): Promise<Posted[]> {
  const rows = await tx.query<{
    id: number;
    msgid: string;
    chat_id: string;
    sender_id: string;
    msgtype: MessageType;
    content: string;
    url: string | null;
    qr_code: boolean;
    sent_at: Date;
    recalled: boolean;
    group_id: string | null;
    group_name: string | null;
    group_status: 'active' | 'dismissed' | null;
    owner_userid: string | null;
    member_type: 'internal' | 'external' | null;
    member_status: 'active' | 'left' | null;
    member_name: string | null;
    customer_id: string | null;
  }>(
    `SELECT m.id, m.msgid, m.chat_id, m.sender_id, m.msgtype, m.content, m.url, m.qr_code, m.sent_at, m.recalled,
            g.id AS group_id, g.name AS group_name, g.status AS group_status, g.owner_userid,
            mem.type AS member_type, mem.status AS member_status, mem.name AS member_name, mem.customer_id
       FROM community_messages m
       LEFT JOIN community_groups g ON g.workspace_id = m.workspace_id AND g.chat_id = m.chat_id
       LEFT JOIN community_members mem
         ON mem.workspace_id = m.workspace_id AND mem.group_id = g.id AND mem.member_id = m.sender_id
      WHERE m.workspace_id = $1 AND m.id = ANY($2::bigint[])
      ORDER BY m.sent_at, m.id`,
    [workspaceId, ids],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    msgid: r.msgid,
    chatId: r.chat_id,
    senderId: r.sender_id,
    type: r.msgtype,
    content: r.content,
    url: r.url,
    qrCode: r.qr_code,
    sentAt: r.sent_at,
    recalled: r.recalled,
    groupId: r.group_id,
    groupName: r.group_name ?? '',
    groupStatus: r.group_status,
    owner: r.owner_userid ?? '',
    memberType: r.member_type,
    memberStatus: r.member_status,
    memberName: r.member_name || r.sender_id,
    customerId: r.customer_id,
  }));
}

/**
 * Applies the workspace's rules to new messages in the order they were written. Only customers' messages are
 * moderated, counted as check-ins and answered (staff, including the owner's own group messages, are not). A
 * message of a group or member Siyu does not know yet (the archive ran ahead of the callbacks) refreshes that
 * group from WeCom first.
 */
export async function processMessages(tx: Tx, deps: CommunityDeps, events: DomainEvent[]): Promise<void> {
  const workspaceId = events[0]?.workspaceId;
  if (!workspaceId) return;
  const ids = events.map((e) => (e.payload as { messageId: number }).messageId);
  let posted = await loadPosted(tx, workspaceId, ids);
  const unknown = [...new Set(posted.filter((p) => !p.groupId || !p.memberType).map((p) => p.chatId))];
  if (unknown.length > 0) {
    let client: WeComClient | null = null;
    try {
      client = await workspaceClient(tx, workspaceId);
    } catch (err) {
      // Without WeCom settings the messages are kept for the statistics; nothing can be done about them.
      if (!(err instanceof AppError)) throw err;
    }
    if (client) {
      for (const chatId of unknown) await refreshChat(tx, deps, workspaceId, client, chatId, new Map(), 'sync');
      posted = await loadPosted(tx, workspaceId, ids);
    }
  }
  const context = {
    ...(await workspaceSettings(tx, workspaceId)),
    settings: await loadSettings(tx, workspaceId),
    moderation: await loadModerationRules(tx, workspaceId),
    replies: await loadAutoReplyRules(tx, workspaceId),
  };
  for (const message of posted) {
    if (message.recalled || message.groupStatus !== 'active' || !message.groupId) continue;
    if (message.memberType !== 'external' || message.memberStatus !== 'active') continue;
    const { stop } = await moderate(tx, workspaceId, context, message);
    if (stop) continue;
    if (await checkInFromMessage(tx, workspaceId, context, message)) continue;
    await autoReply(tx, workspaceId, context, message);
  }
}

export const messagesSubscriber = (deps: CommunityDeps): Subscriber => ({
  name: 'community.messages',
  events: ['community.message_posted'],
  handle: (event, tx) => processMessages(tx, deps, [event]),
  handleMany: (events, tx) => processMessages(tx, deps, events),
});

/** A group's messages, newest first, with the rules each broke. */
export async function listMessages(tx: Tx, workspaceId: string, groupId: string, query: MessageListQuery) {
  await assertGroup(tx, workspaceId, groupId);
  const limit = query.limit ?? 50;
  const cursor = decodeCursor(query.cursor);
  const rows = await tx.query<{
    id: number;
    msgid: string;
    chat_id: string;
    sender_id: string;
    msgtype: MessageType;
    content: string;
    url: string | null;
    qr_code: boolean;
    recalled: boolean;
    sentiment: number;
    sent_at: Date;
    sender_name: string | null;
    sender_type: 'internal' | 'external' | null;
    customer_id: string | null;
    violations: string[];
  }>(
    `SELECT m.id, m.msgid, m.chat_id, m.sender_id, m.msgtype, m.content, m.url, m.qr_code, m.recalled, m.sentiment,
            m.sent_at, mem.name AS sender_name, mem.type AS sender_type, mem.customer_id,
            coalesce((SELECT array_agg(v.rule_name ORDER BY v.id) FROM community_violations v
                       WHERE v.workspace_id = m.workspace_id AND v.message_id = m.id), '{}') AS violations
       FROM community_groups g
       JOIN community_messages m ON m.workspace_id = g.workspace_id AND m.chat_id = g.chat_id
       LEFT JOIN community_members mem
         ON mem.workspace_id = m.workspace_id AND mem.group_id = g.id AND mem.member_id = m.sender_id
      WHERE g.workspace_id = $1 AND g.id = $2 AND ($3::text IS NULL OR m.sender_id = $3)
        AND ($4::bool IS NULL OR $4 = EXISTS (SELECT 1 FROM community_violations v
                                               WHERE v.workspace_id = m.workspace_id AND v.message_id = m.id))
        AND ($5::bigint IS NULL OR m.id < $5)
      ORDER BY m.id DESC LIMIT $6`,
    [workspaceId, groupId, query.senderId ?? null, query.flagged ?? null, cursor ? Number(cursor[0]) : null, limit + 1],
  );
  return pageOf(
    rows,
    limit,
    (r): Message => ({
      id: Number(r.id),
      msgid: r.msgid,
      groupId,
      chatId: r.chat_id,
      senderId: r.sender_id,
      senderName: r.sender_name || r.sender_id,
      senderType: r.sender_type,
      customerId: r.customer_id,
      type: r.msgtype,
      content: r.content,
      url: r.url,
      qrCode: r.qr_code,
      recalled: r.recalled,
      sentiment: r.sentiment,
      violations: r.violations,
      sentAt: r.sent_at.toISOString(),
    }),
    (r) => [Number(r.id)],
  );
}
