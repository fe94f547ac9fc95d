// Check-in in groups: a customer writes one of the workspace's check-in words (签到, 打卡 …) in a group and is
// checked in once per group and day (the workspace's day), with a streak of consecutive days in that group. Points
// come from loyalty's daily check-in, which itself pays once per member and day however many groups they check in
// from; a customer who is not a member checks in without points.
import type {
  CheckInListQuery,
  CheckInPoints,
  CheckInRecord,
  CommunitySettings,
  CommunitySettingsBody,
  MemberCheckedIn,
} from '../../contracts/community.ts';
import type { Tx } from '../../platform/db/index.ts';
import { AppError } from '../../platform/errors.ts';
import { decodeCursor, pageOf } from '../../platform/http/pagination.ts';
import { emit } from '../../platform/jobs/index.ts';
import { checkIn } from '../loyalty/index.ts';
import type { Posted } from './messages.ts';
import { dayIn } from './shared.ts';
import { matchForm } from './text.ts';

const DEFAULT_KEYWORDS = ['签到', '打卡'];

/** Loyalty's answers that mean "no points for this customer", which a check-in survives. */
const NOT_A_MEMBER = new Set(['points.not_a_member', 'points.member_inactive']);

export async function loadSettings(tx: Tx, workspaceId: string): Promise<CommunitySettings> {
  const rows = await tx.query<{ check_in_enabled: boolean; check_in_keywords: string[] }>(
    'SELECT check_in_enabled, check_in_keywords FROM community_settings WHERE workspace_id = $1',
    [workspaceId],
  );
  const row = rows[0];
  return { checkIn: { enabled: row?.check_in_enabled ?? true, keywords: row?.check_in_keywords ?? DEFAULT_KEYWORDS } };
}

export async function saveSettings(
  tx: Tx,
  workspaceId: string,
  body: CommunitySettingsBody,
  now: Date,
): Promise<CommunitySettings> {
  await tx.query(
    `INSERT INTO community_settings (workspace_id, check_in_enabled, check_in_keywords, updated_at)
     VALUES ($1, $2, $3, $4)
     ON CONFLICT (workspace_id) DO UPDATE
       SET check_in_enabled = EXCLUDED.check_in_enabled, check_in_keywords = EXCLUDED.check_in_keywords,
           updated_at = EXCLUDED.updated_at`,
    [workspaceId, body.checkIn.enabled, body.checkIn.keywords, now],
  );
  return loadSettings(tx, workspaceId);
}

/** Whether a message is a check-in word: spaces, punctuation and emoji around it aside (「签到！」, "签 到 🌞"). */
export function isCheckIn(text: string, keywords: readonly string[]): boolean {
  const said = matchForm(text).join('');
  return said !== '' && keywords.some((k) => matchForm(k).join('') === said);
}

/** Loyalty's points for the day's check-in, inside a savepoint so its refusal leaves the transaction usable. */
async function loyaltyPoints(
  tx: Tx,
  workspaceId: string,
  customerId: string | null,
  at: Date,
): Promise<{ points: number; status: CheckInPoints }> {
  if (!customerId) return { points: 0, status: 'no_customer' };
  await tx.query('SAVEPOINT community_check_in');
  try {
    const result = await checkIn(tx, workspaceId, customerId, at);
    await tx.query('RELEASE SAVEPOINT community_check_in');
    if (!result.created) return { points: 0, status: 'already_today' };
    return result.points > 0 ? { points: result.points, status: 'awarded' } : { points: 0, status: 'capped' };
  } catch (err) {
    if (!(err instanceof AppError) || !NOT_A_MEMBER.has(err.code)) throw err;
    await tx.query('ROLLBACK TO SAVEPOINT community_check_in');
    return { points: 0, status: 'not_member' };
  }
}

/** Checks the sender in when the message is a check-in word; answers whether it was one. */
export async function checkInFromMessage(
  tx: Tx,
  workspaceId: string,
  context: { settings: CommunitySettings; timezone: string },
  message: Posted,
): Promise<boolean> {
  const rule = context.settings.checkIn;
  if (!rule.enabled || message.type !== 'text' || !isCheckIn(message.content, rule.keywords)) return false;
  const groupId = message.groupId as string;
  const day = dayIn(message.sentAt, context.timezone);
  const inserted = await tx.query<{ streak: number }>(
    `INSERT INTO community_check_ins (workspace_id, group_id, member_id, day, customer_id, streak, points_status,
                                      message_id, at)
     SELECT $1, $2, $3, $4::date, $5,
            coalesce((SELECT streak FROM community_check_ins
                       WHERE workspace_id = $1 AND group_id = $2 AND member_id = $3 AND day = $4::date - 1), 0) + 1,
            'no_customer', $6, $7
     ON CONFLICT (workspace_id, group_id, member_id, day) DO NOTHING RETURNING streak`,
    [workspaceId, groupId, message.senderId, day, message.customerId, message.id, message.sentAt],
  );
  const created = inserted[0];
  if (!created) return true;
  const { points, status } = await loyaltyPoints(tx, workspaceId, message.customerId, message.sentAt);
  await tx.query(
    `UPDATE community_check_ins SET points = $5, points_status = $6
      WHERE workspace_id = $1 AND group_id = $2 AND member_id = $3 AND day = $4::date`,
    [workspaceId, groupId, message.senderId, day, points, status],
  );
  const announced: MemberCheckedIn = {
    groupId,
    memberId: message.senderId,
    customerId: message.customerId,
    day,
    streak: created.streak,
  };
  await emit(tx, 'community.checked_in', announced);
  return true;
}

export async function listCheckIns(tx: Tx, workspaceId: string, query: CheckInListQuery) {
  const limit = query.limit ?? 50;
  const cursor = decodeCursor(query.cursor);
  const rows = await tx.query<{
    group_id: string;
    group_name: string;
    member_id: string;
    name: string | null;
    customer_id: string | null;
    day: string;
    streak: number;
    points: number;
    points_status: CheckInPoints;
    at: Date;
  }>(
    `SELECT c.group_id, g.name AS group_name, c.member_id, m.name, c.customer_id, to_char(c.day, 'YYYY-MM-DD') AS day,
            c.streak, c.points, c.points_status, c.at
       FROM community_check_ins c
       JOIN community_groups g ON g.workspace_id = c.workspace_id AND g.id = c.group_id
       LEFT JOIN community_members m
         ON m.workspace_id = c.workspace_id AND m.group_id = c.group_id AND m.member_id = c.member_id
      WHERE c.workspace_id = $1 AND ($2::uuid IS NULL OR c.group_id = $2) AND ($3::date IS NULL OR c.day = $3)
        AND ($4::text IS NULL OR c.member_id = $4)
        AND ($5::timestamptz IS NULL OR (c.at, c.group_id, c.member_id) < ($5, $6::uuid, $7::text))
      ORDER BY c.at DESC, c.group_id DESC, c.member_id DESC LIMIT $8`,
    [
      workspaceId,
      query.groupId ?? null,
      query.day ?? null,
      query.memberId ?? null,
      cursor ? String(cursor[0]) : null,
      cursor ? String(cursor[1]) : null,
      cursor ? String(cursor[2]) : null,
      limit + 1,
    ],
  );
  return pageOf(
    rows,
    limit,
    (r): CheckInRecord => ({
      groupId: r.group_id,
      groupName: r.group_name,
      memberId: r.member_id,
      name: r.name || r.member_id,
      customerId: r.customer_id,
      day: r.day,
      streak: r.streak,
      points: Number(r.points),
      pointsStatus: r.points_status,
      at: r.at.toISOString(),
    }),
    (r) => [r.at.toISOString(), r.group_id, r.member_id],
  );
}
