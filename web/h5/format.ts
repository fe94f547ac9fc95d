// Display helpers of the member H5: yuan from fen, points, dates in the phone's own calendar and language.
import { currentLanguage } from '../src/i18n.ts';

/** ¥20, ¥9.90: whole yuan without decimals, otherwise two. */
export function yuan(fen: number): string {
  return `¥${fen % 100 === 0 ? String(fen / 100) : (fen / 100).toFixed(2)}`;
}

export function points(n: number): string {
  return n.toLocaleString(currentLanguage());
}

const formats = new Map<string, Intl.DateTimeFormat>();
function format(key: string, options: Intl.DateTimeFormatOptions, iso: string): string {
  const lang = currentLanguage();
  let f = formats.get(`${lang}:${key}`);
  if (!f) {
    f = new Intl.DateTimeFormat(lang, options);
    formats.set(`${lang}:${key}`, f);
  }
  return f.format(new Date(iso));
}

/** 2026/06/10 (zh) or 06/10/2026 (en). */
export const date = (iso: string) => format('date', { year: 'numeric', month: '2-digit', day: '2-digit' }, iso);

export const dateTime = (iso: string) =>
  format(
    'dateTime',
    { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false },
    iso,
  );

/** A calendar day (YYYY-MM-DD, already in the brand's time zone) shown without shifting it through a time zone. */
export function day(localDate: string): string {
  return format('day', { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' }, `${localDate}T00:00:00Z`);
}

/** 2026年6月 / June 2026 for a YYYY-MM month. */
export function month(yearMonth: string): string {
  return format('month', { year: 'numeric', month: 'long', timeZone: 'UTC' }, `${yearMonth}-01T00:00:00Z`);
}

/** The month before or after a YYYY-MM month. */
export function shiftMonth(yearMonth: string, by: number): string {
  const [y, m] = yearMonth.split('-').map(Number) as [number, number];
  const d = new Date(Date.UTC(y, m - 1 + by, 1));
  return d.toISOString().slice(0, 7);
}
