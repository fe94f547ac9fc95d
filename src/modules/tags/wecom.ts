// Siyu tags kept equal to WeCom's corp tags (企业客户标签), both ways. From WeCom: the corp tag list read whole
// (get_corp_tag_list) when the settings are saved, on demand and after every change_external_tag callback, and the
// corp tags a read of a contact finds (relationships' `relationship.wecom_tags_changed`). To WeCom: tags created,
// renamed or deleted in a synced group (add/edit/del_corp_tag) and customers' tags (mark_tag on every WeCom
// relationship of the customer), always from jobs. Nothing that came from WeCom goes back: WeCom's last known names
// and each relationship's last known corp tags are compared with, and only differences are sent.
import { randomUUID } from 'node:crypto';
import {
  type CorpTagGroup,
  clientFor,
  loadSettings,
  type TagChanged,
  WeComApiError,
  type WeComClient,
} from '../../connectors/wecom/index.ts';
import type { WecomTagSync, WecomTagSyncResult } from '../../contracts/tags.ts';
import type { Queryable, Tx } from '../../platform/db/index.ts';
import { AppError, conflict } from '../../platform/errors.ts';
import { type Locale, translate } from '../../platform/i18n/index.ts';
import { type ClaimedJob, type DomainEvent, enqueue } from '../../platform/jobs/index.ts';
import {
  customersWithWecomTags,
  type RelationshipWecomTagsChanged,
  recordWecomTagsMarked,
  wecomTagHolders,
} from '../relationships/index.ts';
import { tagCustomers, untagCustomers } from './tagging.ts';

export const WECOM_SYNC_JOB = 'tags.wecom-sync';
export const WECOM_PUSH_JOB = 'tags.wecom-push';
export const WECOM_MARK_JOB = 'tags.wecom-mark';

/** Customers per mark job: each costs up to one mark_tag per WeCom relationship. */
const MARK_BATCH = 200;
/** A sync queued longer than this is taken as lost (its job died): a new request queues another. */
const QUEUED_STALE_MS = 10 * 60_000;
/** WeCom errors that mean a relationship cannot be marked any more (deleted meanwhile, guide gone). */
const GONE = new Set([
  'wecom.no_relationship',
  'wecom.invalid_external_userid',
  'wecom.invalid_userid',
  'wecom.user_out_of_scope',
  'wecom.no_external_contact_permission',
]);

type Now = () => Date;

/** Serialises the workspace's corp tag work: a sync from WeCom and a push to it never interleave. */
async function lockCorpTags(tx: Tx, workspaceId: string): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`tags:wecom:${workspaceId}`]);
}

/** The customer-contact client, or null while the workspace has no WeCom settings with that secret. */
async function contactClient(q: Queryable, workspaceId: string): Promise<WeComClient | null> {
  const settings = await loadSettings(q, workspaceId);
  if (!settings?.contactSecret) return null;
  return clientFor(settings, 'contact');
}

// ---------------------------------------------------------------------------------------------------------------
// WeCom → Siyu: the catalogue.

/**
 * Asks for a sync from WeCom. Requests while one is queued join it; one that comes while a sync runs queues the
 * next (the running one may have read the list before the change).
 */
export async function requestSync(tx: Tx, workspaceId: string, now: Date): Promise<void> {
  await tx.query('INSERT INTO tag_wecom_sync (workspace_id) VALUES ($1) ON CONFLICT DO NOTHING', [workspaceId]);
  const queued = await tx.query(
    `UPDATE tag_wecom_sync SET state = 'queued', requested_at = $2
      WHERE workspace_id = $1 AND (state <> 'queued' OR requested_at < $3) RETURNING 1`,
    [workspaceId, now, new Date(now.getTime() - QUEUED_STALE_MS)],
  );
  if (queued.length === 0) return;
  await enqueue(tx, { kind: WECOM_SYNC_JOB, workspaceId, dedupeKey: `${workspaceId}:${randomUUID()}`, maxAttempts: 5 });
}

interface GroupRow {
  id: string;
  name: string;
  wecom_group_id: string | null;
  wecom_name: string | null;
}
interface TagRow {
  id: string;
  group_id: string;
  name: string;
  rule: unknown;
  wecom_tag_id: string | null;
  wecom_name: string | null;
}

const zero = () => ({ created: 0, linked: 0, renamed: 0, archived: 0 });

/**
 * A name changed in WeCom: remembered as WeCom's name, and taken as the Siyu name too unless Siyu renamed it since
 * (a rename waiting to be pushed wins) or another group / tag already has it. Returns whether it was taken.
 */
async function takeWecomName(
  tx: Tx,
  table: 'tag_groups' | 'tags',
  workspaceId: string,
  row: { id: string; name: string; wecom_name: string | null },
  wecomName: string,
  free: boolean,
): Promise<boolean> {
  const take = row.name === row.wecom_name && free;
  await tx.query(
    `UPDATE ${table} SET name = CASE WHEN $3 THEN $4 ELSE name END, wecom_name = $4 WHERE workspace_id = $1 AND id = $2`,
    [workspaceId, row.id, take, wecomName],
  );
  if (take) row.name = wecomName;
  row.wecom_name = wecomName;
  return take;
}

/**
 * Makes the Siyu side equal to WeCom's corp tag list: each corp group and tag is found by its WeCom id, or adopted
 * by name (an unsynced Siyu group of that name, an unsynced tag of that name in the group), or created (groups
 * marked as WeCom's). A name changed in WeCom is taken unless a Siyu rename waits to be pushed. Synced groups and
 * tags WeCom no longer lists are archived (kept with their customers, unlinked). Tags linked by this sync are given
 * to the customers whose relationships carry them in WeCom, and pushed to those who have them only in Siyu.
 */
export async function pullCorpTags(
  tx: Tx,
  workspaceId: string,
  corpGroups: CorpTagGroup[],
  now: Date,
): Promise<WecomTagSyncResult> {
  await lockCorpTags(tx, workspaceId);
  const result: WecomTagSyncResult = { groups: zero(), tags: zero(), customersTagged: 0 };
  const groups = await tx.query<GroupRow>(
    'SELECT id, name, wecom_group_id, wecom_name FROM tag_groups WHERE workspace_id = $1',
    [workspaceId],
  );
  const tags = await tx.query<TagRow>(
    'SELECT id, group_id, name, rule, wecom_tag_id, wecom_name FROM tags WHERE workspace_id = $1',
    [workspaceId],
  );
  /** Siyu tags linked by this sync, and the corp tag each is now. */
  const linked: { tagId: string; wecomTagId: string; adopted: boolean }[] = [];
  // What Siyu deleted and WeCom still lists until the push deletes it there is not brought back.
  const deleting = new Set((await pendingDeletions(tx, workspaceId)).map((d) => d.wecom_id));
  const live = corpGroups
    .filter((g) => !g.deleted && !deleting.has(g.groupId))
    .map((g) => ({ ...g, tags: g.tags.filter((t) => !t.deleted && !deleting.has(t.id)) }));
  const nameFree = (name: string, except: string) => !groups.some((g) => g.id !== except && g.name === name);

  for (const cg of live) {
    let group =
      groups.find((g) => g.wecom_group_id === cg.groupId) ??
      groups.find((g) => g.wecom_group_id === null && g.name === cg.groupName);
    if (!group) {
      // A Siyu group synced with another corp group already has the name: the WeCom one keeps it, marked.
      const name = nameFree(cg.groupName, '') ? cg.groupName : `${cg.groupName}（企业微信）`;
      const [row] = await tx.query<GroupRow>(
        `INSERT INTO tag_groups (workspace_id, name, sort, source, wecom_sync, wecom_group_id, wecom_name)
         VALUES ($1, $2, $3, 'wecom', true, $4, $5) RETURNING id, name, wecom_group_id, wecom_name`,
        [workspaceId, name, -cg.order, cg.groupId, cg.groupName],
      );
      group = row as GroupRow;
      groups.push(group);
      result.groups.created++;
    } else if (group.wecom_group_id === null) {
      await tx.query(
        `UPDATE tag_groups SET wecom_sync = true, wecom_group_id = $3, wecom_name = $4, archived_at = NULL
          WHERE workspace_id = $1 AND id = $2`,
        [workspaceId, group.id, cg.groupId, cg.groupName],
      );
      Object.assign(group, { wecom_group_id: cg.groupId, wecom_name: cg.groupName });
      result.groups.linked++;
    } else if (group.wecom_name !== cg.groupName) {
      const free = nameFree(cg.groupName, group.id);
      if (await takeWecomName(tx, 'tag_groups', workspaceId, group, cg.groupName, free)) result.groups.renamed++;
    }
    const groupId = group.id;

    for (const ct of cg.tags.filter((t) => !t.deleted)) {
      const tag =
        tags.find((t) => t.wecom_tag_id === ct.id) ??
        tags.find((t) => t.wecom_tag_id === null && t.group_id === groupId && t.name === ct.name);
      const tagNameFree = (except: string) =>
        !tags.some((t) => t.id !== except && t.group_id === groupId && t.name === ct.name);
      if (!tag) {
        const [row] = await tx.query<TagRow>(
          `INSERT INTO tags (workspace_id, group_id, name, wecom_tag_id, wecom_name) VALUES ($1, $2, $3, $4, $3)
           RETURNING id, group_id, name, rule, wecom_tag_id, wecom_name`,
          [workspaceId, groupId, tagNameFree('') ? ct.name : `${ct.name}（企业微信）`, ct.id],
        );
        const created = row as TagRow;
        tags.push(created);
        linked.push({ tagId: created.id, wecomTagId: ct.id, adopted: false });
        result.tags.created++;
      } else if (tag.wecom_tag_id === null) {
        await tx.query(
          'UPDATE tags SET wecom_tag_id = $3, wecom_name = $4, archived_at = NULL WHERE workspace_id = $1 AND id = $2',
          [workspaceId, tag.id, ct.id, ct.name],
        );
        Object.assign(tag, { wecom_tag_id: ct.id, wecom_name: ct.name });
        linked.push({ tagId: tag.id, wecomTagId: ct.id, adopted: true });
        result.tags.linked++;
      } else if (tag.wecom_name !== ct.name) {
        if (await takeWecomName(tx, 'tags', workspaceId, tag, ct.name, tagNameFree(tag.id))) result.tags.renamed++;
      }
    }
  }

  // Deleted in WeCom: kept in Siyu with their customers (segments and history still name them), unlinked.
  const liveTagIds = live.flatMap((g) => g.tags.filter((t) => !t.deleted).map((t) => t.id));
  const archivedTags = await tx.query(
    `UPDATE tags SET wecom_tag_id = NULL, archived_at = $3
      WHERE workspace_id = $1 AND wecom_tag_id IS NOT NULL AND NOT (wecom_tag_id = ANY($2::text[])) RETURNING id`,
    [workspaceId, liveTagIds, now],
  );
  result.tags.archived = archivedTags.length;
  const archivedGroups = await tx.query(
    `UPDATE tag_groups SET wecom_group_id = NULL, wecom_sync = false, archived_at = $3
      WHERE workspace_id = $1 AND wecom_group_id IS NOT NULL AND NOT (wecom_group_id = ANY($2::text[])) RETURNING id`,
    [workspaceId, live.map((g) => g.groupId), now],
  );
  result.groups.archived = archivedGroups.length;

  // Customers whose WeCom relationships carry a newly linked tag get it in Siyu (a rule's tag stays the rule's).
  const byWecomId = new Map(linked.map((l) => [l.wecomTagId, l.tagId]));
  const holders = linked.length ? await customersWithWecomTags(tx, workspaceId, [...byWecomId.keys()]) : [];
  const ruled = new Set(tags.filter((t) => t.rule !== null).map((t) => t.id));
  const perTag = new Map<string, string[]>();
  for (const h of holders) {
    const tagId = byWecomId.get(h.wecomTagId);
    if (tagId && !ruled.has(tagId)) perTag.set(tagId, [...(perTag.get(tagId) ?? []), h.customerId]);
  }
  for (const [tagId, customerIds] of perTag) {
    result.customersTagged += (await tagCustomers(tx, workspaceId, tagId, customerIds, 'wecom', null, now)).length;
  }
  // A Siyu tag adopted by name may be on customers WeCom does not show it on yet.
  const adopted = linked.filter((l) => l.adopted).map((l) => l.tagId);
  if (adopted.length > 0) {
    const customers = await tx.query<{ customer_id: string }>(
      'SELECT DISTINCT customer_id FROM customer_tags WHERE workspace_id = $1 AND tag_id = ANY($2::uuid[])',
      [workspaceId, adopted],
    );
    await enqueueMarks(
      tx,
      workspaceId,
      customers.map((c) => c.customer_id),
      `adopted:${randomUUID()}`,
      {
        scope: linked.filter((l) => l.adopted).map((l) => l.wecomTagId),
        addOnly: true,
      },
    );
  }
  // Siyu-only tags in synced groups (and Siyu renames) go to WeCom.
  await enqueuePush(tx, workspaceId);
  return result;
}

/** The sync job: reads the corp tag list and applies it, recording the outcome for the console. */
export async function syncJob(tx: Tx, workspaceId: string, now: Now): Promise<void> {
  await tx.query('INSERT INTO tag_wecom_sync (workspace_id) VALUES ($1) ON CONFLICT DO NOTHING', [workspaceId]);
  // From here the row is locked: a request made while this runs waits and then queues the next sync.
  await tx.query(`UPDATE tag_wecom_sync SET state = 'running' WHERE workspace_id = $1`, [workspaceId]);
  let result: WecomTagSyncResult | null = null;
  let error: { code: string; params: Record<string, string | number> } | null = null;
  try {
    const client = await contactClient(tx, workspaceId);
    if (!client) throw conflict('tag.wecom_not_configured');
    result = await pullCorpTags(tx, workspaceId, await client.getCorpTags(), now());
  } catch (err) {
    // WeCom's refusals and the network are recorded for the operator; anything else is ours, and retried.
    if (!(err instanceof AppError) || !(err.code.startsWith('wecom.') || err.code === 'tag.wecom_not_configured')) {
      throw err;
    }
    error = { code: err.code, params: err.params };
  }
  await tx.query(
    `UPDATE tag_wecom_sync SET state = 'idle', last_finished_at = $2, last_status = $3, last_result = $4::jsonb,
            last_error = $5::jsonb
      WHERE workspace_id = $1`,
    [workspaceId, now(), error ? 'failed' : 'succeeded', JSON.stringify(result), JSON.stringify(error)],
  );
}

export async function syncStatus(q: Queryable, workspaceId: string, locale: Locale): Promise<WecomTagSync> {
  const [row] = await q.query<{
    state: WecomTagSync['state'];
    requested_at: Date | null;
    last_finished_at: Date | null;
    last_status: WecomTagSync['lastStatus'];
    last_result: WecomTagSyncResult | null;
    last_error: { code: string; params: Record<string, string | number> } | null;
  }>(
    `SELECT state, requested_at, last_finished_at, last_status, last_result, last_error
       FROM tag_wecom_sync WHERE workspace_id = $1`,
    [workspaceId],
  );
  return {
    state: row?.state ?? 'idle',
    requestedAt: row?.requested_at?.toISOString() ?? null,
    lastFinishedAt: row?.last_finished_at?.toISOString() ?? null,
    lastStatus: row?.last_status ?? null,
    lastResult: row?.last_result ?? null,
    lastError: row?.last_error
      ? { code: row.last_error.code, message: translate(locale, row.last_error.code, row.last_error.params) }
      : null,
  };
}

/** The console's "同步企业微信标签": refused while the workspace cannot call WeCom's customer-contact API. */
export async function requestSyncByHand(tx: Tx, workspaceId: string, now: Date): Promise<void> {
  const settings = await loadSettings(tx, workspaceId);
  if (!settings?.contactSecret) throw conflict('tag.wecom_not_configured');
  await requestSync(tx, workspaceId, now);
}

// ---------------------------------------------------------------------------------------------------------------
// Siyu → WeCom: the catalogue.

/** Queues a push to WeCom; `deleted` are the corp tag or group of a synced tag or group just deleted in Siyu. */
export async function enqueuePush(
  tx: Tx,
  workspaceId: string,
  deleted?: { kind: 'tag' | 'group'; wecomId: string },
): Promise<void> {
  if (deleted) {
    await tx.query(
      'INSERT INTO tag_wecom_deletions (workspace_id, wecom_id, kind) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
      [workspaceId, deleted.wecomId, deleted.kind],
    );
  }
  await enqueue(tx, { kind: WECOM_PUSH_JOB, workspaceId, dedupeKey: `${workspaceId}:${randomUUID()}` });
}

async function pendingDeletions(tx: Tx, workspaceId: string) {
  return tx.query<{ wecom_id: string; kind: 'tag' | 'group' }>(
    'SELECT wecom_id, kind FROM tag_wecom_deletions WHERE workspace_id = $1',
    [workspaceId],
  );
}

/**
 * Makes WeCom's corp tags equal to the synced Siyu groups: deletions first, then every synced group not in WeCom
 * yet (with its tags: WeCom has no empty groups), tags not in WeCom yet, and names changed in Siyu. Creations adopt
 * what WeCom already has under the same name, so a creation retried after a timeout does not fail as a duplicate.
 */
export async function pushCatalogue(tx: Tx, workspaceId: string, client: WeComClient) {
  await lockCorpTags(tx, workspaceId);
  const deletions = await pendingDeletions(tx, workspaceId);
  if (deletions.length > 0) {
    // Whatever WeCom still has of them: a group whose last tag went is gone already (WeCom deletes it).
    const corp = await client.getCorpTags();
    const tagIds = deletions
      .filter((d) => d.kind === 'tag' && corp.some((g) => g.tags.some((t) => t.id === d.wecom_id)))
      .map((d) => d.wecom_id);
    const groupIds = deletions
      .filter((d) => d.kind === 'group' && corp.some((g) => g.groupId === d.wecom_id))
      .map((d) => d.wecom_id);
    if (tagIds.length > 0 || groupIds.length > 0) await client.deleteCorpTags({ tagIds, groupIds });
    await tx.query('DELETE FROM tag_wecom_deletions WHERE workspace_id = $1 AND wecom_id = ANY($2::text[])', [
      workspaceId,
      deletions.map((d) => d.wecom_id),
    ]);
  }
  const groups = await tx.query<GroupRow>(
    `SELECT id, name, wecom_group_id, wecom_name FROM tag_groups
      WHERE workspace_id = $1 AND wecom_sync AND archived_at IS NULL ORDER BY sort, name`,
    [workspaceId],
  );
  const taken = new Set(
    (
      await tx.query<{ wecom_group_id: string }>(
        'SELECT wecom_group_id FROM tag_groups WHERE workspace_id = $1 AND wecom_group_id IS NOT NULL',
        [workspaceId],
      )
    ).map((g) => g.wecom_group_id),
  );
  for (const group of groups) {
    const tags = await tx.query<TagRow>(
      `SELECT id, group_id, name, rule, wecom_tag_id, wecom_name FROM tags
        WHERE workspace_id = $1 AND group_id = $2 AND archived_at IS NULL ORDER BY created_at, id`,
      [workspaceId, group.id],
    );
    const missing = tags.filter((t) => t.wecom_tag_id === null);
    if (missing.length > 0) {
      const corp = group.wecom_group_id
        ? (await client.getCorpTags({ groupIds: [group.wecom_group_id] }))[0]
        : (await client.getCorpTags()).find((g) => !g.deleted && g.groupName === group.name && !taken.has(g.groupId));
      const existing = new Map((corp?.tags ?? []).filter((t) => !t.deleted).map((t) => [t.name, t.id]));
      const toCreate = missing.filter((t) => !existing.has(t.name));
      let groupId = corp?.groupId ?? group.wecom_group_id;
      if (toCreate.length > 0) {
        const created = await client.addCorpTags({
          ...(groupId ? { groupId } : { groupName: group.name }),
          tags: toCreate.map((t) => ({ name: t.name })),
        });
        groupId = created.groupId;
        for (const t of created.tags) existing.set(t.name, t.id);
      }
      if (groupId && group.wecom_group_id !== groupId) {
        await tx.query(
          'UPDATE tag_groups SET wecom_group_id = $3, wecom_name = $4 WHERE workspace_id = $1 AND id = $2',
          [workspaceId, group.id, groupId, corp?.groupName ?? group.name],
        );
        group.wecom_group_id = groupId;
        group.wecom_name = corp?.groupName ?? group.name;
      }
      for (const t of missing) {
        const id = existing.get(t.name);
        if (!id) continue;
        await tx.query('UPDATE tags SET wecom_tag_id = $3, wecom_name = $4 WHERE workspace_id = $1 AND id = $2', [
          workspaceId,
          t.id,
          id,
          t.name,
        ]);
        Object.assign(t, { wecom_tag_id: id, wecom_name: t.name });
      }
    }
    if (group.wecom_group_id && group.wecom_name !== group.name) {
      await client.editCorpTag({ id: group.wecom_group_id, name: group.name });
      await tx.query('UPDATE tag_groups SET wecom_name = name WHERE workspace_id = $1 AND id = $2', [
        workspaceId,
        group.id,
      ]);
    }
    for (const t of tags) {
      if (t.wecom_tag_id && t.wecom_name !== t.name) {
        await client.editCorpTag({ id: t.wecom_tag_id, name: t.name });
        await tx.query('UPDATE tags SET wecom_name = name WHERE workspace_id = $1 AND id = $2', [workspaceId, t.id]);
      }
    }
  }
}

export async function pushJob(tx: Tx, workspaceId: string): Promise<void> {
  const client = await contactClient(tx, workspaceId);
  if (!client) return;
  await pushCatalogue(tx, workspaceId, client);
}

// ---------------------------------------------------------------------------------------------------------------
// Siyu → WeCom: customers' tags.

/**
 * What a mark job reconciles: only the corp tags in `scope` (the tags whose change in Siyu asked for it; all synced
 * tags when absent), and with `addOnly` never a removal (a new relationship, a tag just linked: a corp tag WeCom
 * shows there that Siyu lacks is one Siyu has not applied yet, not one to take away).
 */
interface MarkScope {
  scope?: string[];
  addOnly?: boolean;
}

async function enqueueMarks(
  tx: Tx,
  workspaceId: string,
  customerIds: string[],
  key: string,
  scope: MarkScope = {},
): Promise<void> {
  const unique = [...new Set(customerIds)].sort();
  for (let i = 0; i < unique.length; i += MARK_BATCH) {
    await enqueue(tx, {
      kind: WECOM_MARK_JOB,
      workspaceId,
      payload: { customerIds: unique.slice(i, i + MARK_BATCH), ...scope },
      dedupeKey: `${workspaceId}:${key}:${i}`,
    });
  }
}

/**
 * Makes each WeCom relationship of these customers carry exactly their synced Siyu tags: one mark_tag per
 * relationship that differs (the tags to add and remove together), recorded on the relationship so its next read
 * is not taken for a change. Corp tags Siyu does not know (not synced yet) are left alone. A relationship WeCom no
 * longer has is skipped; other failures fail the job, which the job system retries (mark_tag is idempotent).
 */
export async function markCustomers(
  tx: Tx,
  workspaceId: string,
  client: WeComClient,
  customerIds: string[],
  now: Now,
  { scope, addOnly = false }: MarkScope = {},
): Promise<{ marked: number; skipped: number }> {
  const known = await tx.query<{ wecom_tag_id: string }>(
    'SELECT wecom_tag_id FROM tags WHERE workspace_id = $1 AND wecom_tag_id IS NOT NULL',
    [workspaceId],
  );
  const synced = new Set(known.map((k) => k.wecom_tag_id).filter((id) => !scope || scope.includes(id)));
  const outcome = { marked: 0, skipped: 0 };
  for (const customerId of customerIds) {
    const wanted = await tx.query<{ wecom_tag_id: string }>(
      `SELECT t.wecom_tag_id FROM customer_tags ct JOIN tags t ON t.workspace_id = ct.workspace_id AND t.id = ct.tag_id
        WHERE ct.workspace_id = $1 AND ct.customer_id = $2 AND t.wecom_tag_id IS NOT NULL ORDER BY 1`,
      [workspaceId, customerId],
    );
    const desired = wanted.map((w) => w.wecom_tag_id).filter((id) => synced.has(id));
    for (const holder of await wecomTagHolders(tx, workspaceId, customerId)) {
      const add = desired.filter((id) => !holder.wecomTagIds.includes(id));
      const remove = addOnly ? [] : holder.wecomTagIds.filter((id) => synced.has(id) && !desired.includes(id));
      if (add.length === 0 && remove.length === 0) continue;
      try {
        await client.markTags({
          userId: holder.wecomUserId,
          externalUserId: holder.externalUserId,
          ...(add.length ? { add } : {}),
          ...(remove.length ? { remove } : {}),
        });
      } catch (err) {
        if (err instanceof WeComApiError && GONE.has(err.code)) {
          outcome.skipped++;
          continue;
        }
        // A corp tag deleted in WeCom meanwhile: the sync archives it, and the customer is marked again after.
        if (err instanceof WeComApiError && err.code === 'wecom.invalid_tag') {
          await requestSync(tx, workspaceId, now());
          outcome.skipped++;
          continue;
        }
        throw err;
      }
      await recordWecomTagsMarked(tx, workspaceId, {
        wecomUserId: holder.wecomUserId,
        externalUserId: holder.externalUserId,
        add,
        remove,
        // Taken after WeCom answered: a read that began before then may not show the mark.
        at: now(),
      });
      outcome.marked++;
    }
  }
  return outcome;
}

export async function markJob(tx: Tx, job: ClaimedJob, workspaceId: string, now: Now): Promise<void> {
  const client = await contactClient(tx, workspaceId);
  if (!client) return;
  const { customerIds, ...scope } = job.payload as { customerIds: string[] } & MarkScope;
  await markCustomers(tx, workspaceId, client, customerIds, now, scope);
}

// ---------------------------------------------------------------------------------------------------------------
// Subscribers.

/** Settings saved with a contact secret, and every corp tag change WeCom reports: read the list again. */
export async function onWecomNews(events: DomainEvent[], tx: Tx, now: Now): Promise<void> {
  const workspaceId = events[0]?.workspaceId;
  if (!workspaceId) return;
  const relevant = events.some(
    (e) =>
      e.type === 'wecom.settings_saved' ||
      // Reordering (shuffle) changes nothing Siyu keeps.
      (e.type === 'wecom.tag_changed' && (e.payload as TagChanged).changeType !== 'shuffle'),
  );
  if (relevant) await requestSync(tx, workspaceId, now());
}

/**
 * Corp tags a read of a contact found added or removed in WeCom become the customer's Siyu tags (source
 * `wecom`). A corp tag Siyu does not know yet asks for a sync, which gives it to the customers holding it.
 * A new relationship gets the customer's synced Siyu tags marked on it.
 */
export async function onRelationshipTags(events: DomainEvent[], tx: Tx, now: Now): Promise<void> {
  const workspaceId = events[0]?.workspaceId;
  if (!workspaceId) return;
  const started: string[] = [];
  const changes: { event: DomainEvent; p: RelationshipWecomTagsChanged }[] = [];
  for (const e of events) {
    if (e.type === 'relationship.started') started.push((e.payload as { customerId: string }).customerId);
    else changes.push({ event: e, p: e.payload as RelationshipWecomTagsChanged });
  }
  const ids = [...new Set(changes.flatMap(({ p }) => [...p.added, ...p.removed]))];
  const tags = ids.length
    ? await tx.query<{ id: string; wecom_tag_id: string; rule: unknown }>(
        `SELECT id, wecom_tag_id, rule FROM tags
          WHERE workspace_id = $1 AND wecom_tag_id = ANY($2::text[]) AND archived_at IS NULL`,
        [workspaceId, ids],
      )
    : [];
  const byId = new Map(tags.filter((t) => t.rule === null).map((t) => [t.wecom_tag_id, t.id]));
  // The sync's row is locked before any customer's tags, in the order the sync job takes them (no deadlock).
  if (changes.some(({ p }) => p.added.some((id) => !tags.some((t) => t.wecom_tag_id === id)))) {
    await requestSync(tx, workspaceId, now());
  }
  for (const { event, p } of changes) {
    for (const id of p.added) {
      const tagId = byId.get(id);
      if (tagId) await tagCustomers(tx, workspaceId, tagId, [p.customerId], 'wecom', null, event.occurredAt);
    }
    for (const id of p.removed) {
      const tagId = byId.get(id);
      if (tagId) await untagCustomers(tx, workspaceId, tagId, [p.customerId], 'wecom', null, event.occurredAt);
    }
  }
  const anySynced =
    started.length > 0 &&
    (await tx.query('SELECT 1 FROM tags WHERE workspace_id = $1 AND wecom_tag_id IS NOT NULL LIMIT 1', [workspaceId]))
      .length > 0;
  if (anySynced) {
    await enqueueMarks(tx, workspaceId, started, `started:${events[0]?.id}:${events[0]?.index}`, { addOnly: true });
  }
}

/** Customers whose synced tags changed in Siyu (by hand, in bulk, by a rule or a channel code) are marked in WeCom. */
export async function onSiyuTagging(events: DomainEvent[], tx: Tx): Promise<void> {
  const workspaceId = events[0]?.workspaceId;
  if (!workspaceId) return;
  const tagIds = [...new Set(events.map((e) => (e.payload as { tagId: string }).tagId))];
  const synced = await tx.query<{ id: string; wecom_tag_id: string }>(
    'SELECT id, wecom_tag_id FROM tags WHERE workspace_id = $1 AND id = ANY($2::uuid[]) AND wecom_tag_id IS NOT NULL',
    [workspaceId, tagIds],
  );
  if (synced.length === 0) return;
  const ids = new Set(synced.map((s) => s.id));
  const customers = events
    .filter((e) => ids.has((e.payload as { tagId: string }).tagId))
    .map((e) => (e.payload as { customerId: string }).customerId);
  await enqueueMarks(tx, workspaceId, customers, `tagging:${events[0]?.id}:${events[0]?.index}`, {
    scope: synced.map((s) => s.wecom_tag_id),
  });
}
