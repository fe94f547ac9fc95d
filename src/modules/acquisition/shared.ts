// What the acquisition module's files share: the workspace's time zone and language, random states and slugs,
// day arithmetic in a time zone, and the guide scope of read routes.
import { randomBytes } from 'node:crypto';
import type { Tx } from '../../platform/db/index.ts';
import type { RequestContext } from '../../platform/http/routes.ts';
import type { Locale } from '../../platform/i18n/index.ts';

export async function workspaceInfo(tx: Tx, workspaceId: string): Promise<{ timezone: string; locale: Locale }> {
  const rows = await tx.query<{ timezone: string; locale: string }>(
    'SELECT timezone, locale FROM workspaces WHERE id = $1',
    [workspaceId],
  );
  const row = rows[0];
  return { timezone: row?.timezone ?? 'Asia/Shanghai', locale: row?.locale === 'en' ? 'en' : 'zh-CN' };
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Random letters and digits (rejection sampling keeps every character equally likely). */
export function randomToken(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += ALPHABET[byte % 62];
    }
  }
  return out;
}

/**
 * A contact way's state: `ac` (a code's own way) or `al` (a link's way) and 14 random characters, 16 in all, well
 * inside WeCom's 30 and unguessable, so an add can only carry it by coming through that QR code.
 */
export const newState = (kind: 'code' | 'link'): string => `${kind === 'code' ? 'ac' : 'al'}${randomToken(14)}`;

/** The calendar day of an instant in a time zone, `YYYY-MM-DD`. */
export function dayIn(at: Date, timezone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' })
    .format(at)
    .slice(0, 10);
}

/** A day `YYYY-MM-DD` a number of days from another. */
export function addDays(day: string, days: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** The staff id a guide's reads are confined to, or null for callers who see the whole workspace. */
export const ownStaffId = (ctx: RequestContext): string | null => (ctx.scope.kind === 'own' ? ctx.scope.staffId : null);
