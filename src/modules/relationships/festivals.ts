// The festival calendar SOP plans can be triggered by: shipped festivals (fixed dates, and lunar ones with their
// Gregorian date for each year) that a workspace may rename or re-date, plus the workspace's own.
import type { Festival, FestivalsBody } from '../../contracts/relationships.ts';
import type { Queryable } from '../../platform/db/index.ts';
import { AppError } from '../../platform/errors.ts';
import { type Locale, translate } from '../../platform/i18n/index.ts';

interface ShippedFestival {
  key: string;
  monthDay: string | null;
  dates: Record<string, string>;
}

// Lunar festivals move every year. Their dates for 2025–2035 were computed from the Chinese calendar (and checked
// against the published holiday dates); later years can be added by a workspace in the console.
const LUNAR: Record<string, Record<string, string>> = {
  spring: {
    '2025': '01-29',
    '2026': '02-17',
    '2027': '02-06',
    '2028': '01-26',
    '2029': '02-13',
    '2030': '02-03',
    '2031': '01-23',
    '2032': '02-11',
    '2033': '01-31',
    '2034': '02-19',
    '2035': '02-08',
  },
  lantern: {
    '2025': '02-12',
    '2026': '03-03',
    '2027': '02-20',
    '2028': '02-09',
    '2029': '02-27',
    '2030': '02-17',
    '2031': '02-06',
    '2032': '02-25',
    '2033': '02-14',
    '2034': '03-05',
    '2035': '02-22',
  },
  dragon_boat: {
    '2025': '05-31',
    '2026': '06-19',
    '2027': '06-09',
    '2028': '05-28',
    '2029': '06-16',
    '2030': '06-05',
    '2031': '06-24',
    '2032': '06-12',
    '2033': '06-01',
    '2034': '06-20',
    '2035': '06-10',
  },
  qixi: {
    '2025': '08-29',
    '2026': '08-19',
    '2027': '08-08',
    '2028': '08-26',
    '2029': '08-16',
    '2030': '08-05',
    '2031': '08-24',
    '2032': '08-12',
    '2033': '08-01',
    '2034': '08-20',
    '2035': '08-10',
  },
  mid_autumn: {
    '2025': '10-06',
    '2026': '09-25',
    '2027': '09-15',
    '2028': '10-03',
    '2029': '09-22',
    '2030': '09-12',
    '2031': '10-01',
    '2032': '09-19',
    '2033': '09-08',
    '2034': '09-27',
    '2035': '09-16',
  },
};

/** The shipped festivals in calendar order; their names are the locale's `festival.<key>`. */
export const SHIPPED_FESTIVALS: readonly ShippedFestival[] = [
  { key: 'new_year', monthDay: '01-01', dates: {} },
  { key: 'spring', monthDay: null, dates: LUNAR.spring as Record<string, string> },
  { key: 'valentine', monthDay: '02-14', dates: {} },
  { key: 'lantern', monthDay: null, dates: LUNAR.lantern as Record<string, string> },
  { key: 'womens_day', monthDay: '03-08', dates: {} },
  { key: 'd520', monthDay: '05-20', dates: {} },
  { key: 'dragon_boat', monthDay: null, dates: LUNAR.dragon_boat as Record<string, string> },
  { key: 'd618', monthDay: '06-18', dates: {} },
  { key: 'qixi', monthDay: null, dates: LUNAR.qixi as Record<string, string> },
  { key: 'mid_autumn', monthDay: null, dates: LUNAR.mid_autumn as Record<string, string> },
  { key: 'national_day', monthDay: '10-01', dates: {} },
  { key: 'double11', monthDay: '11-11', dates: {} },
  { key: 'double12', monthDay: '12-12', dates: {} },
  { key: 'christmas', monthDay: '12-25', dates: {} },
];

type Stored = FestivalsBody['festivals'][number];

async function storedFestivals(q: Queryable, workspaceId: string): Promise<Stored[]> {
  const rows = await q.query<{ festivals: Stored[] }>(
    'SELECT festivals FROM relationship_settings WHERE workspace_id = $1',
    [workspaceId],
  );
  return rows[0]?.festivals ?? [];
}

/**
 * The workspace's calendar: the shipped festivals with the workspace's changes (a name, a fixed day, or dates per
 * year that add to and override the shipped ones), then its own festivals.
 */
export async function festivalCalendar(q: Queryable, workspaceId: string, locale: Locale): Promise<Festival[]> {
  const stored = new Map((await storedFestivals(q, workspaceId)).map((f) => [f.key, f]));
  const out: Festival[] = SHIPPED_FESTIVALS.map((s) => {
    const own = stored.get(s.key);
    return {
      key: s.key,
      name: own?.name ?? translate(locale, `festival.${s.key}`),
      monthDay: own ? own.monthDay : s.monthDay,
      dates: { ...s.dates, ...(own?.dates ?? {}) },
      shipped: true,
    };
  });
  const shipped = new Set(SHIPPED_FESTIVALS.map((s) => s.key));
  for (const f of stored.values()) if (!shipped.has(f.key)) out.push({ ...f, shipped: false });
  return out;
}

function existsIn(year: number, monthDay: string): boolean {
  const month = Number(monthDay.slice(0, 2));
  const day = Number(monthDay.slice(3));
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** Replaces the workspace's changes and own festivals; each needs a fixed day or at least one dated year. */
export async function saveFestivals(q: Queryable, workspaceId: string, body: FestivalsBody, locale: Locale) {
  const keys = new Set<string>();
  for (const f of body.festivals) {
    if (keys.has(f.key)) throw new AppError(400, 'festival.duplicate_key', { key: f.key });
    keys.add(f.key);
    if (f.monthDay === null && Object.keys(f.dates).length === 0) {
      throw new AppError(400, 'festival.no_date', { key: f.key });
    }
    // A fixed day must exist every year (so not 02-29); a dated year's day must exist in that year.
    if (f.monthDay && !existsIn(2023, f.monthDay)) {
      throw new AppError(400, 'festival.invalid_date', { key: f.key, date: f.monthDay });
    }
    for (const [year, md] of Object.entries(f.dates)) {
      if (!existsIn(Number(year), md))
        throw new AppError(400, 'festival.invalid_date', { key: f.key, date: `${year}-${md}` });
    }
  }
  await q.query(
    `INSERT INTO relationship_settings (workspace_id, festivals, updated_at) VALUES ($1, $2::jsonb, now())
     ON CONFLICT (workspace_id) DO UPDATE SET festivals = EXCLUDED.festivals, updated_at = now()`,
    [workspaceId, JSON.stringify(body.festivals)],
  );
  return festivalCalendar(q, workspaceId, locale);
}

/** The festival's date in `year` as 'YYYY-MM-DD', or null when the calendar has none for that year. */
export function festivalDate(festival: Festival, year: number): string | null {
  const md = festival.dates[String(year)] ?? festival.monthDay;
  return md ? `${year}-${md}` : null;
}
