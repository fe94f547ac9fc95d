// Group live codes (群活码): one QR code in front of several groups, filled one after another. Each code is a WeCom
// join way (groupchat/add_join_way) whose group list Siyu keeps pointed at the groups still below the code's cap:
// whenever a group's membership changes, the codes it belongs to are recomputed and, if their list changed, pushed
// with update_join_way in a job. WeCom takes at most 5 groups per join way and fills each to 200 through a QR
// code before it moves on, so the list is the first 5 groups below the cap, in order.
import { randomBytes } from 'node:crypto';
import { WeComApiError, type WeComClient, workspaceClient } from '../../connectors/wecom/index.ts';
import {
  type LiveCode,
  type LiveCodeBody,
  type UpdateLiveCodeBody,
  WECOM_QR_GROUP_LIMIT,
} from '../../contracts/community.ts';
import type { Tx } from '../../platform/db/index.ts';
import { badRequest, notFound } from '../../platform/errors.ts';
import { enqueue, type JobHandler } from '../../platform/jobs/index.ts';
import { dayIn, workspaceSettings } from './shared.ts';

export const PUSH_JOB = 'community.push-live-code';
export const DELETE_JOIN_WAY_JOB = 'community.delete-join-way';
/** Groups WeCom accepts in one join way. */
const JOIN_WAY_GROUPS = 5;
const DEFAULT_CAP = WECOM_QR_GROUP_LIMIT;

interface CodeRow {
  id: string;
  name: string;
  remark: string;
  state: string;
  cap: number;
  auto_create: boolean;
  room_base_name: string | null;
  room_base_id: number | null;
  config_id: string | null;
  qr_code: string | null;
  pushed_chat_ids: string[];
  push_version: number;
  sync_state: LiveCode['syncState'];
  sync_error: string | null;
  created_at: Date;
}

interface CodeGroupRow {
  code_id: string;
  group_id: string;
  chat_id: string;
  name: string;
  status: 'active' | 'dismissed';
  member_count: number;
  position: number;
}

const CODE_COLUMNS = `id, name, remark, state, cap, auto_create, room_base_name, room_base_id, config_id, qr_code,
  pushed_chat_ids, push_version, sync_state, sync_error, created_at`;

async function codeGroups(tx: Tx, workspaceId: string, codeIds: string[]): Promise<CodeGroupRow[]> {
  return tx.query<CodeGroupRow>(
    `SELECT cg.code_id, cg.group_id, g.chat_id, g.name, g.status, g.member_count, cg.position
       FROM community_live_code_groups cg
       JOIN community_groups g ON g.workspace_id = cg.workspace_id AND g.id = cg.group_id
      WHERE cg.workspace_id = $1 AND cg.code_id = ANY($2::uuid[])
      ORDER BY cg.code_id, cg.position`,
    [workspaceId, codeIds],
  );
}

/**
 * The groups WeCom should fill now: the first ones below the cap, in order. When every group is at the cap the
 * code is full; it keeps pointing at its last group so the QR code still works and, with auto-create, WeCom opens a
 * new group once that one reaches 200.
 */
export function desiredChats(cap: number, groups: readonly CodeGroupRow[]): { chatIds: string[]; full: boolean } {
  const open = groups.filter((g) => g.status === 'active');
  const below = open.filter((g) => g.member_count < cap).slice(0, JOIN_WAY_GROUPS);
  if (below.length > 0) return { chatIds: below.map((g) => g.chat_id), full: false };
  const last = open[open.length - 1];
  return { chatIds: last ? [last.chat_id] : [], full: true };
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Marks a code for a push to WeCom; the job carries the version, so only the newest push runs. */
async function schedulePush(tx: Tx, workspaceId: string, codeId: string): Promise<void> {
  const rows = await tx.query<{ push_version: number }>(
    `UPDATE community_live_codes SET push_version = push_version + 1, sync_state = 'pending'
      WHERE workspace_id = $1 AND id = $2 RETURNING push_version`,
    [workspaceId, codeId],
  );
  const version = rows[0]?.push_version;
  if (version === undefined) return;
  await enqueue(tx, {
    kind: PUSH_JOB,
    workspaceId,
    payload: { codeId, version },
    dedupeKey: `${workspaceId}:${codeId}:${version}`,
  });
}

/** After members of these groups changed: every code whose groups WeCom should see differently is pushed. */
export async function liveCodesAfterChange(tx: Tx, workspaceId: string, groupIds: string[]): Promise<void> {
  const codes = await tx.query<{ id: string; cap: number; pushed_chat_ids: string[] }>(
    `SELECT c.id, c.cap, c.pushed_chat_ids FROM community_live_codes c
      WHERE c.workspace_id = $1
        AND EXISTS (SELECT 1 FROM community_live_code_groups cg
                     WHERE cg.workspace_id = c.workspace_id AND cg.code_id = c.id AND cg.group_id = ANY($2::uuid[]))`,
    [workspaceId, groupIds],
  );
  if (codes.length === 0) return;
  const groups = await codeGroups(
    tx,
    workspaceId,
    codes.map((c) => c.id),
  );
  for (const code of codes) {
    const wanted = desiredChats(
      code.cap,
      groups.filter((g) => g.code_id === code.id),
    );
    if (!sameList(wanted.chatIds, code.pushed_chat_ids)) await schedulePush(tx, workspaceId, code.id);
  }
}

/**
 * A group WeCom created for a full join way (auto_create_room): each auto-creating code whose join way now names
 * it takes it as its next group.
 */
export async function adoptCreatedGroups(
  tx: Tx,
  workspaceId: string,
  client: WeComClient,
  chatId: string,
): Promise<void> {
  const codes = await tx.query<{ id: string; config_id: string }>(
    `SELECT id, config_id FROM community_live_codes
      WHERE workspace_id = $1 AND auto_create AND config_id IS NOT NULL`,
    [workspaceId],
  );
  for (const code of codes) {
    let way: Awaited<ReturnType<WeComClient['getJoinWay']>>;
    try {
      way = await client.getJoinWay(code.config_id);
    } catch (err) {
      if (err instanceof WeComApiError) continue;
      throw err;
    }
    if (!way.chatIds.includes(chatId)) continue;
    const added = await tx.query(
      `INSERT INTO community_live_code_groups (workspace_id, code_id, group_id, position)
       SELECT $1, $2, g.id,
              coalesce((SELECT max(position) + 1 FROM community_live_code_groups
                         WHERE workspace_id = $1 AND code_id = $2), 0)
         FROM community_groups g WHERE g.workspace_id = $1 AND g.chat_id = $3
       ON CONFLICT DO NOTHING RETURNING group_id`,
      [workspaceId, code.id, chatId],
    );
    if (added.length > 0) await schedulePush(tx, workspaceId, code.id);
  }
}

/** Pushes a code's groups to WeCom: creates the join way the first time, updates it after. */
export const pushJob: JobHandler = async (job, tx) => {
  const workspaceId = job.workspaceId;
  const { codeId, version } = job.payload as { codeId: string; version: number };
  if (!workspaceId) throw new Error(`job ${job.id} has no workspace`);
  const rows = await tx.query<CodeRow>(
    `SELECT ${CODE_COLUMNS} FROM community_live_codes WHERE workspace_id = $1 AND id = $2 FOR UPDATE`,
    [workspaceId, codeId],
  );
  const code = rows[0];
  // A newer change queued its own push; this one would only send an older list.
  if (!code || code.push_version !== version) return;
  const wanted = desiredChats(code.cap, await codeGroups(tx, workspaceId, [codeId]));
  const fail = (error: string) =>
    tx.query(
      `UPDATE community_live_codes SET sync_state = 'failed', sync_error = $3 WHERE workspace_id = $1 AND id = $2`,
      [workspaceId, codeId, error],
    );
  if (wanted.chatIds.length === 0) {
    await fail('community.live_code_no_groups');
    return;
  }
  const client = await workspaceClient(tx, workspaceId);
  const input = {
    scene: 2 as const,
    remark: code.remark || code.name,
    autoCreateRoom: code.auto_create,
    ...(code.auto_create && code.room_base_name ? { roomBaseName: code.room_base_name } : {}),
    ...(code.auto_create && code.room_base_id ? { roomBaseId: code.room_base_id } : {}),
    chatIds: wanted.chatIds,
    state: code.state,
  };
  try {
    let configId = code.config_id;
    if (configId) await client.updateJoinWay(configId, input);
    else configId = (await client.addJoinWay(input)).configId;
    const way = await client.getJoinWay(configId);
    await tx.query(
      `UPDATE community_live_codes
          SET config_id = $3, qr_code = $4, pushed_chat_ids = $5, sync_state = 'synced', sync_error = NULL
        WHERE workspace_id = $1 AND id = $2`,
      [workspaceId, codeId, configId, way.qrCode, wanted.chatIds],
    );
  } catch (err) {
    // WeCom refused (a group out of scope, too many groups …): the code shows why; network trouble is retried.
    if (!(err instanceof WeComApiError)) throw err;
    await fail(err.code);
  }
};

export const deleteJoinWayJob: JobHandler = async (job, tx) => {
  const workspaceId = job.workspaceId;
  const { configId } = job.payload as { configId: string };
  if (!workspaceId) throw new Error(`job ${job.id} has no workspace`);
  try {
    await (await workspaceClient(tx, workspaceId)).deleteJoinWay(configId);
  } catch (err) {
    // Already gone in WeCom (deleted by hand): nothing left to do.
    if (!(err instanceof WeComApiError)) throw err;
  }
};

// ---------------------------------------------------------------------------------------------------------------
// Managing codes.

async function checkGroups(tx: Tx, workspaceId: string, groupIds: string[]): Promise<void> {
  const found = await tx.query<{ id: string }>(
    `SELECT id FROM community_groups WHERE workspace_id = $1 AND id = ANY($2::uuid[]) AND status = 'active'`,
    [workspaceId, groupIds],
  );
  const missing = groupIds.filter((id) => !found.some((f) => f.id === id));
  if (missing.length > 0) throw badRequest('community.unknown_groups', { count: missing.length }, { missing });
}

function checkAutoCreate(autoCreate: boolean, roomBaseName: string | null | undefined): void {
  if (autoCreate && !roomBaseName) throw badRequest('community.room_base_name_required');
}

async function setGroups(tx: Tx, workspaceId: string, codeId: string, groupIds: string[]): Promise<void> {
  await tx.query('DELETE FROM community_live_code_groups WHERE workspace_id = $1 AND code_id = $2', [
    workspaceId,
    codeId,
  ]);
  await tx.query(
    `INSERT INTO community_live_code_groups (workspace_id, code_id, group_id, position)
     SELECT $1, $2, g, p - 1 FROM unnest($3::uuid[]) WITH ORDINALITY AS x (g, p)`,
    [workspaceId, codeId, groupIds],
  );
}

export async function createLiveCode(tx: Tx, workspaceId: string, body: LiveCodeBody, now: Date): Promise<LiveCode> {
  await checkGroups(tx, workspaceId, body.groupIds);
  checkAutoCreate(body.autoCreate ?? false, body.roomBaseName);
  // The state travels with every member who joins through the code (groupchat/get), so joins count per code.
  const state = `gc${randomBytes(9).toString('base64url')}`;
  const rows = await tx.query<{ id: string }>(
    `INSERT INTO community_live_codes (workspace_id, name, remark, state, cap, auto_create, room_base_name,
                                       room_base_id, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id`,
    [
      workspaceId,
      body.name,
      body.remark ?? '',
      state,
      body.cap ?? DEFAULT_CAP,
      body.autoCreate ?? false,
      body.roomBaseName ?? null,
      body.roomBaseId ?? (body.autoCreate ? 1 : null),
      now,
    ],
  );
  const id = (rows[0] as { id: string }).id;
  await setGroups(tx, workspaceId, id, body.groupIds);
  await schedulePush(tx, workspaceId, id);
  return getLiveCode(tx, workspaceId, id, now);
}

export async function updateLiveCode(
  tx: Tx,
  workspaceId: string,
  id: string,
  body: UpdateLiveCodeBody,
  now: Date,
): Promise<LiveCode> {
  const current = await getLiveCode(tx, workspaceId, id, now);
  if (body.groupIds) await checkGroups(tx, workspaceId, body.groupIds);
  const autoCreate = body.autoCreate ?? current.autoCreate;
  const roomBaseName = body.roomBaseName ?? current.roomBaseName;
  checkAutoCreate(autoCreate, roomBaseName);
  await tx.query(
    `UPDATE community_live_codes
        SET name = $3, remark = $4, cap = $5, auto_create = $6, room_base_name = $7, room_base_id = $8,
            updated_at = $9
      WHERE workspace_id = $1 AND id = $2`,
    [
      workspaceId,
      id,
      body.name ?? current.name,
      body.remark ?? current.remark,
      body.cap ?? current.cap,
      autoCreate,
      roomBaseName,
      body.roomBaseId ?? current.roomBaseId ?? (autoCreate ? 1 : null),
      now,
    ],
  );
  if (body.groupIds) await setGroups(tx, workspaceId, id, body.groupIds);
  await schedulePush(tx, workspaceId, id);
  return getLiveCode(tx, workspaceId, id, now);
}

/** Deletes the code; its join way is deleted in WeCom by a job (the printed QR code stops working). */
export async function deleteLiveCode(tx: Tx, workspaceId: string, id: string): Promise<void> {
  const rows = await tx.query<{ config_id: string | null }>(
    'DELETE FROM community_live_codes WHERE workspace_id = $1 AND id = $2 RETURNING config_id',
    [workspaceId, id],
  );
  if (!rows[0]) throw notFound('community.live_code_not_found');
  if (rows[0].config_id) {
    await enqueue(tx, {
      kind: DELETE_JOIN_WAY_JOB,
      workspaceId,
      payload: { configId: rows[0].config_id },
      dedupeKey: `${workspaceId}:${rows[0].config_id}`,
    });
  }
}

async function codesOf(tx: Tx, workspaceId: string, where: string, params: unknown[], now: Date) {
  const rows = await tx.query<CodeRow>(
    `SELECT ${CODE_COLUMNS} FROM community_live_codes WHERE workspace_id = $1 ${where} ORDER BY created_at DESC, id`,
    [workspaceId, ...params],
  );
  if (rows.length === 0) return [];
  const groups = await codeGroups(
    tx,
    workspaceId,
    rows.map((r) => r.id),
  );
  const { timezone } = await workspaceSettings(tx, workspaceId);
  const joins = await tx.query<{ join_state: string; group_id: string; joins: number; today: number }>(
    `SELECT join_state, group_id, count(*)::int AS joins,
            count(*) FILTER (WHERE (at AT TIME ZONE $3)::date = $4::date)::int AS today
       FROM community_member_events
      WHERE workspace_id = $1 AND kind = 'join' AND join_state = ANY($2::text[])
      GROUP BY join_state, group_id`,
    [workspaceId, rows.map((r) => r.state), timezone, dayIn(now, timezone)],
  );
  return rows.map((r): LiveCode => {
    const mine = groups.filter((g) => g.code_id === r.id);
    const wanted = desiredChats(r.cap, mine);
    const counted = joins.filter((j) => j.join_state === r.state);
    const current = mine.find((g) => g.chat_id === wanted.chatIds[0] && !wanted.full);
    return {
      id: r.id,
      name: r.name,
      remark: r.remark,
      state: r.state,
      cap: r.cap,
      autoCreate: r.auto_create,
      roomBaseName: r.room_base_name,
      roomBaseId: r.room_base_id,
      groups: mine.map((g) => ({
        groupId: g.group_id,
        chatId: g.chat_id,
        name: g.name,
        status: g.status,
        memberCount: g.member_count,
        full: g.member_count >= r.cap,
        joins: counted.find((j) => j.group_id === g.group_id)?.joins ?? 0,
      })),
      currentGroupId: current?.group_id ?? null,
      full: wanted.full,
      configId: r.config_id,
      qrCode: r.qr_code,
      pushedChatIds: r.pushed_chat_ids,
      syncState: r.sync_state,
      syncError: r.sync_error,
      joins: counted.reduce((sum, j) => sum + j.joins, 0),
      joinsToday: counted.reduce((sum, j) => sum + j.today, 0),
      createdAt: r.created_at.toISOString(),
    };
  });
}

export async function listLiveCodes(tx: Tx, workspaceId: string, now: Date) {
  return { items: await codesOf(tx, workspaceId, '', [], now), nextCursor: null };
}

export async function getLiveCode(tx: Tx, workspaceId: string, id: string, now: Date): Promise<LiveCode> {
  const [code] = await codesOf(tx, workspaceId, 'AND id = $2', [id], now);
  if (!code) throw notFound('community.live_code_not_found');
  return code;
}
