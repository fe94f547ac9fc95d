// The cursor of the coupon lists: the newest-first sort key (a time and an id) of the last row a page returned.
import { badRequest } from '../../platform/errors.ts';
import { decodeCursor } from '../../platform/http/pagination.ts';

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The (time, id) a cursor holds, or null for the first page; anything else a client sends is a 400. */
export function timeCursor(cursor: string | undefined): [string, string] | null {
  const key = decodeCursor(cursor);
  if (!key) return null;
  if (key.length !== 2 || Number.isNaN(Date.parse(String(key[0]))) || !UUID_RE.test(String(key[1]))) {
    throw badRequest('request.invalid_cursor');
  }
  return [String(key[0]), String(key[1])];
}
