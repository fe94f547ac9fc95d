// Calendar days in the workspace's time zone: behaviour windows ("last 30 days", "between dates") are whole local
// days, so the SQL evaluator and the audience index's per-day aggregates agree on where a window starts.

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
  const wall = Date.UTC(+p.year!, +p.month! - 1, +p.day!, +p.hour!, +p.minute!, +p.second!);
  return wall - Math.floor(instant / 1000) * 1000;
}

/** Days since 1970-01-01 of the local calendar date of `instant`. */
export function dayOf(instant: Date | number, timeZone: string): number {
  const t = typeof instant === 'number' ? instant : instant.getTime();
  return Math.floor((t + offsetMs(t, timeZone)) / DAY_MS);
}

/** The instant local day `day` begins. */
export function startOfDay(day: number, timeZone: string): Date {
  const wallMidnight = day * DAY_MS;
  let t = wallMidnight - offsetMs(wallMidnight, timeZone);
  t = wallMidnight - offsetMs(t, timeZone);
  return new Date(t);
}

/** 'YYYY-MM-DD' → day number. */
export function dayOfDate(date: string): number {
  return Math.floor(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
}

export type Window = { lastDays: number } | { from: string; to: string };

/** The instants [since, until) a window covers at local day `today`; `until` null means open-ended. */
export function windowRange(window: Window, today: number, timeZone: string): { since: Date; until: Date | null } {
  if ('lastDays' in window) return { since: startOfDay(today - window.lastDays + 1, timeZone), until: null };
  return { since: startOfDay(dayOfDate(window.from), timeZone), until: startOfDay(dayOfDate(window.to) + 1, timeZone) };
}
