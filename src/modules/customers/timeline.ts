// The customer timeline: newest first across every source (events, orders, tag changes, later messages and
// feedback), merged from the sources' own queries with one cursor.
import type { Tx } from '../../platform/db/index.ts';
import { decodeCursor, encodeCursor } from '../../platform/http/pagination.ts';
import type { TimelineItem, TimelineSource } from './participants.ts';

export async function timeline(
  tx: Tx,
  sources: readonly TimelineSource[],
  workspaceId: string,
  customerId: string,
  cursor: string | undefined,
  limit: number,
): Promise<{ items: (Omit<TimelineItem, 'at'> & { at: string })[]; nextCursor: string | null }> {
  const key = decodeCursor(cursor);
  const before = key ? { at: new Date(String(key[0])), id: String(key[1]) } : null;
  // Each source gives its newest `limit + 1` before the cursor; the merged top `limit` is then exact.
  const batches = await Promise.all(sources.map((s) => s.items(tx, workspaceId, customerId, before, limit + 1)));
  const all = batches
    .flat()
    .sort((a, b) => b.at.getTime() - a.at.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  const page = all.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map((i) => ({ ...i, at: i.at.toISOString() })),
    nextCursor: all.length > limit && last ? encodeCursor([last.at.toISOString(), last.id]) : null,
  };
}
