// How tags take part in customer merges (the survivor gets the union of both customers' tags, undone on unmerge)
// and in the customer timeline (every tag added or removed).
import type { Tx } from '../../platform/db/index.ts';
import { emit } from '../../platform/jobs/index.ts';
import type { MergeParticipant, TimelineItem, TimelineSource } from '../customers/participants.ts';

interface TagsUndo {
  /** The merged customer's tags as they were. */
  tags: { tag_id: string; source: string; tagged_at: string }[];
  /** Tags the survivor gained by the merge (it did not have them before). */
  gained: string[];
  /** tag_history rows that moved to the survivor with the tags. */
  history: number[];
}

export const tagsMergeParticipant: MergeParticipant = {
  name: 'tags',
  async move(tx, workspaceId, fromId, toId): Promise<TagsUndo> {
    const tags = await tx.query<{ tag_id: string; source: string; tagged_at: Date }>(
      `DELETE FROM customer_tags WHERE workspace_id = $1 AND customer_id = $2 RETURNING tag_id, source, tagged_at`,
      [workspaceId, fromId],
    );
    const gained = await tx.query<{ tag_id: string }>(
      `INSERT INTO customer_tags (workspace_id, customer_id, tag_id, source, tagged_at)
       SELECT $1, $2, * FROM unnest($3::uuid[], $4::text[], $5::timestamptz[])
       ON CONFLICT DO NOTHING RETURNING tag_id`,
      [workspaceId, toId, tags.map((t) => t.tag_id), tags.map((t) => t.source), tags.map((t) => t.tagged_at)],
    );
    const history = await tx.query<{ id: number }>(
      'UPDATE tag_history SET customer_id = $3 WHERE workspace_id = $1 AND customer_id = $2 RETURNING id',
      [workspaceId, fromId, toId],
    );
    for (const g of gained) await emit(tx, 'tag.added', { customerId: toId, tagId: g.tag_id });
    return {
      tags: tags.map((t) => ({ tag_id: t.tag_id, source: t.source, tagged_at: t.tagged_at.toISOString() })),
      gained: gained.map((g) => g.tag_id),
      history: history.map((h) => h.id),
    };
  },
  async restore(tx, workspaceId, fromId, toId, undo): Promise<void> {
    const u = (undo ?? { tags: [], gained: [], history: [] }) as TagsUndo;
    const lost = await tx.query<{ tag_id: string }>(
      `DELETE FROM customer_tags WHERE workspace_id = $1 AND customer_id = $2 AND tag_id = ANY($3::uuid[])
       RETURNING tag_id`,
      [workspaceId, toId, u.gained],
    );
    // Tags deleted since the merge are not brought back.
    const back = await tx.query<{ tag_id: string }>(
      `INSERT INTO customer_tags (workspace_id, customer_id, tag_id, source, tagged_at)
       SELECT $1, $2, m.tag_id, m.source, m.tagged_at
         FROM unnest($3::uuid[], $4::text[], $5::timestamptz[]) AS m (tag_id, source, tagged_at)
         JOIN tags t ON t.workspace_id = $1 AND t.id = m.tag_id
       ON CONFLICT DO NOTHING RETURNING tag_id`,
      [workspaceId, fromId, u.tags.map((t) => t.tag_id), u.tags.map((t) => t.source), u.tags.map((t) => t.tagged_at)],
    );
    await tx.query('UPDATE tag_history SET customer_id = $2 WHERE workspace_id = $1 AND id = ANY($3::bigint[])', [
      workspaceId,
      fromId,
      u.history,
    ]);
    for (const l of lost) await emit(tx, 'tag.removed', { customerId: toId, tagId: l.tag_id });
    for (const b of back) await emit(tx, 'tag.added', { customerId: fromId, tagId: b.tag_id });
  },
};

export const tagsTimelineSource: TimelineSource = {
  source: 'tags',
  async items(tx: Tx, workspaceId, customerId, before, limit): Promise<TimelineItem[]> {
    // Ordered exactly as the timeline's cursor compares: milliseconds, then the prefixed id as a byte string.
    const rows = await tx.query<{
      id: number;
      tag_id: string;
      tag_name: string;
      change: string;
      source: string;
      actor_id: string | null;
      at: Date;
    }>(
      `SELECT id, tag_id, tag_name, change, source, actor_id, date_trunc('milliseconds', at) AS at
         FROM tag_history
        WHERE workspace_id = $1 AND customer_id = $2
          AND ($3::timestamptz IS NULL
               OR (date_trunc('milliseconds', at), ('tags:' || id) COLLATE "C") < ($3::timestamptz, $4::text COLLATE "C"))
        ORDER BY date_trunc('milliseconds', at) DESC, ('tags:' || id) COLLATE "C" DESC
        LIMIT $5`,
      [workspaceId, customerId, before?.at ?? null, before?.id ?? '', limit],
    );
    return rows.map((r) => ({
      source: 'tags',
      id: `tags:${r.id}`,
      at: r.at,
      kind: `tag.${r.change}`,
      title: r.tag_name,
      data: { tagId: r.tag_id, tagName: r.tag_name, change: r.change, source: r.source, actorId: r.actor_id },
    }));
  },
};
