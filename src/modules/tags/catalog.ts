// The tag catalogue: tag groups (兴趣, 来源, 生命周期 …) and their tags, and the auto-tag rule a tag may carry.
import type { Tag, TagBody, TagGroup, TagGroupBody, UpdateTagBody, UpdateTagGroupBody } from '../../contracts/tags.ts';
import { sqlState, type Tx, UNIQUE_VIOLATION } from '../../platform/db/index.ts';
import { conflict, notFound } from '../../platform/errors.ts';
import { emit } from '../../platform/jobs/index.ts';

interface GroupRow {
  id: string;
  name: string;
  sort: number;
  created_at: Date;
}
interface TagCatalogRow {
  id: string;
  group_id: string;
  name: string;
  color: string | null;
  rule: Record<string, unknown> | null;
  customer_count: number;
  created_at: Date;
}

const toTag = (r: TagCatalogRow): Tag => ({
  id: r.id,
  groupId: r.group_id,
  name: r.name,
  color: r.color,
  rule: r.rule,
  customerCount: r.customer_count,
  createdAt: r.created_at.toISOString(),
});

const TAG_SELECT = `SELECT t.id, t.group_id, t.name, t.color, t.rule, t.created_at,
    (SELECT count(*) FROM customer_tags ct WHERE ct.workspace_id = t.workspace_id AND ct.tag_id = t.id)::int
      AS customer_count
  FROM tags t`;

/** Turns a unique violation into the caller's conflict code, rethrows anything else. */
async function unique<T>(code: string, params: Record<string, string>, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (sqlState(err) === UNIQUE_VIOLATION) throw conflict(code, params);
    throw err;
  }
}

export async function listTags(tx: Tx, workspaceId: string, groupId?: string): Promise<Tag[]> {
  const rows = await tx.query<TagCatalogRow>(
    `${TAG_SELECT} WHERE t.workspace_id = $1 AND ($2::uuid IS NULL OR t.group_id = $2) ORDER BY t.name, t.id`,
    [workspaceId, groupId ?? null],
  );
  return rows.map(toTag);
}

export async function listTagGroups(tx: Tx, workspaceId: string): Promise<TagGroup[]> {
  const groups = await tx.query<GroupRow>(
    'SELECT id, name, sort, created_at FROM tag_groups WHERE workspace_id = $1 ORDER BY sort, name',
    [workspaceId],
  );
  const tags = await listTags(tx, workspaceId);
  return groups.map((g) => ({
    id: g.id,
    name: g.name,
    sort: g.sort,
    createdAt: g.created_at.toISOString(),
    tags: tags.filter((t) => t.groupId === g.id),
  }));
}

async function groupById(tx: Tx, workspaceId: string, id: string): Promise<TagGroup> {
  const group = (await listTagGroups(tx, workspaceId)).find((g) => g.id === id);
  if (!group) throw notFound('tag.group_not_found');
  return group;
}

export async function createTagGroup(tx: Tx, workspaceId: string, body: TagGroupBody): Promise<TagGroup> {
  const rows = await unique('tag.group_name_taken', { name: body.name }, () =>
    tx.query<{ id: string }>('INSERT INTO tag_groups (workspace_id, name, sort) VALUES ($1, $2, $3) RETURNING id', [
      workspaceId,
      body.name,
      body.sort ?? 0,
    ]),
  );
  return groupById(tx, workspaceId, (rows[0] as { id: string }).id);
}

export async function updateTagGroup(
  tx: Tx,
  workspaceId: string,
  id: string,
  body: UpdateTagGroupBody,
): Promise<TagGroup> {
  const rows = await unique('tag.group_name_taken', { name: body.name ?? '' }, () =>
    tx.query(
      `UPDATE tag_groups SET name = coalesce($3, name), sort = coalesce($4, sort)
        WHERE workspace_id = $1 AND id = $2 RETURNING id`,
      [workspaceId, id, body.name ?? null, body.sort ?? null],
    ),
  );
  if (rows.length === 0) throw notFound('tag.group_not_found');
  return groupById(tx, workspaceId, id);
}

/** Only an empty group can go: deleting its tags silently would take them from customers without history. */
export async function deleteTagGroup(tx: Tx, workspaceId: string, id: string): Promise<void> {
  const tags = await tx.query('SELECT 1 FROM tags WHERE workspace_id = $1 AND group_id = $2 LIMIT 1', [
    workspaceId,
    id,
  ]);
  if (tags.length > 0) throw conflict('tag.group_not_empty');
  const rows = await tx.query('DELETE FROM tag_groups WHERE workspace_id = $1 AND id = $2 RETURNING id', [
    workspaceId,
    id,
  ]);
  if (rows.length === 0) throw notFound('tag.group_not_found');
}

export async function getCatalogTag(tx: Tx, workspaceId: string, id: string): Promise<Tag> {
  const rows = await tx.query<TagCatalogRow>(`${TAG_SELECT} WHERE t.workspace_id = $1 AND t.id = $2`, [
    workspaceId,
    id,
  ]);
  const row = rows[0];
  if (!row) throw notFound('tag.not_found');
  return toTag(row);
}

async function requireGroup(tx: Tx, workspaceId: string, groupId: string): Promise<void> {
  const rows = await tx.query('SELECT 1 FROM tag_groups WHERE workspace_id = $1 AND id = $2', [workspaceId, groupId]);
  if (rows.length === 0) throw notFound('tag.group_not_found');
}

export async function createTag(tx: Tx, workspaceId: string, body: TagBody): Promise<Tag> {
  await requireGroup(tx, workspaceId, body.groupId);
  const rows = await unique('tag.name_taken', { name: body.name }, () =>
    tx.query<{ id: string }>(
      'INSERT INTO tags (workspace_id, group_id, name, color) VALUES ($1, $2, $3, $4) RETURNING id',
      [workspaceId, body.groupId, body.name, body.color ?? null],
    ),
  );
  return getCatalogTag(tx, workspaceId, (rows[0] as { id: string }).id);
}

export async function updateTag(tx: Tx, workspaceId: string, id: string, body: UpdateTagBody): Promise<Tag> {
  if (body.groupId) await requireGroup(tx, workspaceId, body.groupId);
  const rows = await unique('tag.name_taken', { name: body.name ?? '' }, () =>
    tx.query(
      `UPDATE tags SET group_id = coalesce($3, group_id), name = coalesce($4, name),
              color = CASE WHEN $5 THEN $6 ELSE color END
        WHERE workspace_id = $1 AND id = $2 RETURNING id`,
      [workspaceId, id, body.groupId ?? null, body.name ?? null, body.color !== undefined, body.color ?? null],
    ),
  );
  if (rows.length === 0) throw notFound('tag.not_found');
  return getCatalogTag(tx, workspaceId, id);
}

/**
 * Deletes a tag and with it every customer's copy. One `tag.deleted` event tells the audience index to drop the
 * whole tag rather than one `tag.removed` per holder; the history keeps the tag's name.
 */
export async function deleteTag(tx: Tx, workspaceId: string, id: string): Promise<void> {
  const rows = await tx.query('DELETE FROM tags WHERE workspace_id = $1 AND id = $2 RETURNING id', [workspaceId, id]);
  if (rows.length === 0) throw notFound('tag.not_found');
  await emit(tx, 'tag.deleted', { tagId: id });
}

/**
 * Stores (or with null clears) the segment rule that keeps an auto-tag current. The segments module evaluates
 * the rule and calls syncRuleTag; the `tag.rule_changed` event asks it to do so now.
 */
export async function setTagRule(
  tx: Tx,
  workspaceId: string,
  tagId: string,
  rule: Record<string, unknown> | null,
): Promise<Tag> {
  const rows = await tx.query('UPDATE tags SET rule = $3 WHERE workspace_id = $1 AND id = $2 RETURNING id', [
    workspaceId,
    tagId,
    rule === null ? null : JSON.stringify(rule),
  ]);
  if (rows.length === 0) throw notFound('tag.not_found');
  await emit(tx, 'tag.rule_changed', { tagId, rule });
  return getCatalogTag(tx, workspaceId, tagId);
}
