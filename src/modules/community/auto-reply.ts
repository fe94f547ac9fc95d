// Keyword auto-reply in groups: rules match a customer's message exactly, by containing a keyword, or by a regular
// expression; each applies to some groups or all, optionally only within a time window, and at most once per
// cooldown in a group. The first enabled rule that matches answers, through a group message (sends.ts).
import type { AutoReplyBody, AutoReplyRule, MatchKind, UpdateAutoReplyBody } from '../../contracts/community.ts';
import type { Tx } from '../../platform/db/index.ts';
import { badRequest, notFound } from '../../platform/errors.ts';
import type { Posted } from './messages.ts';
import { queueSend } from './sends.ts';
import { checkGroupScope, iso, minuteOfDay, minutesOf } from './shared.ts';

interface RuleRow {
  id: string;
  name: string;
  match_kind: MatchKind;
  keywords: string[];
  reply: string;
  group_ids: string[] | null;
  window_start: string | null;
  window_end: string | null;
  cooldown_seconds: number;
  enabled: boolean;
  created_at: Date;
}

const RULE_COLUMNS = `id, name, match_kind, keywords, reply, group_ids, window_start, window_end, cooldown_seconds,
  enabled, created_at`;

/** Regular expressions only look at the start of long messages: a rule's pattern must not stall the worker. */
const REGEX_TEXT_LIMIT = 1000;

const fold = (text: string) => text.normalize('NFKC').toLowerCase().trim();

export function matches(kind: MatchKind, keywords: readonly string[], text: string): boolean {
  const folded = fold(text);
  if (!folded) return false;
  if (kind === 'exact') return keywords.some((k) => fold(k) === folded);
  if (kind === 'contains') return keywords.some((k) => folded.includes(fold(k)));
  const head = text.slice(0, REGEX_TEXT_LIMIT);
  return keywords.some((k) => new RegExp(k, 'iu').test(head));
}

/** Whether a minute of the day falls in a window; a window whose start is after its end spans midnight. */
export function inWindow(minute: number, start: string, end: string): boolean {
  const from = minutesOf(start);
  const to = minutesOf(end);
  return from <= to ? minute >= from && minute < to : minute >= from || minute < to;
}

export async function loadAutoReplyRules(tx: Tx, workspaceId: string): Promise<RuleRow[]> {
  return tx.query<RuleRow>(
    `SELECT ${RULE_COLUMNS} FROM community_auto_replies WHERE workspace_id = $1 AND enabled ORDER BY created_at, id`,
    [workspaceId],
  );
}

/** Answers a customer's message with the first rule that matches it, unless that rule answered there recently. */
export async function autoReply(
  tx: Tx,
  workspaceId: string,
  context: { replies: RuleRow[]; timezone: string },
  message: Posted,
): Promise<boolean> {
  if (message.type !== 'text') return false;
  const groupId = message.groupId as string;
  const minute = minuteOfDay(message.sentAt, context.timezone);
  for (const rule of context.replies) {
    if (rule.group_ids !== null && !rule.group_ids.includes(groupId)) continue;
    if (rule.window_start && rule.window_end && !inWindow(minute, rule.window_start, rule.window_end)) continue;
    if (!matches(rule.match_kind, rule.keywords, message.content)) continue;
    // The rule row is locked so two batches of one group cannot both answer inside the cooldown.
    await tx.query('SELECT 1 FROM community_auto_replies WHERE workspace_id = $1 AND id = $2 FOR UPDATE', [
      workspaceId,
      rule.id,
    ]);
    const recent = await tx.query(
      `SELECT 1 FROM community_auto_reply_hits
        WHERE workspace_id = $1 AND rule_id = $2 AND group_id = $3 AND at > $4 LIMIT 1`,
      [workspaceId, rule.id, groupId, new Date(message.sentAt.getTime() - rule.cooldown_seconds * 1000)],
    );
    if (recent.length > 0) return false;
    const sendId = await queueSend(tx, workspaceId, {
      kind: 'auto_reply',
      sourceId: rule.id,
      dedupeKey: `auto_reply:${rule.id}:${message.id}`,
      sender: message.owner,
      chatIds: [message.chatId],
      text: rule.reply,
      link: null,
      at: message.sentAt,
    });
    await tx.query(
      `INSERT INTO community_auto_reply_hits (workspace_id, rule_id, message_id, group_id, send_id, at)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
      [workspaceId, rule.id, message.id, groupId, sendId, message.sentAt],
    );
    return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------------------------
// Rules.

function checkKeywords(kind: MatchKind, keywords: readonly string[]): void {
  if (kind !== 'regex') return;
  for (const k of keywords) {
    try {
      new RegExp(k, 'iu');
    } catch (err) {
      throw badRequest('community.bad_regex', { pattern: k, reason: (err as Error).message });
    }
  }
}

async function rulesWhere(tx: Tx, workspaceId: string, where: string, params: unknown[]) {
  const rows = await tx.query<RuleRow & { replies: number; last_reply_at: Date | null }>(
    `SELECT ${RULE_COLUMNS},
            (SELECT count(*) FROM community_auto_reply_hits h WHERE h.workspace_id = r.workspace_id AND h.rule_id = r.id)
              AS replies,
            (SELECT max(at) FROM community_auto_reply_hits h WHERE h.workspace_id = r.workspace_id AND h.rule_id = r.id)
              AS last_reply_at
       FROM community_auto_replies r WHERE workspace_id = $1 ${where} ORDER BY created_at, id`,
    [workspaceId, ...params],
  );
  return rows.map(
    (r): AutoReplyRule => ({
      id: r.id,
      name: r.name,
      match: r.match_kind,
      keywords: r.keywords,
      reply: r.reply,
      groupIds: r.group_ids,
      window: r.window_start && r.window_end ? { start: r.window_start, end: r.window_end } : null,
      cooldownSeconds: r.cooldown_seconds,
      enabled: r.enabled,
      replies: Number(r.replies),
      lastReplyAt: iso(r.last_reply_at),
      createdAt: r.created_at.toISOString(),
    }),
  );
}

export const listAutoReplies = async (tx: Tx, workspaceId: string) => ({
  items: await rulesWhere(tx, workspaceId, '', []),
  nextCursor: null,
});

export async function getAutoReply(tx: Tx, workspaceId: string, id: string): Promise<AutoReplyRule> {
  const [rule] = await rulesWhere(tx, workspaceId, 'AND id = $2', [id]);
  if (!rule) throw notFound('community.rule_not_found');
  return rule;
}

export async function createAutoReply(tx: Tx, workspaceId: string, body: AutoReplyBody, now: Date) {
  checkKeywords(body.match, body.keywords);
  await checkGroupScope(tx, workspaceId, body.groupIds);
  const rows = await tx.query<{ id: string }>(
    `INSERT INTO community_auto_replies (workspace_id, name, match_kind, keywords, reply, group_ids, window_start,
                                         window_end, cooldown_seconds, enabled, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id`,
    [
      workspaceId,
      body.name,
      body.match,
      body.keywords,
      body.reply,
      body.groupIds ?? null,
      body.window?.start ?? null,
      body.window?.end ?? null,
      body.cooldownSeconds ?? 60,
      body.enabled ?? true,
      now,
    ],
  );
  return getAutoReply(tx, workspaceId, (rows[0] as { id: string }).id);
}

export async function updateAutoReply(tx: Tx, workspaceId: string, id: string, body: UpdateAutoReplyBody, now: Date) {
  const current = await getAutoReply(tx, workspaceId, id);
  const match = body.match ?? current.match;
  const keywords = body.keywords ?? current.keywords;
  checkKeywords(match, keywords);
  const groupIds = body.groupIds === undefined ? current.groupIds : body.groupIds;
  await checkGroupScope(tx, workspaceId, groupIds);
  const window = body.window === undefined ? current.window : body.window;
  await tx.query(
    `UPDATE community_auto_replies
        SET name = $3, match_kind = $4, keywords = $5, reply = $6, group_ids = $7, window_start = $8, window_end = $9,
            cooldown_seconds = $10, enabled = $11, updated_at = $12
      WHERE workspace_id = $1 AND id = $2`,
    [
      workspaceId,
      id,
      body.name ?? current.name,
      match,
      keywords,
      body.reply ?? current.reply,
      groupIds,
      window?.start ?? null,
      window?.end ?? null,
      body.cooldownSeconds ?? current.cooldownSeconds,
      body.enabled ?? current.enabled,
      now,
    ],
  );
  return getAutoReply(tx, workspaceId, id);
}

export async function deleteAutoReply(tx: Tx, workspaceId: string, id: string): Promise<void> {
  const rows = await tx.query('DELETE FROM community_auto_replies WHERE workspace_id = $1 AND id = $2 RETURNING id', [
    workspaceId,
    id,
  ]);
  if (rows.length === 0) throw notFound('community.rule_not_found');
}
