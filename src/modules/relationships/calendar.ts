// Local calendar days in the workspace's time zone: SOP steps fall due at a wall-clock time ("day 1 at 10:00"),
// "today's tasks" are today's in the brand's zone, and birthdays and festivals are local dates.
import type { Queryable } from '../../platform/db/index.ts';

const DAY_MS = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Milliseconds the zone's wall clock is ahead of UTC at `instant`. */
function offsetMs(instant: number, timeZone: string): number {
  const p = Object.fromEntries(
    formatter(timeZone)
      .formatToParts(new Date(instant))
      .map((x) => [x.type, x.value]),
  );
  const wall = Date.UTC(
    Number(p.year),
    Number(p.month) - 1,
    Number(p.day),
    Number(p.hour),
    Number(p.minute),
    Number(p.second),
  );
  return wall - Math.floor(instant / 1000) * 1000;
}

/** Days since 1970-01-01 of the local date of `instant`. */
export function dayOf(instant: Date, timeZone: string): number {
  const t = instant.getTime();
  return Math.floor((t + offsetMs(t, timeZone)) / DAY_MS);
}

/** The instant of local day `day` at `minutes` past midnight (a wall-clock time that a DST gap skips moves on). */
export function instantOf(day: number, minutes: number, timeZone: string): Date {
  const wall = day * DAY_MS + minutes * 60_000;
  let t = wall - offsetMs(wall, timeZone);
  t = wall - offsetMs(t, timeZone);
  return new Date(t);
}

/** 'YYYY-MM-DD' of a day number. */
export const dateOfDay = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** Day number of 'YYYY-MM-DD'. */
export const dayOfDate = (date: string): number => Math.floor(Date.parse(`${date}T00:00:00Z`) / DAY_MS);

/** 'HH:MM' → minutes past midnight. */
export const minutesOf = (time: string): number => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));

export const isLeapYear = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

export async function workspaceTimezone(q: Queryable, workspaceId: string): Promise<string> {
  const rows = await q.query<{ timezone: string }>('SELECT timezone FROM workspaces WHERE id = $1', [workspaceId]);
  return rows[0]?.timezone ?? 'Asia/Shanghai';
}

export async function workspaceLocale(q: Queryable, workspaceId: string): Promise<'zh-CN' | 'en'> {
  const rows = await q.query<{ locale: string }>('SELECT locale FROM workspaces WHERE id = $1', [workspaceId]);
  return rows[0]?.locale === 'en' ? 'en' : 'zh-CN';
}
