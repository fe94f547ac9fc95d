// How relationships take part in customer merges (a merged customer's relationships, transfers, churn records and
// tasks move to the survivor, and back on unmerge) and in the customer timeline (a guide added, and lost).
import type { Tx } from '../../platform/db/index.ts';
import type { MergeParticipant, TimelineItem, TimelineSource } from '../customers/index.ts';

const TABLES = ['customer_relationships', 'customer_transfers', 'relationship_churn', 'sop_tasks'] as const;
type Undo = Partial<Record<(typeof TABLES)[number], string[]>>;

export const relationshipsMergeParticipant: MergeParticipant = {
  name: 'relationships',
  async move(tx, workspaceId, fromId, toId): Promise<Undo> {
    const undo: Undo = {};
    for (const table of TABLES) {
      const rows = await tx.query<{ id: string }>(
        `UPDATE ${table} SET customer_id = $3 WHERE workspace_id = $1 AND customer_id = $2 RETURNING id`,
        [workspaceId, fromId, toId],
      );
      undo[table] = rows.map((r) => r.id);
    }
    return undo;
  },
  async restore(tx, workspaceId, fromId, toId, undo): Promise<void> {
    const moved = (undo ?? {}) as Undo;
    for (const table of TABLES) {
      await tx.query(
        `UPDATE ${table} SET customer_id = $2 WHERE workspace_id = $1 AND customer_id = $3 AND id = ANY($4::uuid[])`,
        [workspaceId, fromId, toId, moved[table] ?? []],
      );
    }
  },
};

/** A relationship starting and ending, as two timeline items with the guide's name. */
export const relationshipsTimelineSource: TimelineSource = {
  source: 'relationships',
  async items(tx: Tx, workspaceId, customerId, before, limit): Promise<TimelineItem[]> {
    // Ordered exactly as the timeline's cursor compares: milliseconds, then the prefixed id as a byte string.
    const rows = await tx.query<{
      id: string;
      kind: string;
      at: Date;
      wecom_userid: string;
      guide_name: string | null;
      status: string;
      state: string | null;
      origin: string;
    }>(
      `SELECT * FROM (
         SELECT 'relationships:' || r.id || ':start' AS id, 'relationship.started' AS kind,
                date_trunc('milliseconds', r.added_at) AS at, r.wecom_userid, s.name AS guide_name, r.status, r.state,
                r.origin
           FROM customer_relationships r
           LEFT JOIN guides g ON g.workspace_id = r.workspace_id AND g.wecom_userid = r.wecom_userid
           LEFT JOIN staff s ON s.workspace_id = g.workspace_id AND s.id = g.staff_id
          WHERE r.workspace_id = $1 AND r.customer_id = $2 AND r.added_at IS NOT NULL
         UNION ALL
         SELECT 'relationships:' || r.id || ':end', 'relationship.ended', date_trunc('milliseconds', r.ended_at),
                r.wecom_userid, s.name, r.status, r.state, r.origin
           FROM customer_relationships r
           LEFT JOIN guides g ON g.workspace_id = r.workspace_id AND g.wecom_userid = r.wecom_userid
           LEFT JOIN staff s ON s.workspace_id = g.workspace_id AND s.id = g.staff_id
          WHERE r.workspace_id = $1 AND r.customer_id = $2 AND r.ended_at IS NOT NULL
       ) AS items
       WHERE $3::timestamptz IS NULL OR (at, id COLLATE "C") < ($3::timestamptz, $4::text COLLATE "C")
       ORDER BY at DESC, id COLLATE "C" DESC
       LIMIT $5`,
      [workspaceId, customerId, before?.at ?? null, before?.id ?? '', limit],
    );
    return rows.map((r) => ({
      source: 'relationships',
      id: r.id,
      at: r.at,
      kind: r.kind,
      title: r.guide_name ?? r.wecom_userid,
      data: {
        wecomUserId: r.wecom_userid,
        guideName: r.guide_name,
        status: r.status,
        state: r.state,
        origin: r.origin,
      },
    }));
  },
};
