// Which guides a channel live code's WeCom contact way shows right now: the pool's guides who are active, inside the
// code's working hours and below its daily cap, one at a time (round-robin, weighted) or all at once; the backup
// guide when nobody in the pool is available; every active guide of the pool when there is no backup either, so a
// printed QR code never stops working. Pure: the caller supplies the clock, the counts and the rotation state.
import type { ExposureReason, RotationMode, WorkingHours } from '../../contracts/acquisition.ts';

export interface PoolMember {
  staffId: string;
  wecomUserId: string;
  weight: number;
  /** Linked to a WeCom member and not resigned. */
  active: boolean;
  /** Adds through this code to this guide on the day of `at` (workspace time zone). */
  addsToday: number;
}

export interface RotationInput {
  mode: RotationMode;
  /** In rotation order. */
  pool: readonly PoolMember[];
  dailyCap: number | null;
  workingHours: WorkingHours | null;
  timezone: string;
  at: Date;
  backup: { staffId: string; wecomUserId: string; active: boolean } | null;
  /** The guide shown now (round_robin, weighted). */
  current: string | null;
  /** Smooth weighted round-robin: each guide's current weight. */
  swrr: Readonly<Record<string, number>>;
  /** An add just came through the code: move on to the next guide (round_robin, weighted). */
  advance: boolean;
}

export interface Rotation {
  /** The WeCom user ids the contact way should list, in order. */
  userIds: string[];
  exposure: ExposureReason;
  current: string | null;
  swrr: Record<string, number>;
  /** Staff ids of the pool's guides available now (active, in hours, below the cap). */
  available: string[];
}

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

/** The ISO weekday (1 Monday … 7 Sunday) and minutes since midnight of an instant in a time zone. */
export function localClock(at: Date, timezone: string): { weekday: number; minutes: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: timezone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return {
    weekday: WEEKDAYS[part('weekday')] ?? 1,
    minutes: Number(part('hour')) * 60 + Number(part('minute')),
  };
}

/** `HH:MM` (or `24:00`) as minutes since midnight. */
export const minutesOf = (time: string): number => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));

/** Whether an instant falls in the working hours: one of the days, from `from` (inclusive) to `to` (exclusive). */
export function withinHours(hours: WorkingHours | null, timezone: string, at: Date): boolean {
  if (!hours) return true;
  const { weekday, minutes } = localClock(at, timezone);
  return hours.days.includes(weekday) && minutes >= minutesOf(hours.from) && minutes < minutesOf(hours.to);
}

export function rotate(input: RotationInput): Rotation {
  const { pool, dailyCap } = input;
  const inHours = withinHours(input.workingHours, input.timezone, input.at);
  const available = inHours
    ? pool.filter((g) => g.active && (dailyCap === null || g.addsToday < dailyCap))
    : ([] as PoolMember[]);
  const swrr = { ...input.swrr };
  const base = { swrr, available: available.map((g) => g.staffId) };

  if (available.length === 0) {
    if (input.backup?.active) {
      return { ...base, userIds: [input.backup.wecomUserId], exposure: 'backup', current: input.current };
    }
    return {
      ...base,
      userIds: pool.filter((g) => g.active).map((g) => g.wecomUserId),
      exposure: 'fallback',
      current: input.current,
    };
  }
  if (input.mode === 'all') {
    return { ...base, userIds: available.map((g) => g.wecomUserId), exposure: 'pool', current: null };
  }

  const keep = !input.advance && available.find((g) => g.staffId === input.current);
  let next: PoolMember;
  if (keep) {
    next = keep;
  } else if (input.mode === 'round_robin') {
    // The first available guide after the current one in pool order, wrapping around (the current one last).
    const from = pool.findIndex((g) => g.staffId === input.current);
    const ids = new Set(base.available);
    next = available[0] as PoolMember;
    for (let step = 1; step <= pool.length; step++) {
      const candidate = pool[(from + step + pool.length) % pool.length] as PoolMember;
      if (ids.has(candidate.staffId)) {
        next = candidate;
        break;
      }
    }
  } else {
    // Smooth weighted round-robin (as nginx balances upstreams): every available guide gains its weight, the one
    // with most is picked and pays back the total, so picks follow the weights evenly spread out, not in runs.
    const total = available.reduce((sum, g) => sum + g.weight, 0);
    next = available[0] as PoolMember;
    for (const g of available) {
      swrr[g.staffId] = (swrr[g.staffId] ?? 0) + g.weight;
      if ((swrr[g.staffId] as number) > (swrr[next.staffId] as number)) next = g;
    }
    swrr[next.staffId] = (swrr[next.staffId] as number) - total;
  }
  return { ...base, userIds: [next.wecomUserId], exposure: 'pool', current: next.staffId };
}
