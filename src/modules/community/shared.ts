// What the community module's files share: its dependencies, the workspace's time zone and language, system audit
// entries for what the module does on its own (moderation, removals), and small conversions.
import { recordAudit } from '../../platform/audit/index.ts';
import type { Tx } from '../../platform/db/index.ts';
import { badRequest } from '../../platform/errors.ts';
import type { Locale } from '../../platform/i18n/index.ts';
import type { CustomerParticipants } from '../customers/participants.ts';

export interface CommunityDeps {
  participants: CustomerParticipants;
  now: () => Date;
}

export const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);

/** The workspace's time zone (days, check-ins, time windows) and language (messages Siyu writes into groups). */
export async function workspaceSettings(tx: Tx, workspaceId: string): Promise<{ timezone: string; locale: Locale }> {
  const rows = await tx.query<{ timezone: string; locale: string }>(
    'SELECT timezone, locale FROM workspaces WHERE id = $1',
    [workspaceId],
  );
  const row = rows[0];
  return { timezone: row?.timezone ?? 'Asia/Shanghai', locale: row?.locale === 'en' ? 'en' : 'zh-CN' };
}

/** An audit entry for something the module did by itself, in the same transaction as the change. */
export async function systemAudit(
  tx: Tx,
  workspaceId: string,
  entry: { action: string; targetType: string; targetId: string; details: Record<string, unknown>; at: Date },
): Promise<void> {
  await recordAudit(tx, {
    workspaceId,
    actorType: 'system',
    actorId: null,
    actorName: 'community',
    action: entry.action,
    targetType: entry.targetType,
    targetId: entry.targetId,
    ip: null,
    requestId: null,
    details: entry.details,
    at: entry.at,
  });
}

/** A day `YYYY-MM-DD` a number of days from another. */
export function addDays(day: string, days: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** The calendar day of an instant in a time zone, `YYYY-MM-DD`. */
export function dayIn(at: Date, timezone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' })
    .format(at)
    .slice(0, 10);
}

/** Minutes since midnight of an instant in a time zone. */
export function minuteOfDay(at: Date, timezone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: timezone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const value = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return value('hour') * 60 + value('minute');
}

/** `HH:MM` as minutes since midnight. */
export const minutesOf = (time: string): number => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));

/** Rules and plans name the groups they apply to; every one of them must be a group of the workspace. */
export async function checkGroupScope(tx: Tx, workspaceId: string, groupIds: string[] | null | undefined) {
  if (!groupIds) return;
  const found = await tx.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM community_groups WHERE workspace_id = $1 AND id = ANY($2::uuid[])',
    [workspaceId, groupIds],
  );
  if (found[0]?.n !== groupIds.length) throw badRequest('community.unknown_groups', { count: groupIds.length });
}
