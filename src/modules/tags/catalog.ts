// The tag catalogue: tag groups (兴趣, 来源, 生命周期 …) and their tags, and the auto-tag rule a tag may carry.
import type { Tag, TagBody, TagGroup, TagGroupBody, UpdateTagBody, UpdateTagGroupBody } from '../../contracts/tags.ts';
import { sqlState, type Tx, UNIQUE_VIOLATION } from '../../platform/db/index.ts';
import { conflict, notFound } from '../../platform/errors.ts';
import { emit } from '../../platform/jobs/index.ts';
import { enqueuePush } from './wecom.ts';

interface GroupRow {
  id: string;
  name: string;
  sort: number;
  source: 'siyu' | 'wecom';
  wecom_sync: boolean;
  wecom_group_id: string | null;
  archived_at: Date | null;
  created_at: Date;
}
interface TagCatalogRow {
  id: string;
  group_id: string;
  name: string;
  color: string | null;
  rule: Record<string, unknown> | null;
  customer_count: number;
  wecom_tag_id: string | null;
  archived_at: Date | null;
  created_at: Date;
}

const toTag = (r: TagCatalogRow): Tag => ({
  id: r.id,
  groupId: r.group_id,
  name: r.name,
  color: r.color,
  rule: r.rule,
  customerCount: r.customer_count,
  wecomTagId: r.wecom_tag_id,
  archivedAt: r.archived_at?.toISOString() ?? null,
  createdAt: r.created_at.toISOString(),
});

const TAG_SELECT = `SELECT t.id, t.group_id, t.name, t.color, t.rule, t.wecom_tag_id, t.archived_at, t.created_at,
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
    `SELECT id, name, sort, source, wecom_sync, wecom_group_id, archived_at, created_at
       FROM tag_groups WHERE workspace_id = $1 ORDER BY sort, name`,
    [workspaceId],
  );
  const tags = await listTags(tx, workspaceId);
  return groups.map((g) => ({
    id: g.id,
    name: g.name,
    sort: g.sort,
    source: g.source,
    wecomSync: g.wecom_sync,
    wecomGroupId: g.wecom_group_id,
    archivedAt: g.archived_at?.toISOString() ?? null,
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
    tx.query<{ id: string }>(
      'INSERT INTO tag_groups (workspace_id, name, sort, wecom_sync) VALUES ($1, $2, $3, $4) RETURNING id',
      [workspaceId, body.name, body.sort ?? 0, body.wecomSync === true],
    ),
  );
  // WeCom has no empty groups: a synced group reaches WeCom with its first tag.
  return groupById(tx, workspaceId, (rows[0] as { id: string }).id);
}

export async function updateTagGroup(
  tx: Tx,
  workspaceId: string,
  id: string,
  body: UpdateTagGroupBody,
): Promise<TagGroup> {
  const before = await tx.query<{ wecom_sync: boolean; archived_at: Date | null }>(
    'SELECT wecom_sync, archived_at FROM tag_groups WHERE workspace_id = $1 AND id = $2 FOR UPDATE',
    [workspaceId, id],
  );
  const current = before[0];
  if (!current) throw notFound('tag.group_not_found');
  if (body.wecomSync && current.archived_at) throw conflict('tag.archived_group');
  await unique('tag.group_name_taken', { name: body.name ?? '' }, () =>
    tx.query(
      `UPDATE tag_groups SET name = coalesce($3, name), sort = coalesce($4, sort)
        WHERE workspace_id = $1 AND id = $2 RETURNING id`,
      [workspaceId, id, body.name ?? null, body.sort ?? null],
    ),
  );
  if (body.wecomSync === false && current.wecom_sync) {
    // Stops syncing: WeCom keeps its corp tags, Siyu its tags; neither follows the other any more.
    await tx.query(
      'UPDATE tag_groups SET wecom_sync = false, wecom_group_id = NULL, wecom_name = NULL WHERE workspace_id = $1 AND id = $2',
      [workspaceId, id],
    );
    await tx.query('UPDATE tags SET wecom_tag_id = NULL, wecom_name = NULL WHERE workspace_id = $1 AND group_id = $2', [
      workspaceId,
      id,
    ]);
  } else if (body.wecomSync === true && !current.wecom_sync) {
    await tx.query('UPDATE tag_groups SET wecom_sync = true WHERE workspace_id = $1 AND id = $2', [workspaceId, id]);
  }
  if (body.wecomSync === true || (current.wecom_sync && body.wecomSync !== false && body.name !== undefined)) {
    await enqueuePush(tx, workspaceId);
  }
  return groupById(tx, workspaceId, id);
}

/** Only an empty group can go: deleting its tags silently would take them from customers without history. */
export async function deleteTagGroup(tx: Tx, workspaceId: string, id: string): Promise<void> {
  const tags = await tx.query('SELECT 1 FROM tags WHERE workspace_id = $1 AND group_id = $2 LIMIT 1', [
    workspaceId,
    id,
  ]);
  if (tags.length > 0) throw conflict('tag.group_not_empty');
  const rows = await tx.query<{ wecom_group_id: string | null }>(
    'DELETE FROM tag_groups WHERE workspace_id = $1 AND id = $2 RETURNING wecom_group_id',
    [workspaceId, id],
  );
  const deleted = rows[0];
  if (!deleted) throw notFound('tag.group_not_found');
  if (deleted.wecom_group_id) {
    await enqueuePush(tx, workspaceId, { kind: 'group', wecomId: deleted.wecom_group_id });
  }
}

/** Whether a group's tags are synced with WeCom (a tag made, renamed or deleted there goes to WeCom too). */
async function groupSync(
  tx: Tx,
  workspaceId: string,
  groupId: string,
): Promise<{ synced: boolean; archived: boolean }> {
  const rows = await tx.query<{ wecom_sync: boolean; archived_at: Date | null }>(
    'SELECT wecom_sync, archived_at FROM tag_groups WHERE workspace_id = $1 AND id = $2',
    [workspaceId, groupId],
  );
  const row = rows[0];
  if (!row) throw notFound('tag.group_not_found');
  return { synced: row.wecom_sync, archived: row.archived_at !== null };
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

export async function createTag(tx: Tx, workspaceId: string, body: TagBody): Promise<Tag> {
  const group = await groupSync(tx, workspaceId, body.groupId);
  if (group.archived) throw conflict('tag.archived_group');
  const rows = await unique('tag.name_taken', { name: body.name }, () =>
    tx.query<{ id: string }>(
      'INSERT INTO tags (workspace_id, group_id, name, color) VALUES ($1, $2, $3, $4) RETURNING id',
      [workspaceId, body.groupId, body.name, body.color ?? null],
    ),
  );
  if (group.synced) await enqueuePush(tx, workspaceId);
  return getCatalogTag(tx, workspaceId, (rows[0] as { id: string }).id);
}

export async function updateTag(tx: Tx, workspaceId: string, id: string, body: UpdateTagBody): Promise<Tag> {
  const current = await getCatalogTag(tx, workspaceId, id);
  const from = await groupSync(tx, workspaceId, current.groupId);
  if (body.groupId && body.groupId !== current.groupId) {
    // WeCom cannot move a corp tag to another group, so a synced tag stays in its group (and none moves in).
    const to = await groupSync(tx, workspaceId, body.groupId);
    if (from.synced || to.synced) throw conflict('tag.wecom_move');
    if (to.archived) throw conflict('tag.archived_group');
  }
  const rows = await unique('tag.name_taken', { name: body.name ?? '' }, () =>
    tx.query(
      `UPDATE tags SET group_id = coalesce($3, group_id), name = coalesce($4, name),
              color = CASE WHEN $5 THEN $6 ELSE color END
        WHERE workspace_id = $1 AND id = $2 RETURNING id`,
      [workspaceId, id, body.groupId ?? null, body.name ?? null, body.color !== undefined, body.color ?? null],
    ),
  );
  if (rows.length === 0) throw notFound('tag.not_found');
  if (from.synced && body.name !== undefined && body.name !== current.name) await enqueuePush(tx, workspaceId);
  return getCatalogTag(tx, workspaceId, id);
}

/**
 * Deletes a tag and with it every customer's copy. One `tag.deleted` event tells the audience index to drop the
 * whole tag rather than one `tag.removed` per holder; the history keeps the tag's name.
 */
export async function deleteTag(tx: Tx, workspaceId: string, id: string): Promise<void> {
  const rows = await tx.query<{ wecom_tag_id: string | null }>(
    'DELETE FROM tags WHERE workspace_id = $1 AND id = $2 RETURNING wecom_tag_id',
    [workspaceId, id],
  );
  const deleted = rows[0];
  if (!deleted) throw notFound('tag.not_found');
  await emit(tx, 'tag.deleted', { tagId: id });
  // Deleting the corp tag takes it from every contact in WeCom, as deleting it here took it from every customer.
  if (deleted.wecom_tag_id) await enqueuePush(tx, workspaceId, { kind: 'tag', wecomId: deleted.wecom_tag_id });
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
