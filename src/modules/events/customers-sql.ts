// The two set-based customer operations the ingestion path needs per batch: who owns these identities, and widen
// these customers' first/last seen. They read and write the customers module's tables and belong in its door
// (resolution.ts) once it offers batch forms; until then they live here, with the same SQL it uses.
import type { Tx } from '../../platform/db/index.ts';
import type { Identity } from '../customers/index.ts';

export async function findIdentities(
  tx: Tx,
  workspaceId: string,
  identities: readonly Identity[],
): Promise<(Identity & { customerId: string; firstSeenAt: Date | null })[]> {
  if (identities.length === 0) return [];
  const rows = await tx.query<{
    kind: string;
    app_id: string;
    value: string;
    customer_id: string;
    first_seen_at: Date | null;
  }>(
    // Driven from the batch's identities: one primary-key probe each, whatever the planner thinks of the tables'
    // sizes (with young statistics an IN (…) form was planned as every customer × every identity).
    `SELECT i.kind, i.app_id, i.value, i.customer_id, c.first_seen_at
       FROM unnest($2::text[], $3::text[], $4::text[]) AS u(kind, app_id, value)
       JOIN customer_identities i
         ON i.workspace_id = $1 AND i.kind = u.kind AND i.app_id = u.app_id AND i.value = u.value
       JOIN customers c ON c.workspace_id = i.workspace_id AND c.id = i.customer_id`,
    [workspaceId, identities.map((i) => i.kind), identities.map((i) => i.appId), identities.map((i) => i.value)],
  );
  return rows.map((r) => ({
    kind: r.kind as Identity['kind'],
    appId: r.app_id,
    value: r.value,
    customerId: r.customer_id,
    firstSeenAt: r.first_seen_at,
  }));
}

/**
 * Widens first/last seen of each customer to the times given, locking the rows in id order so that two batches
 * touching the same customers cannot deadlock. Returns, for customers found merged away, where they went
 * (followed to the surviving profile), so the caller can attach its rows there instead.
 */
export async function touchSeen(
  tx: Tx,
  workspaceId: string,
  seen: readonly { customerId: string; at: Date }[],
): Promise<Map<string, string>> {
  const redirect = new Map<string, string>();
  let pending = seen;
  for (let hops = 0; pending.length > 0 && hops < 20; hops++) {
    const span = new Map<string, { first: Date; last: Date }>();
    for (const s of pending) {
      const id = redirect.get(s.customerId) ?? s.customerId;
      const cur = span.get(id);
      if (!cur) span.set(id, { first: s.at, last: s.at });
      else {
        if (s.at < cur.first) cur.first = s.at;
        if (s.at > cur.last) cur.last = s.at;
      }
    }
    const ids = [...span.keys()];
    const moved = await tx.query<{ id: string; merged_into: string }>(
      `WITH seen AS (
         SELECT * FROM unnest($2::uuid[], $3::timestamptz[], $4::timestamptz[]) AS s(id, first_at, last_at)
       ), locked AS (
         SELECT c.id, c.merged_into FROM customers c
          WHERE c.workspace_id = $1 AND c.id IN (SELECT id FROM seen) ORDER BY c.id FOR NO KEY UPDATE
       ), touched AS (
         UPDATE customers c
            SET first_seen_at = LEAST(coalesce(c.first_seen_at, s.first_at), s.first_at),
                last_seen_at = GREATEST(coalesce(c.last_seen_at, s.last_at), s.last_at)
           FROM seen s
          WHERE c.workspace_id = $1 AND c.id = s.id AND c.merged_into IS NULL
            AND c.id IN (SELECT id FROM locked)
            AND (c.first_seen_at IS NULL OR c.last_seen_at IS NULL OR s.first_at < c.first_seen_at
                 OR s.last_at > c.last_seen_at)
         RETURNING c.id
       )
       SELECT id, merged_into FROM locked WHERE merged_into IS NOT NULL`,
      [workspaceId, ids, ids.map((id) => span.get(id)?.first), ids.map((id) => span.get(id)?.last)],
    );
    if (moved.length === 0) break;
    const next = new Map(moved.map((m) => [m.id, m.merged_into]));
    pending = pending.filter((s) => next.has(redirect.get(s.customerId) ?? s.customerId));
    for (const [from, to] of redirect) redirect.set(from, next.get(to) ?? to);
    for (const [from, to] of next) if (!redirect.has(from)) redirect.set(from, to);
  }
  return redirect;
}

/** Locks customer rows in id order, the one order every batch uses, so batches sharing customers queue, not deadlock. */
export async function lockCustomers(tx: Tx, workspaceId: string, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await tx.query('SELECT 1 FROM customers WHERE workspace_id = $1 AND id = ANY($2::uuid[]) ORDER BY id FOR UPDATE', [
    workspaceId,
    ids,
  ]);
}
