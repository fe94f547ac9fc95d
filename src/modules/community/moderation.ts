// Moderation of customers' group messages: ad links (hosts outside an allow list), QR codes (images the archive
// connector found one in, mini-program and contact cards), sensitive words (one Aho-Corasick pass over the text
// with width, case and spacing evened out) and flooding (more than N messages in M seconds). A broken rule is a
// violation kept with its evidence; its action warns in the group, asks the owner to remove the member, or also
// blacklists them (a blacklisted member who joins again is asked to be removed again). Every action is audited.
import type {
  BlacklistEntry,
  ModerationAction,
  ModerationKind,
  ModerationRule,
  ModerationRuleBody,
  UpdateModerationRuleBody,
  Violation,
  ViolationListQuery,
} from '../../contracts/community.ts';
import type { Tx } from '../../platform/db/index.ts';
import { badRequest, notFound } from '../../platform/errors.ts';
import { decodeCursor, pageOf } from '../../platform/http/pagination.ts';
import { type Locale, translate } from '../../platform/i18n/index.ts';
import type { Posted } from './messages.ts';
import { requestRemoval } from './removals.ts';
import { queueSend } from './sends.ts';
import { checkGroupScope, systemAudit } from './shared.ts';
import { allowedHost, hostOf, KeywordMatcher, linkHosts, matchForm } from './text.ts';

interface RuleRow {
  id: string;
  name: string;
  kind: ModerationKind;
  action: ModerationAction;
  group_ids: string[] | null;
  enabled: boolean;
  allow_domains: string[];
  words: string[];
  flag_images: boolean;
  flag_mini_programs: boolean;
  flag_cards: boolean;
  max_messages: number | null;
  window_seconds: number | null;
  warning_text: string | null;
  created_at: Date;
  updated_at: Date;
}

const RULE_COLUMNS = `id, name, kind, action, group_ids, enabled, allow_domains, words, flag_images, flag_mini_programs,
  flag_cards, max_messages, window_seconds, warning_text, created_at, updated_at`;

/** How strongly an action acts on the member; a message that breaks several rules gets the strongest. */
const STRENGTH: Record<ModerationAction, number> = { warn: 0, remove: 1, blacklist: 2 };

// Matchers are built once per version of a rule's word list: a list of thousands of words costs milliseconds to
// build, and every message is matched against it.
const matchers = new Map<string, KeywordMatcher>();
function matcherOf(rule: RuleRow): KeywordMatcher {
  const key = `${rule.id}:${rule.updated_at.getTime()}`;
  let matcher = matchers.get(key);
  if (!matcher) {
    if (matchers.size > 500) matchers.clear();
    matcher = new KeywordMatcher(rule.words.map(matchForm));
    matchers.set(key, matcher);
  }
  return matcher;
}

export async function loadModerationRules(tx: Tx, workspaceId: string): Promise<RuleRow[]> {
  return tx.query<RuleRow>(
    `SELECT ${RULE_COLUMNS} FROM community_moderation_rules WHERE workspace_id = $1 AND enabled ORDER BY created_at, id`,
    [workspaceId],
  );
}

/** What in a message breaks a rule (empty: nothing). Flooding is counted in SQL, see `floodCount`. */
export function breaches(rule: RuleRow, message: Pick<Posted, 'type' | 'content' | 'url' | 'qrCode'>): string[] {
  switch (rule.kind) {
    case 'ad_link': {
      const hosts = linkHosts(message.content);
      const linked = message.url ? hostOf(message.url) : null;
      if (linked && !hosts.includes(linked)) hosts.push(linked);
      return hosts.filter((h) => !allowedHost(h, rule.allow_domains));
    }
    case 'qr_code':
      if (message.type === 'image' && message.qrCode && rule.flag_images) return ['image_qr_code'];
      if (message.type === 'weapp' && rule.flag_mini_programs) return ['mini_program'];
      if (message.type === 'card' && rule.flag_cards) return ['contact_card'];
      return [];
    case 'sensitive_words': {
      if (!message.content) return [];
      const found = new Set(
        matcherOf(rule)
          .scan(matchForm(message.content))
          .map((m) => m.word),
      );
      return [...found].sort((a, b) => a - b).map((i) => rule.words[i] as string);
    }
    case 'flood':
      return [];
  }
}

/** Messages of the sender in the group within the rule's window ending at this one, when that is a flood. */
async function flood(tx: Tx, workspaceId: string, rule: RuleRow, message: Posted): Promise<string[]> {
  if (!rule.max_messages || !rule.window_seconds) return [];
  // Batches of one workspace's messages may be processed side by side: checks of one rule, group and member take
  // turns, so the second sees the first's violation and a burst is reported once.
  await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
    `community.flood:${workspaceId}:${rule.id}:${message.groupId}:${message.senderId}`,
  ]);
  const since = new Date(message.sentAt.getTime() - rule.window_seconds * 1000);
  const rows = await tx.query<{ n: number; reported: boolean }>(
    `SELECT (SELECT count(*)::int FROM community_messages
              WHERE workspace_id = $1 AND chat_id = $2 AND sender_id = $3 AND sent_at > $4 AND sent_at <= $5
                AND NOT recalled) AS n,
            -- One violation per burst: none while the last one's window is still open.
            EXISTS (SELECT 1 FROM community_violations
                     WHERE workspace_id = $1 AND rule_id = $6 AND group_id = $7 AND member_id = $3 AND at > $4)
              AS reported`,
    [workspaceId, message.chatId, message.senderId, since, message.sentAt, rule.id, message.groupId],
  );
  const r = rows[0];
  return r && r.n > rule.max_messages && !r.reported ? [String(r.n)] : [];
}

const inScope = (groupIds: string[] | null, groupId: string) => groupIds === null || groupIds.includes(groupId);

/**
 * Checks a customer's message against every enabled rule of its group and acts on what it breaks. Answers whether
 * the member is on the way out (removal or blacklist), after which nothing else is done with the message.
 */
export async function moderate(
  tx: Tx,
  workspaceId: string,
  context: { moderation: RuleRow[]; locale: Locale },
  message: Posted,
): Promise<{ stop: boolean }> {
  const groupId = message.groupId as string;
  let strongest = -1;
  for (const rule of context.moderation) {
    if (!inScope(rule.group_ids, groupId)) continue;
    const matched = rule.kind === 'flood' ? await flood(tx, workspaceId, rule, message) : breaches(rule, message);
    if (matched.length === 0) continue;
    const acted = await act(tx, workspaceId, context.locale, rule, message, matched);
    if (acted) strongest = Math.max(strongest, STRENGTH[rule.action]);
  }
  return { stop: strongest >= STRENGTH.remove };
}

/** Records the violation (once per rule and message) and carries out the rule's action. */
async function act(
  tx: Tx,
  workspaceId: string,
  locale: Locale,
  rule: RuleRow,
  message: Posted,
  matched: string[],
): Promise<boolean> {
  const groupId = message.groupId as string;
  const evidence = message.url ? `${message.content} ${message.url}`.trim() : message.content || `[${message.type}]`;
  const inserted = await tx.query<{ id: number }>(
    `INSERT INTO community_violations (workspace_id, rule_id, rule_name, kind, action, group_id, member_id,
                                       customer_id, message_id, msgid, evidence, matched, at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
     ON CONFLICT (workspace_id, rule_id, message_id) DO NOTHING RETURNING id`,
    [
      workspaceId,
      rule.id,
      rule.name,
      rule.kind,
      rule.action,
      groupId,
      message.senderId,
      message.customerId,
      message.id,
      message.msgid,
      evidence.slice(0, 2000),
      matched.slice(0, 50),
      message.sentAt,
    ],
  );
  const violationId = inserted[0] ? Number(inserted[0].id) : null;
  if (violationId === null) return false;
  let warningSendId: string | null = null;
  let removalId: string | null = null;
  if (rule.action === 'warn') {
    const template = rule.warning_text ?? translate(locale, `community.warning.${rule.kind}`);
    warningSendId = await queueSend(tx, workspaceId, {
      kind: 'warning',
      sourceId: String(violationId),
      dedupeKey: `warning:${violationId}`,
      sender: message.owner,
      chatIds: [message.chatId],
      text: template.replaceAll('{name}', message.memberName),
      link: null,
      at: message.sentAt,
    });
  } else {
    if (rule.action === 'blacklist') {
      await tx.query(
        `INSERT INTO community_blacklist (workspace_id, member_id, customer_id, name, reason, violation_id, created_by,
                                          created_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'moderation', $7) ON CONFLICT (workspace_id, member_id) DO NOTHING`,
        [workspaceId, message.senderId, message.customerId, message.memberName, rule.name, violationId, message.sentAt],
      );
    }
    removalId = await requestRemoval(tx, workspaceId, {
      groupId,
      memberId: message.senderId,
      reason: 'moderation',
      violationId,
      at: message.sentAt,
    });
  }
  await tx.query(
    'UPDATE community_violations SET warning_send_id = $3, removal_id = $4 WHERE workspace_id = $1 AND id = $2',
    [workspaceId, violationId, warningSendId, removalId],
  );
  await systemAudit(tx, workspaceId, {
    action: `community.moderation_${rule.action}`,
    targetType: 'community_member',
    targetId: message.senderId,
    details: {
      violationId,
      ruleId: rule.id,
      ruleName: rule.name,
      kind: rule.kind,
      groupId,
      chatId: message.chatId,
      customerId: message.customerId,
      messageId: message.id,
      msgid: message.msgid,
      evidence: evidence.slice(0, 500),
      matched,
      ...(warningSendId ? { warningSendId } : {}),
      ...(removalId ? { removalId } : {}),
    },
    at: message.sentAt,
  });
  return true;
}

// ---------------------------------------------------------------------------------------------------------------
// Rules.

/** Every kind needs its own settings: a rule that could never match is refused rather than stored. */
function checkRule(rule: {
  kind: ModerationKind;
  words: string[];
  maxMessages: number | null;
  windowSeconds: number | null;
  flagImages: boolean;
  flagMiniPrograms: boolean;
  flagCards: boolean;
}): void {
  if (rule.kind === 'sensitive_words' && rule.words.length === 0) throw badRequest('community.words_required');
  if (rule.kind === 'flood' && (!rule.maxMessages || !rule.windowSeconds)) throw badRequest('community.flood_limits');
  if (rule.kind === 'qr_code' && !rule.flagImages && !rule.flagMiniPrograms && !rule.flagCards) {
    throw badRequest('community.qr_nothing_flagged');
  }
}

const ruleOf = (r: RuleRow & { violations: number }): ModerationRule => ({
  id: r.id,
  name: r.name,
  kind: r.kind,
  action: r.action,
  groupIds: r.group_ids,
  enabled: r.enabled,
  allowDomains: r.allow_domains,
  words: r.words,
  flagImages: r.flag_images,
  flagMiniPrograms: r.flag_mini_programs,
  flagCards: r.flag_cards,
  maxMessages: r.max_messages,
  windowSeconds: r.window_seconds,
  warningText: r.warning_text,
  violations: Number(r.violations),
  createdAt: r.created_at.toISOString(),
});

async function rulesWhere(tx: Tx, workspaceId: string, where: string, params: unknown[]) {
  const rows = await tx.query<RuleRow & { violations: number }>(
    `SELECT ${RULE_COLUMNS},
            (SELECT count(*) FROM community_violations v WHERE v.workspace_id = r.workspace_id AND v.rule_id = r.id)
              AS violations
       FROM community_moderation_rules r WHERE workspace_id = $1 ${where} ORDER BY created_at, id`,
    [workspaceId, ...params],
  );
  return rows.map(ruleOf);
}

export const listModerationRules = async (tx: Tx, workspaceId: string) => ({
  items: await rulesWhere(tx, workspaceId, '', []),
  nextCursor: null,
});

export async function getModerationRule(tx: Tx, workspaceId: string, id: string): Promise<ModerationRule> {
  const [rule] = await rulesWhere(tx, workspaceId, 'AND id = $2', [id]);
  if (!rule) throw notFound('community.rule_not_found');
  return rule;
}

/** The settings of a rule as stored, from a body over an existing rule (or the defaults). */
function settle(body: UpdateModerationRuleBody, base: ModerationRule | null) {
  const kind = (body.kind ?? base?.kind) as ModerationKind;
  return {
    name: (body.name ?? base?.name) as string,
    kind,
    action: (body.action ?? base?.action) as ModerationAction,
    groupIds: body.groupIds === undefined ? (base?.groupIds ?? null) : body.groupIds,
    enabled: body.enabled ?? base?.enabled ?? true,
    allowDomains: (body.allowDomains ?? base?.allowDomains ?? []).map((d) => d.toLowerCase()),
    words: body.words ?? base?.words ?? [],
    flagImages: body.flagImages ?? base?.flagImages ?? true,
    flagMiniPrograms: body.flagMiniPrograms ?? base?.flagMiniPrograms ?? true,
    flagCards: body.flagCards ?? base?.flagCards ?? true,
    maxMessages: body.maxMessages ?? base?.maxMessages ?? null,
    windowSeconds: body.windowSeconds ?? base?.windowSeconds ?? null,
    warningText: body.warningText === undefined ? (base?.warningText ?? null) : body.warningText,
  };
}

async function writeRule(tx: Tx, workspaceId: string, id: string | null, r: ReturnType<typeof settle>, now: Date) {
  checkRule(r);
  await checkGroupScope(tx, workspaceId, r.groupIds);
  const values = [
    r.name,
    r.kind,
    r.action,
    r.groupIds,
    r.enabled,
    r.allowDomains,
    r.words,
    r.flagImages,
    r.flagMiniPrograms,
    r.flagCards,
    r.maxMessages,
    r.windowSeconds,
    r.warningText,
    now,
  ];
  if (id === null) {
    const rows = await tx.query<{ id: string }>(
      `INSERT INTO community_moderation_rules (workspace_id, name, kind, action, group_ids, enabled, allow_domains,
         words, flag_images, flag_mini_programs, flag_cards, max_messages, window_seconds, warning_text, created_at,
         updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) RETURNING id`,
      [workspaceId, ...values],
    );
    return (rows[0] as { id: string }).id;
  }
  await tx.query(
    `UPDATE community_moderation_rules
        SET name = $3, kind = $4, action = $5, group_ids = $6, enabled = $7, allow_domains = $8, words = $9,
            flag_images = $10, flag_mini_programs = $11, flag_cards = $12, max_messages = $13, window_seconds = $14,
            warning_text = $15, updated_at = $16
      WHERE workspace_id = $1 AND id = $2`,
    [workspaceId, id, ...values],
  );
  return id;
}

export async function createModerationRule(tx: Tx, workspaceId: string, body: ModerationRuleBody, now: Date) {
  const id = await writeRule(tx, workspaceId, null, settle(body, null), now);
  return getModerationRule(tx, workspaceId, id);
}

export async function updateModerationRule(
  tx: Tx,
  workspaceId: string,
  id: string,
  body: UpdateModerationRuleBody,
  now: Date,
) {
  const current = await getModerationRule(tx, workspaceId, id);
  await writeRule(tx, workspaceId, id, settle(body, current), now);
  return getModerationRule(tx, workspaceId, id);
}

/** Deletes a rule; its violations stay, with its name, as the record of what was done. */
export async function deleteModerationRule(tx: Tx, workspaceId: string, id: string): Promise<void> {
  const rows = await tx.query(
    'DELETE FROM community_moderation_rules WHERE workspace_id = $1 AND id = $2 RETURNING id',
    [workspaceId, id],
  );
  if (rows.length === 0) throw notFound('community.rule_not_found');
  await tx.query('UPDATE community_violations SET rule_id = NULL WHERE workspace_id = $1 AND rule_id = $2', [
    workspaceId,
    id,
  ]);
}

// ---------------------------------------------------------------------------------------------------------------
// The log and the blacklist.

export async function listViolations(tx: Tx, workspaceId: string, query: ViolationListQuery) {
  const limit = query.limit ?? 50;
  const cursor = decodeCursor(query.cursor);
  const rows = await tx.query<{
    id: number;
    rule_id: string | null;
    rule_name: string;
    kind: ModerationKind;
    action: ModerationAction;
    group_id: string;
    group_name: string;
    member_id: string;
    member_name: string | null;
    customer_id: string | null;
    message_id: number | null;
    msgid: string | null;
    evidence: string;
    matched: string[];
    warning_send_id: string | null;
    removal_id: string | null;
    at: Date;
  }>(
    `SELECT v.id, v.rule_id, v.rule_name, v.kind, v.action, v.group_id, g.name AS group_name, v.member_id,
            m.name AS member_name, v.customer_id, v.message_id, v.msgid, v.evidence, v.matched, v.warning_send_id,
            v.removal_id, v.at
       FROM community_violations v
       JOIN community_groups g ON g.workspace_id = v.workspace_id AND g.id = v.group_id
       LEFT JOIN community_members m
         ON m.workspace_id = v.workspace_id AND m.group_id = v.group_id AND m.member_id = v.member_id
      WHERE v.workspace_id = $1 AND ($2::uuid IS NULL OR v.group_id = $2) AND ($3::text IS NULL OR v.member_id = $3)
        AND ($4::text IS NULL OR v.kind = $4) AND ($5::bigint IS NULL OR v.id < $5)
      ORDER BY v.id DESC LIMIT $6`,
    [
      workspaceId,
      query.groupId ?? null,
      query.memberId ?? null,
      query.kind ?? null,
      cursor ? Number(cursor[0]) : null,
      limit + 1,
    ],
  );
  return pageOf(
    rows,
    limit,
    (r): Violation => ({
      id: Number(r.id),
      ruleId: r.rule_id,
      ruleName: r.rule_name,
      kind: r.kind,
      action: r.action,
      groupId: r.group_id,
      groupName: r.group_name,
      memberId: r.member_id,
      memberName: r.member_name || r.member_id,
      customerId: r.customer_id,
      messageId: r.message_id === null ? null : Number(r.message_id),
      msgid: r.msgid,
      evidence: r.evidence,
      matched: r.matched,
      warningSendId: r.warning_send_id,
      removalId: r.removal_id,
      at: r.at.toISOString(),
    }),
    (r) => [Number(r.id)],
  );
}

interface BlacklistRow {
  member_id: string;
  name: string;
  customer_id: string | null;
  reason: string;
  violation_id: number | null;
  created_by: string;
  created_at: Date;
}

const entryOf = (r: BlacklistRow): BlacklistEntry => ({
  memberId: r.member_id,
  name: r.name || r.member_id,
  customerId: r.customer_id,
  reason: r.reason,
  violationId: r.violation_id === null ? null : Number(r.violation_id),
  createdBy: r.created_by,
  createdAt: r.created_at.toISOString(),
});

export async function listBlacklist(tx: Tx, workspaceId: string, query: { cursor?: string; limit?: number }) {
  const limit = query.limit ?? 50;
  const cursor = decodeCursor(query.cursor);
  const rows = await tx.query<BlacklistRow>(
    `SELECT member_id, name, customer_id, reason, violation_id, created_by, created_at FROM community_blacklist
      WHERE workspace_id = $1 AND ($2::timestamptz IS NULL OR (created_at, member_id) < ($2, $3::text))
      ORDER BY created_at DESC, member_id DESC LIMIT $4`,
    [workspaceId, cursor ? String(cursor[0]) : null, cursor ? String(cursor[1]) : null, limit + 1],
  );
  return pageOf(rows, limit, entryOf, (r) => [r.created_at.toISOString(), r.member_id]);
}

/** Blacklists a member by hand (a staff decision); they are asked to be removed from every group they are in. */
export async function addToBlacklist(
  tx: Tx,
  workspaceId: string,
  input: { memberId: string; reason: string; by: string },
  now: Date,
): Promise<{ entry: BlacklistEntry; removals: string[] }> {
  const known = await tx.query<{ group_id: string; name: string; customer_id: string | null; status: string }>(
    `SELECT m.group_id, m.name, m.customer_id, m.status FROM community_members m
       JOIN community_groups g ON g.workspace_id = m.workspace_id AND g.id = m.group_id
      WHERE m.workspace_id = $1 AND m.member_id = $2 AND m.type = 'external'`,
    [workspaceId, input.memberId],
  );
  if (known.length === 0) throw notFound('community.member_not_found');
  const first = known[0] as { name: string; customer_id: string | null };
  await tx.query(
    `INSERT INTO community_blacklist (workspace_id, member_id, customer_id, name, reason, violation_id, created_by,
                                      created_at)
     VALUES ($1, $2, $3, $4, $5, NULL, $6, $7)
     ON CONFLICT (workspace_id, member_id) DO UPDATE SET reason = EXCLUDED.reason`,
    [workspaceId, input.memberId, first.customer_id, first.name, input.reason, input.by, now],
  );
  const removals: string[] = [];
  for (const m of known.filter((k) => k.status === 'active')) {
    removals.push(
      await requestRemoval(tx, workspaceId, {
        groupId: m.group_id,
        memberId: input.memberId,
        reason: 'blacklist',
        violationId: null,
        at: now,
      }),
    );
  }
  const rows = await tx.query<BlacklistRow>(
    `SELECT member_id, name, customer_id, reason, violation_id, created_by, created_at FROM community_blacklist
      WHERE workspace_id = $1 AND member_id = $2`,
    [workspaceId, input.memberId],
  );
  return { entry: entryOf(rows[0] as BlacklistRow), removals };
}

export async function removeFromBlacklist(tx: Tx, workspaceId: string, memberId: string): Promise<void> {
  const rows = await tx.query(
    'DELETE FROM community_blacklist WHERE workspace_id = $1 AND member_id = $2 RETURNING 1',
    [workspaceId, memberId],
  );
  if (rows.length === 0) throw notFound('community.blacklist_entry_not_found');
}
