// Members: card numbers and invite codes, reading a member (console, POS, the H5 card), the member list, how a
// membership follows a customer merge, and the tier history on the customer timeline.
import { randomInt } from 'node:crypto';
import type { Page } from '../../contracts/foundation.ts';
import type {
  GrowthEntry,
  Member,
  MemberCard,
  MemberListItem,
  MemberListQuery,
  MemberStatus,
  TierHistoryItem,
} from '../../contracts/loyalty.ts';
import type { Tx } from '../../platform/db/index.ts';
import { AppError, badRequest, notFound } from '../../platform/errors.ts';
import { decodeCursor, pageOf } from '../../platform/http/pagination.ts';
import type { Scope } from '../../platform/http/routes.ts';
import { normalizePhone } from '../../platform/phone.ts';
import type { MergeParticipant, TimelineItem, TimelineSource } from '../customers/participants.ts';
import { getCustomerRow, maskName, maskPhone, setMemberStatus } from '../customers/profiles.ts';
import { scopeSql } from '../customers/scope.ts';
import { tierBenefits } from './benefits.ts';
import {
  ladder,
  moveTiers,
  nextTierOf,
  readSettings,
  reviewTier,
  summaryOf,
  type TierRow,
  windowGrowth,
  windowStart,
} from './tiers.ts';

/** The Luhn check digit of a string of digits (what card terminals and people's typos are checked with). */
export function luhnDigit(digits: string): string {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}

export const validCardNo = (cardNo: string) =>
  /^[0-9]{12}$/.test(cardNo) && luhnDigit(cardNo.slice(0, 11)) === cardNo.slice(11);

/** 11 random digits (never a leading 0, so the number survives spreadsheets) and a Luhn check digit. */
function newCardNo(): string {
  let body = String(1 + randomInt(9));
  for (let i = 0; i < 10; i++) body += String(randomInt(10));
  return body + luhnDigit(body);
}

// 32 characters without 0/O and 1/I, which are misread when a code is read out or typed from a poster.
const INVITE_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
export function newInviteCode(): string {
  let code = '';
  for (let i = 0; i < 8; i++) code += INVITE_ALPHABET[randomInt(INVITE_ALPHABET.length)];
  return code;
}

/**
 * The card number of the customer with number `seq`, for bulk loads that cannot draw and check one by one: 48,271 is
 * prime to 9,999,999,999 (= 3² × 41 × 271 × 9,091), so distinct customers get distinct numbers, scattered rather than
 * counting up. A number drawn later for a live enrolment that happens to equal one of these is simply drawn again.
 */
export function cardNoOf(seq: number): string {
  const body = `1${String(Number((BigInt(seq) * 48_271n) % 9_999_999_999n)).padStart(10, '0')}`;
  return body + luhnDigit(body);
}

/** The invite code of the customer with number `seq`: an odd multiplier is one-to-one modulo 2⁴⁰ = 32⁸. */
export function inviteCodeOf(seq: number): string {
  let n = (BigInt(seq) * 2_654_435_761n + 97n) % (1n << 40n);
  let code = '';
  for (let i = 0; i < 8; i++) {
    code = (INVITE_ALPHABET[Number(n & 31n)] as string) + code;
    n >>= 5n;
  }
  return code;
}

/**
 * Reserves a card number nobody in the workspace has ever held. Numbers are random, so a clash is rare and only
 * means drawing again; `member_cards` remembers every number issued, so a number is never handed out twice.
 */
export async function issueCardNo(tx: Tx, workspaceId: string, customerId: string, now: Date): Promise<string> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const cardNo = newCardNo();
    const rows = await tx.query(
      `INSERT INTO member_cards (workspace_id, card_no, customer_id, issued_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING RETURNING card_no`,
      [workspaceId, cardNo, customerId, now],
    );
    if (rows.length > 0) return cardNo;
  }
  throw new Error('no free card number after 20 draws: the card number space is nearly exhausted');
}

export interface MemberRow {
  customer_id: string;
  card_no: string;
  status: MemberStatus;
  tier_id: string;
  growth: number;
  tier_since: Date;
  tier_protected_until: Date | null;
  downgrade_due_at: Date | null;
  downgrade_to_tier_id: string | null;
  join_channel: string;
  terms_version: string;
  consented_at: Date;
  invite_code: string;
  invited_by: string | null;
  joined_at: Date;
}

export const MEMBER_COLUMNS = `customer_id, card_no, status, tier_id, growth, tier_since, tier_protected_until,
  downgrade_due_at, downgrade_to_tier_id, join_channel, terms_version, consented_at, invite_code, invited_by, joined_at`;

/** The membership of a customer (following merges to the survivor), or null when they have not joined. */
export async function findMember(tx: Tx, workspaceId: string, customerId: string): Promise<MemberRow | null> {
  const rows = await tx.query<MemberRow>(
    `SELECT ${MEMBER_COLUMNS} FROM members WHERE workspace_id = $1 AND customer_id = $2 AND status <> 'merged'`,
    [workspaceId, customerId],
  );
  return rows[0] ?? null;
}

/** What both the console's member and the H5's card show: tier, growth and progress, pending downgrade. */
async function standing(tx: Tx, workspaceId: string, m: MemberRow, now: Date) {
  const settings = await readSettings(tx, workspaceId);
  const tiers = await ladder(tx, workspaceId);
  const tier = tiers.find((t) => t.id === m.tier_id) as TierRow;
  const growth = await windowGrowth(tx, workspaceId, m.customer_id, now, settings.evaluationMonths);
  const downgradeTo = m.downgrade_to_tier_id ? tiers.find((t) => t.id === m.downgrade_to_tier_id) : undefined;
  return {
    settings,
    tier,
    growth: {
      window: growth,
      evaluationMonths: settings.evaluationMonths,
      lifetime: Number(m.growth),
      next: nextTierOf(tiers, tier, growth),
    },
    downgrade: m.downgrade_due_at
      ? { dueAt: m.downgrade_due_at.toISOString(), toTier: downgradeTo ? summaryOf(downgradeTo) : null }
      : null,
  };
}

/** A member as the console and the API show them; name and phone masked unless `showPii`. */
export async function getMember(
  tx: Tx,
  workspaceId: string,
  customerId: string,
  options: { now: Date; showPii: boolean },
): Promise<Member> {
  const customer = await getCustomerRow(tx, workspaceId, customerId).catch((err: unknown) => {
    if (err instanceof AppError && err.status === 404) throw notFound('loyalty.member_not_found');
    throw err;
  });
  const m = await findMember(tx, workspaceId, customer.id);
  if (!m) throw notFound('loyalty.member_not_found');
  const s = await standing(tx, workspaceId, m, options.now);
  return {
    customerId: m.customer_id,
    name: customer.name && !options.showPii ? maskName(customer.name) : customer.name,
    phone: customer.phone && !options.showPii ? maskPhone(customer.phone) : customer.phone,
    cardNo: m.card_no,
    status: m.status,
    tier: summaryOf(s.tier),
    growth: s.growth,
    tierSince: m.tier_since.toISOString(),
    tierProtectedUntil: m.tier_protected_until?.toISOString() ?? null,
    downgrade: s.downgrade,
    joinChannel: m.join_channel,
    termsVersion: m.terms_version,
    consentedAt: m.consented_at.toISOString(),
    inviteCode: m.invite_code,
    invitedBy: m.invited_by,
    joinedAt: m.joined_at.toISOString(),
  };
}

/** The member card of the H5: the member's own view, with the benefits of their tier. */
export async function memberCard(tx: Tx, workspaceId: string, m: MemberRow, now: Date): Promise<MemberCard> {
  const s = await standing(tx, workspaceId, m, now);
  return {
    cardNo: m.card_no,
    status: m.status,
    tier: summaryOf(s.tier),
    growth: s.growth,
    benefits: tierBenefits(s.tier.points_multiplier_pct, s.tier.benefits),
    downgrade: s.downgrade,
    inviteCode: m.invite_code,
    joinedAt: m.joined_at.toISOString(),
    termsVersion: m.terms_version,
    currentTermsVersion: s.settings.termsVersion,
  };
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Members newest first, filtered by tier code, status and a search by phone, card number or name. */
export async function listMembers(
  tx: Tx,
  workspaceId: string,
  query: MemberListQuery,
  options: { now: Date; showPii: boolean; scope: Scope },
): Promise<Page<MemberListItem>> {
  const limit = query.limit ?? 50;
  const settings = await readSettings(tx, workspaceId);
  const tiers = await ladder(tx, workspaceId);
  const params: unknown[] = [workspaceId, await windowStart(tx, options.now, settings.evaluationMonths)];
  const where = ['m.workspace_id = $1'];
  // A guide lists only the members they own (relationships decides ownership).
  where.push(scopeSql({ workspaceId, scope: options.scope }, 'm.customer_id', params));
  const add = (clause: string, value: unknown) => {
    params.push(value);
    where.push(clause.replaceAll('?', `$${params.length}`));
  };
  if (query.status) add('m.status = ?', query.status);
  else where.push(`m.status <> 'merged'`);
  if (query.tier) {
    const tier = tiers.find((t) => t.code === query.tier);
    if (!tier) return { items: [], nextCursor: null };
    add('m.tier_id = ?', tier.id);
  }
  if (query.q) {
    const q = query.q.trim();
    const phone = /^[+\d\s()-]{5,}$/.test(q) ? normalizePhone(q) : null;
    params.push(
      q.replace(/[\\%_]/g, (c) => `\\${c}`),
      q,
      phone,
    );
    const [name, card, byPhone] = [params.length - 2, params.length - 1, params.length];
    where.push(
      `(c.name ILIKE '%' || $${name} || '%' OR m.card_no = $${card}
        OR m.customer_id = (SELECT customer_id FROM customer_identities
                             WHERE workspace_id = $1 AND kind = 'phone' AND app_id = '' AND value = $${byPhone}))`,
    );
  }
  const cursor = decodeCursor(query.cursor);
  if (cursor) {
    if (cursor.length !== 2 || Number.isNaN(Date.parse(String(cursor[0]))) || !UUID_RE.test(String(cursor[1]))) {
      throw badRequest('request.invalid_cursor');
    }
    params.push(String(cursor[0]), String(cursor[1]));
    where.push(`(m.joined_at, m.customer_id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  params.push(limit + 1);
  const rows = await tx.query<{
    customer_id: string;
    card_no: string;
    status: MemberStatus;
    tier_id: string;
    joined_at: Date;
    name: string | null;
    phone: string | null;
    growth: number;
  }>(
    `SELECT m.customer_id, m.card_no, m.status, m.tier_id, m.joined_at, c.name, c.phone,
            (SELECT coalesce(sum(g.amount), 0) FROM growth_entries g
              WHERE g.workspace_id = m.workspace_id AND g.customer_id = m.customer_id AND g.at > $2)::bigint AS growth
       FROM members m JOIN customers c ON c.workspace_id = m.workspace_id AND c.id = m.customer_id
      WHERE ${where.join(' AND ')}
      ORDER BY m.joined_at DESC, m.customer_id DESC LIMIT $${params.length}`,
    params,
  );
  const tierOf = new Map(tiers.map((t) => [t.id, t]));
  return pageOf(
    rows,
    limit,
    (r) => ({
      customerId: r.customer_id,
      name: r.name && !options.showPii ? maskName(r.name) : r.name,
      phone: r.phone && !options.showPii ? maskPhone(r.phone) : r.phone,
      cardNo: r.card_no,
      status: r.status,
      tier: summaryOf(tierOf.get(r.tier_id) as TierRow),
      growth: Number(r.growth),
      joinedAt: r.joined_at.toISOString(),
    }),
    (r) => [r.joined_at.toISOString(), r.customer_id],
  );
}

/** A member's tier changes, newest first. */
export async function tierHistory(
  tx: Tx,
  workspaceId: string,
  customerId: string,
  query: { cursor?: string; limit?: number },
): Promise<Page<TierHistoryItem>> {
  const limit = query.limit ?? 50;
  const cursor = decodeCursor(query.cursor);
  if (cursor && (cursor.length !== 1 || !Number.isSafeInteger(Number(cursor[0])))) {
    throw badRequest('request.invalid_cursor');
  }
  const tiers = new Map((await ladder(tx, workspaceId)).map((t) => [t.id, t]));
  const rows = await tx.query<{
    id: number;
    from_tier_id: string | null;
    to_tier_id: string;
    reason: TierHistoryItem['reason'];
    growth: number;
    actor_id: string | null;
    note: string | null;
    at: Date;
  }>(
    `SELECT id, from_tier_id, to_tier_id, reason, growth, actor_id, note, at FROM tier_history
      WHERE workspace_id = $1 AND customer_id = $2 AND ($3::bigint IS NULL OR id < $3)
      ORDER BY id DESC LIMIT $4`,
    [workspaceId, customerId, cursor ? Number(cursor[0]) : null, limit + 1],
  );
  // A tier deleted since is still named in the history by its id.
  const summary = (id: string) => {
    const t = tiers.get(id);
    return t ? summaryOf(t) : { id, code: '', name: '', rank: -1 };
  };
  return pageOf(
    rows,
    limit,
    (r) => ({
      id: String(r.id),
      fromTier: r.from_tier_id ? summary(r.from_tier_id) : null,
      toTier: summary(r.to_tier_id),
      reason: r.reason,
      growth: Number(r.growth),
      actorId: r.actor_id,
      note: r.note,
      at: r.at.toISOString(),
    }),
    (r) => [r.id],
  );
}

/** A member's growth entries, newest first. */
export async function growthEntries(
  tx: Tx,
  workspaceId: string,
  customerId: string,
  query: { cursor?: string; limit?: number },
): Promise<Page<GrowthEntry>> {
  const limit = query.limit ?? 50;
  const cursor = decodeCursor(query.cursor);
  if (cursor && (cursor.length !== 1 || !Number.isSafeInteger(Number(cursor[0])))) {
    throw badRequest('request.invalid_cursor');
  }
  const rows = await tx.query<{ id: number; amount: number; cause: string; ref: string; at: Date; created_at: Date }>(
    `SELECT id, amount, cause, ref, at, created_at FROM growth_entries
      WHERE workspace_id = $1 AND customer_id = $2 AND ($3::bigint IS NULL OR id < $3)
      ORDER BY id DESC LIMIT $4`,
    [workspaceId, customerId, cursor ? Number(cursor[0]) : null, limit + 1],
  );
  return pageOf(
    rows,
    limit,
    (r) => ({
      id: String(r.id),
      amount: Number(r.amount),
      cause: r.cause,
      ref: r.ref,
      at: r.at.toISOString(),
      createdAt: r.created_at.toISOString(),
    }),
    (r) => [r.id],
  );
}

/** The customers' `member_status` that mirrors a membership's status. */
export const memberStatusOf = (status: MemberStatus) =>
  status === 'active' ? 'member' : status === 'merged' ? 'none' : status;

/** Sets a membership's status by hand (freeze, cancel, reactivate); the customer's member status follows. */
export async function setMembershipStatus(
  tx: Tx,
  workspaceId: string,
  customerId: string,
  status: Exclude<MemberStatus, 'merged'>,
): Promise<boolean> {
  const rows = await tx.query<{ status: MemberStatus }>(
    `SELECT status FROM members WHERE workspace_id = $1 AND customer_id = $2 AND status <> 'merged' FOR UPDATE`,
    [workspaceId, customerId],
  );
  const before = rows[0]?.status;
  if (!before) throw notFound('loyalty.member_not_found');
  if (before === status) return false;
  await tx.query('UPDATE members SET status = $3, updated_at = now() WHERE workspace_id = $1 AND customer_id = $2', [
    workspaceId,
    customerId,
    status,
  ]);
  await setMemberStatus(tx, workspaceId, [customerId], memberStatusOf(status));
  return true;
}

interface MembersUndo {
  /** none: the merged customer was no member; moved: their membership went to the survivor; combined: both were. */
  kind: 'none' | 'moved' | 'combined';
  sessions: string[];
  orders: string[];
  invitees: string[];
  entries?: number[];
  growth?: number;
  status?: MemberStatus;
}

/**
 * How memberships follow a customer merge (and an unmerge puts them back):
 * - only the merged customer was a member: the membership (card, tier, growth, history) moves to the survivor;
 * - both were: the survivor keeps their own membership and card, the merged member's growth entries move to it
 *   (so the evaluation window still counts them at their times), the survivor holds the higher of the two tiers
 *   (and whatever the combined growth reaches), and the merged membership stays behind with status `merged`: its
 *   card then leads to the survivor's membership.
 * Member sessions and the growth record of orders follow the customer either way; members invited by the merged
 * customer count as invited by the survivor. An unmerge moves all of it back; a tier reached through the merge is
 * kept (like any upgrade it is protected, then reviewed by the schedule).
 */
export function membersMergeParticipant(now: () => Date): MergeParticipant {
  return {
    name: 'loyalty.members',
    async move(tx, workspaceId, fromId, toId): Promise<MembersUndo> {
      const sessions = await tx.query<{ token_hash: string }>(
        'UPDATE member_sessions SET customer_id = $3 WHERE workspace_id = $1 AND customer_id = $2 RETURNING token_hash',
        [workspaceId, fromId, toId],
      );
      const orders = await tx.query<{ order_id: string }>(
        'UPDATE order_growth SET customer_id = $3 WHERE workspace_id = $1 AND customer_id = $2 RETURNING order_id',
        [workspaceId, fromId, toId],
      );
      const undo: MembersUndo = {
        kind: 'none',
        sessions: sessions.map((s) => s.token_hash),
        orders: orders.map((o) => o.order_id),
        invitees: [],
      };
      const locked = await tx.query<MemberRow>(
        `SELECT ${MEMBER_COLUMNS} FROM members WHERE workspace_id = $1 AND customer_id = ANY($2::uuid[])
          ORDER BY customer_id FOR UPDATE`,
        [workspaceId, [fromId, toId]],
      );
      const from = locked.find((m) => m.customer_id === fromId);
      const to = locked.find((m) => m.customer_id === toId);
      if (!from || from.status === 'merged') return undo;
      const invitees = await tx.query<{ customer_id: string }>(
        `UPDATE members SET invited_by = $3 WHERE workspace_id = $1 AND invited_by = $2 AND customer_id <> $3
         RETURNING customer_id`,
        [workspaceId, fromId, toId],
      );
      undo.invitees = invitees.map((i) => i.customer_id);
      if (!to) {
        // The key changes; growth entries, order records and tier history follow by ON UPDATE CASCADE.
        await tx.query(
          'UPDATE members SET customer_id = $3, updated_at = now() WHERE workspace_id = $1 AND customer_id = $2',
          [workspaceId, fromId, toId],
        );
        await setMemberStatus(tx, workspaceId, [toId], memberStatusOf(from.status));
        return { ...undo, kind: 'moved' };
      }
      const entries = await tx.query<{ id: number; amount: number }>(
        'UPDATE growth_entries SET customer_id = $3 WHERE workspace_id = $1 AND customer_id = $2 RETURNING id, amount',
        [workspaceId, fromId, toId],
      );
      const growth = entries.reduce((sum, e) => sum + Number(e.amount), 0);
      await tx.query(
        `UPDATE members SET growth = CASE WHEN customer_id = $2 THEN 0 ELSE growth + $4 END,
                status = CASE WHEN customer_id = $2 THEN 'merged' ELSE status END, updated_at = now()
          WHERE workspace_id = $1 AND customer_id IN ($2, $3)`,
        [workspaceId, fromId, toId, growth],
      );
      const tiers = await ladder(tx, workspaceId);
      const fromTier = tiers.find((t) => t.id === from.tier_id) as TierRow;
      const toTier = tiers.find((t) => t.id === to.tier_id) as TierRow;
      const at = now();
      if (to.status === 'active' && fromTier.rank > toTier.rank) {
        const settings = await readSettings(tx, workspaceId);
        const windowed = await windowGrowth(tx, workspaceId, toId, at, settings.evaluationMonths);
        await moveTiers(
          tx,
          workspaceId,
          [{ customerId: toId, from: toTier, to: fromTier, growth: windowed }],
          'merge',
          {
            now: at,
            protectionMonths: settings.protectionMonths,
          },
        );
      }
      await reviewTier(tx, workspaceId, toId, at);
      return { ...undo, kind: 'combined', entries: entries.map((e) => e.id), growth, status: from.status };
    },
    async restore(tx, workspaceId, fromId, toId, raw): Promise<void> {
      const undo = raw as MembersUndo;
      await tx.query(
        `UPDATE member_sessions SET customer_id = $2
          WHERE workspace_id = $1 AND customer_id = $3 AND token_hash = ANY($4::text[])`,
        [workspaceId, fromId, toId, undo.sessions],
      );
      if (undo.kind === 'moved') {
        await tx.query(
          'UPDATE members SET customer_id = $2, updated_at = now() WHERE workspace_id = $1 AND customer_id = $3',
          [workspaceId, fromId, toId],
        );
        await setMemberStatus(tx, workspaceId, [toId], 'none');
      } else if (undo.kind === 'combined') {
        await tx.query(
          `UPDATE growth_entries SET customer_id = $2
            WHERE workspace_id = $1 AND customer_id = $3 AND id = ANY($4::bigint[])`,
          [workspaceId, fromId, toId, undo.entries ?? []],
        );
        await tx.query(
          `UPDATE members SET growth = CASE WHEN customer_id = $2 THEN $4 ELSE growth - $4 END,
                  status = CASE WHEN customer_id = $2 THEN $5 ELSE status END, updated_at = now()
            WHERE workspace_id = $1 AND customer_id IN ($2, $3)`,
          [workspaceId, fromId, toId, undo.growth ?? 0, undo.status ?? 'active'],
        );
      }
      // Order records go back after the membership they may refer to.
      await tx.query(
        `UPDATE order_growth SET customer_id = $2
          WHERE workspace_id = $1 AND customer_id = $3 AND order_id = ANY($4::uuid[])`,
        [workspaceId, fromId, toId, undo.orders],
      );
      await tx.query(
        `UPDATE members SET invited_by = $2
          WHERE workspace_id = $1 AND invited_by = $3 AND customer_id = ANY($4::uuid[])`,
        [workspaceId, fromId, toId, undo.invitees],
      );
    },
  };
}

/** Joining and every tier change, on the customer timeline. */
export const loyaltyTimelineSource: TimelineSource = {
  source: 'loyalty',
  async items(tx, workspaceId, customerId, before, limit): Promise<TimelineItem[]> {
    const rows = await tx.query<{
      id: number;
      from_tier_id: string | null;
      to_tier_id: string;
      to_name: string | null;
      reason: string;
      growth: number;
      at: Date;
    }>(
      `SELECT h.id, h.from_tier_id, h.to_tier_id, t.name AS to_name, h.reason, h.growth,
              date_trunc('milliseconds', h.at) AS at
         FROM tier_history h LEFT JOIN tiers t ON t.workspace_id = h.workspace_id AND t.id = h.to_tier_id
        WHERE h.workspace_id = $1 AND h.customer_id = $2
          AND ($3::timestamptz IS NULL
               OR (date_trunc('milliseconds', h.at), ('loyalty:' || h.id) COLLATE "C") < ($3::timestamptz, $4::text COLLATE "C"))
        ORDER BY date_trunc('milliseconds', h.at) DESC, ('loyalty:' || h.id) COLLATE "C" DESC
        LIMIT $5`,
      [workspaceId, customerId, before?.at ?? null, before?.id ?? '', limit],
    );
    return rows.map((r) => ({
      source: 'loyalty',
      id: `loyalty:${r.id}`,
      at: r.at,
      kind: r.reason === 'join' ? 'member.joined' : `member.tier_${r.reason}`,
      title: r.to_name ?? '',
      data: { fromTierId: r.from_tier_id, toTierId: r.to_tier_id, reason: r.reason, growth: Number(r.growth) },
    }));
  },
};
