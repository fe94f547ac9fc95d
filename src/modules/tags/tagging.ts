// Who has which tag: adding and removing tags for one or many customers, each change written to tag_history and
// announced as tag.added / tag.removed. Bulk changes are set-based statements however many customers they touch.
import type { TagSource } from '../../contracts/tags.ts';
import type { Tx } from '../../platform/db/index.ts';
import { conflict, notFound } from '../../platform/errors.ts';
import { emitMany } from '../../platform/jobs/index.ts';

export interface TagRow {
  id: string;
  name: string;
  rule: Record<string, unknown> | null;
  archived_at: Date | null;
}

export async function getTag(tx: Tx, workspaceId: string, tagId: string): Promise<TagRow> {
  const rows = await tx.query<TagRow>(
    'SELECT id, name, rule, archived_at FROM tags WHERE workspace_id = $1 AND id = $2',
    [workspaceId, tagId],
  );
  const tag = rows[0];
  if (!tag) throw notFound('tag.not_found');
  return tag;
}

/**
 * Gives `tagId` to every current (not merged-away) customer among `customerIds` who does not have it yet.
 * Returns the ids of the customers who gained it. A tag kept by an auto-tag rule only takes source 'rule'.
 */
export async function tagCustomers(
  tx: Tx,
  workspaceId: string,
  tagId: string,
  customerIds: readonly string[],
  source: TagSource,
  actorId: string | null,
  at?: Date,
): Promise<string[]> {
  const tag = await getTag(tx, workspaceId, tagId);
  if (tag.rule && source !== 'rule') throw conflict('tag.rule_managed', { name: tag.name });
  // Deleted in WeCom: its customers keep it for history, nobody new gets it.
  if (tag.archived_at && source !== 'rule') throw conflict('tag.archived', { name: tag.name });
  if (customerIds.length === 0) return [];
  const rows = await tx.query<{ customer_id: string }>(
    `WITH changed AS (
       INSERT INTO customer_tags (workspace_id, customer_id, tag_id, source, tagged_at)
       SELECT $1, c.id, $2, $4, coalesce($6::timestamptz, now())
         FROM customers c
        WHERE c.workspace_id = $1 AND c.id = ANY($3::uuid[]) AND c.merged_into IS NULL
       ON CONFLICT DO NOTHING
       RETURNING customer_id
     ),
     history AS (
       INSERT INTO tag_history (workspace_id, customer_id, tag_id, tag_name, change, source, actor_id, at)
       SELECT $1, customer_id, $2, $5, 'added', $4, $7, coalesce($6::timestamptz, now()) FROM changed
     )
     SELECT customer_id FROM changed`,
    [workspaceId, tagId, [...new Set(customerIds)], source, tag.name, at ?? null, actorId],
  );
  const changed = rows.map((r) => r.customer_id);
  await emitMany(
    tx,
    'tag.added',
    changed.map((customerId) => ({ customerId, tagId })),
  );
  return changed;
}

/** Takes `tagId` away from those of `customerIds` who have it; returns the ids of the customers who lost it. */
export async function untagCustomers(
  tx: Tx,
  workspaceId: string,
  tagId: string,
  customerIds: readonly string[],
  source: TagSource,
  actorId: string | null,
  at?: Date,
): Promise<string[]> {
  const tag = await getTag(tx, workspaceId, tagId);
  if (tag.rule && source !== 'rule') throw conflict('tag.rule_managed', { name: tag.name });
  if (customerIds.length === 0) return [];
  const rows = await tx.query<{ customer_id: string }>(
    `WITH changed AS (
       DELETE FROM customer_tags
        WHERE workspace_id = $1 AND tag_id = $2 AND customer_id = ANY($3::uuid[])
       RETURNING customer_id
     ),
     history AS (
       INSERT INTO tag_history (workspace_id, customer_id, tag_id, tag_name, change, source, actor_id, at)
       SELECT $1, customer_id, $2, $5, 'removed', $4, $7, coalesce($6::timestamptz, now()) FROM changed
     )
     SELECT customer_id FROM changed`,
    [workspaceId, tagId, [...new Set(customerIds)], source, tag.name, at ?? null, actorId],
  );
  const changed = rows.map((r) => r.customer_id);
  await emitMany(
    tx,
    'tag.removed',
    changed.map((customerId) => ({ customerId, tagId })),
  );
  return changed;
}

/**
 * Makes the holders of an auto-tag equal to `memberIds` (the customers its rule currently selects), adding and
 * removing only the difference, with source 'rule'. The segments module evaluates the rule and calls this.
 */
export async function syncRuleTag(
  tx: Tx,
  workspaceId: string,
  tagId: string,
  memberIds: readonly string[],
  at?: Date,
): Promise<{ added: string[]; removed: string[] }> {
  const members = [...new Set(memberIds)];
  const leaving = await tx.query<{ customer_id: string }>(
    `SELECT customer_id FROM customer_tags
      WHERE workspace_id = $1 AND tag_id = $2 AND NOT (customer_id = ANY($3::uuid[]))`,
    [workspaceId, tagId, members],
  );
  const removed = await untagCustomers(
    tx,
    workspaceId,
    tagId,
    leaving.map((r) => r.customer_id),
    'rule',
    null,
    at,
  );
  const added = await tagCustomers(tx, workspaceId, tagId, members, 'rule', null, at);
  return { added, removed };
}

export interface CustomerTagRow {
  tag_id: string;
  name: string;
  group_id: string;
  group_name: string;
  color: string | null;
  source: string;
  tagged_at: Date;
}

export async function customerTags(tx: Tx, workspaceId: string, customerId: string): Promise<CustomerTagRow[]> {
  return tx.query<CustomerTagRow>(
    `SELECT ct.tag_id, t.name, t.group_id, g.name AS group_name, t.color, ct.source, ct.tagged_at
       FROM customer_tags ct
       JOIN tags t ON t.workspace_id = ct.workspace_id AND t.id = ct.tag_id
       JOIN tag_groups g ON g.workspace_id = t.workspace_id AND g.id = t.group_id
      WHERE ct.workspace_id = $1 AND ct.customer_id = $2
      ORDER BY g.sort, g.name, t.name`,
    [workspaceId, customerId],
  );
}
