// The JSON-schema formats every validator of the server uses: ajv-formats' full set, with `date-time` checked in one
// pass over the text. Ingestion checks a timestamp on every event it takes; ajv-formats splits each one with a
// regular expression and runs two more with capture groups, which cost more than the rest of an event's schema.
// The rules are ajv-formats' own (RFC 3339 with the time zone required, leap days and leap seconds), and a test
// holds the two to the same answers.
import type { Ajv } from 'ajv';
import addFormats from 'ajv-formats';

const DAYS = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeapYear = (year: number) => year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);

/** The value of the two digits at `at`, or -1 when either is not a digit. */
function twoDigits(text: string, at: number): number {
  const a = text.charCodeAt(at) - 48;
  const b = text.charCodeAt(at + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/** Whitespace as the `\s` of a regular expression sees it. */
const isSpace = (code: number) =>
  code === 32 ||
  (code >= 9 && code <= 13) ||
  code === 0xa0 ||
  code === 0x1680 ||
  (code >= 0x2000 && code <= 0x200a) ||
  code === 0x2028 ||
  code === 0x2029 ||
  code === 0x202f ||
  code === 0x205f ||
  code === 0x3000 ||
  code === 0xfeff;

/** `YYYY-MM-DD`, then one `T`, `t` or whitespace, then `hh:mm:ss[.fraction]` and a zone (`Z` or `±hh[[:]mm]`). */
export function isDateTime(text: string): boolean {
  if (text.length < 20 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return false;
  const century = twoDigits(text, 0);
  const yy = twoDigits(text, 2);
  const month = twoDigits(text, 5);
  const day = twoDigits(text, 8);
  if (century < 0 || yy < 0 || month < 1 || month > 12 || day < 1) return false;
  if (day > (month === 2 && isLeapYear(century * 100 + yy) ? 29 : (DAYS[month] as number))) return false;
  const separator = text.charCodeAt(10);
  if (separator !== 84 && separator !== 116 && !isSpace(separator)) return false;
  const hour = twoDigits(text, 11);
  const minute = twoDigits(text, 14);
  const second = twoDigits(text, 17);
  if (hour < 0 || minute < 0 || second < 0 || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return false;
  let at = 19;
  if (text.charCodeAt(at) === 46) {
    const digits = ++at;
    while (at < text.length && text.charCodeAt(at) >= 48 && text.charCodeAt(at) <= 57) at++;
    if (at === digits) return false;
  }
  const zone = text.charCodeAt(at);
  let zoneHour = 0;
  let zoneMinute = 0;
  let zoneSign = 1;
  if (zone === 90 || zone === 122) {
    if (at + 1 !== text.length) return false;
  } else if (zone === 43 || zone === 45) {
    zoneSign = zone === 45 ? -1 : 1;
    zoneHour = twoDigits(text, at + 1);
    if (zoneHour < 0) return false;
    const rest = text.length - (at + 3);
    if (rest === 3 && text.charCodeAt(at + 3) === 58) zoneMinute = twoDigits(text, at + 4);
    else if (rest === 2) zoneMinute = twoDigits(text, at + 3);
    else if (rest !== 0) return false;
    if (zoneMinute < 0 || zoneHour > 23 || zoneMinute > 59) return false;
  } else return false;
  if (hour <= 23 && minute <= 59 && second <= 59) return true;
  // Otherwise only a leap second, 23:59:60 UTC (a fraction of a second never decides either test).
  const utcMinute = minute - zoneMinute * zoneSign;
  const utcHour = hour - zoneHour * zoneSign - (utcMinute < 0 ? 1 : 0);
  return (utcHour === 23 || utcHour === -1) && (utcMinute === 59 || utcMinute === -1) && second <= 60;
}

/** ajv-formats' formats on `ajv`, `date-time` through `isDateTime`. */
export function addServerFormats(ajv: Ajv): Ajv {
  addFormats.default(ajv);
  return ajv.addFormat('date-time', { type: 'string', validate: isDateTime });
}
