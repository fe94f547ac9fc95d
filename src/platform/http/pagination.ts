// Cursor pagination: a cursor is the opaque, URL-safe encoding of the sort key of the last item returned.
import { badRequest } from '../errors.ts';

export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): (string | number)[] | null {
  if (!cursor) return null;
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(key) && key.every((v) => typeof v === 'string' || typeof v === 'number')) return key;
  } catch {
    // falls through to the error below
  }
  throw badRequest('request.invalid_cursor');
}

/** Fetch `limit + 1` rows; this trims the extra one and builds the next cursor from the last row kept. */
export function pageOf<R, T>(
  rows: R[],
  limit: number,
  toItem: (row: R) => T,
  keyOf: (row: R) => (string | number)[],
): { items: T[]; nextCursor: string | null } {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  const last = kept[kept.length - 1];
  return { items: kept.map(toItem), nextCursor: more && last ? encodeCursor(keyOf(last)) : null };
}
