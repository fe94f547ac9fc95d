// Channel live codes (渠道活码): a guide pool behind one QR code. Each code is a WeCom contact way (several users,
// QR code) with a unique state; a trackable link to the code gets a contact way of its own with the same guides.
// Rotation is realised as WeCom allows it: the user list of the ways is recomputed (rotation.ts) after every add
// through the code, by a job every minute (working hours, caps at midnight, resigned guides) and on every edit,
// stored on the code, and pushed with update_contact_way in a job whenever it changed. Expired and deleted codes
// have their contact ways deleted from WeCom by a job.
import { setMediaUses, WeComApiError, workspaceClient } from '../../connectors/wecom/index.ts';
import type {
  ChannelCode,
  ChannelCodeBody,
  CodeListQuery,
  CodeStatus,
  ContactWayStatus,
  ExposureReason,
  PoolGuide,
  RefreshResult,
  RotationMode,
  SyncState,
  UpdateChannelCodeBody,
  WelcomeMessage,
  WorkingHours,
} from '../../contracts/acquisition.ts';
import type { Tx } from '../../platform/db/index.ts';
import { AppError, badRequest, conflict, notFound } from '../../platform/errors.ts';
import { decodeCursor, pageOf } from '../../platform/http/pagination.ts';
import { enqueue, type JobHandler } from '../../platform/jobs/index.ts';
import { type GuideRef, guideByStaffId } from '../relationships/index.ts';
import { getTag } from '../tags/index.ts';
import { usableChannel } from './channels.ts';
import { minutesOf, type PoolMember, rotate } from './rotation.ts';
import { newState, workspaceInfo } from './shared.ts';
import { assetIdsOf, checkWelcome } from './welcome.ts';

export const PUSH_WAY_JOB = 'acquisition.push-way';
/** How a code's welcome message names itself among the users of media library images. */
const CODE_MEDIA_OWNER = 'acquisition.code';
export const DELETE_WAY_JOB = 'acquisition.delete-way';
/** WeCom keeps a contact way's remark to 30 characters. */
const REMARK_MAX = 30;

export interface CodeRow {
  id: string;
  name: string;
  remark: string;
  channel_id: string;
  channel_key: string;
  channel_name: string;
  mode: RotationMode;
  daily_cap: number | null;
  working_hours: WorkingHours | null;
  backup_staff_id: string | null;
  skip_verify: boolean;
  tag_ids: string[];
  welcome: WelcomeMessage | null;
  expires_at: Date | null;
  paused_at: Date | null;
  expired_at: Date | null;
  deleted_at: Date | null;
  current_staff_id: string | null;
  swrr: Record<string, number>;
  exposed_userids: string[];
  exposure: ExposureReason;
  created_at: Date;
  updated_at: Date;
  cursor_at: string;
}

interface PoolRow {
  code_id: string;
  staff_id: string;
  weight: number;
  position: number;
}

export interface WayRow {
  id: string;
  code_id: string;
  link_id: string | null;
  state: string;
  config_id: string | null;
  qr_code: string | null;
  pushed_userids: string[];
  push_version: number;
  sync_state: SyncState;
  sync_error: string | null;
  synced_at: Date | null;
  removed_at: Date | null;
}

const CODE_SELECT = `
  SELECT c.id, c.name, c.remark, c.channel_id, ch.key AS channel_key, ch.name AS channel_name, c.mode, c.daily_cap,
         c.working_hours, c.backup_staff_id, c.skip_verify, c.tag_ids, c.welcome, c.expires_at, c.paused_at,
         c.expired_at, c.deleted_at, c.current_staff_id, c.swrr, c.exposed_userids, c.exposure, c.created_at,
         c.updated_at, c.created_at::text AS cursor_at
    FROM acquisition_codes c
    JOIN acquisition_channels ch ON ch.workspace_id = c.workspace_id AND ch.id = c.channel_id`;

export const WAY_COLUMNS = `id, code_id, link_id, state, config_id, qr_code, pushed_userids, push_version, sync_state,
  sync_error, synced_at, removed_at`;

export const toWayStatus = (w: WayRow): ContactWayStatus => ({
  id: w.id,
  linkId: w.link_id,
  state: w.state,
  configId: w.config_id,
  qrCode: w.qr_code,
  pushedUserIds: w.pushed_userids,
  syncState: w.sync_state,
  syncError: w.sync_error,
  syncedAt: w.synced_at?.toISOString() ?? null,
});

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

export function codeStatus(c: Pick<CodeRow, 'expires_at' | 'expired_at' | 'paused_at'>, now: Date): CodeStatus {
  if (c.expired_at || (c.expires_at && c.expires_at <= now)) return 'expired';
  return c.paused_at ? 'paused' : 'active';
}

/** The start of the day of `$at` in the time zone `$tz`, as SQL over two parameter references. */
export const dayStartSql = (at: string, tz: string) =>
  `(date_trunc('day', ${at}::timestamptz AT TIME ZONE ${tz}) AT TIME ZONE ${tz})`;

/** Guides by staff id, as the relationships module knows them (null: not linked to a WeCom member). */
export async function guideRefs(tx: Tx, workspaceId: string, staffIds: Iterable<string>) {
  const refs = new Map<string, GuideRef | null>();
  for (const id of new Set(staffIds)) refs.set(id, await guideByStaffId(tx, workspaceId, id));
  return refs;
}

// ---------------------------------------------------------------------------------------------------------------
// Rotation: recompute who WeCom shows and push it when it changed.

/** Marks a contact way for a push; the job carries the version, so only the newest push of a way runs. */
export async function schedulePush(tx: Tx, workspaceId: string, wayId: string): Promise<void> {
  const rows = await tx.query<{ push_version: number }>(
    `UPDATE acquisition_ways SET push_version = push_version + 1, sync_state = 'pending'
      WHERE workspace_id = $1 AND id = $2 AND removed_at IS NULL RETURNING push_version`,
    [workspaceId, wayId],
  );
  const version = rows[0]?.push_version;
  if (version === undefined) return;
  await enqueue(tx, {
    kind: PUSH_WAY_JOB,
    workspaceId,
    payload: { wayId, version },
    dedupeKey: `${workspaceId}:${wayId}:${version}`,
  });
}

async function pushAllWays(tx: Tx, workspaceId: string, codeId: string, onlyStale: string[] | null): Promise<number> {
  const ways = await tx.query<{ id: string; pushed_userids: string[]; sync_state: SyncState }>(
    `SELECT id, pushed_userids, sync_state FROM acquisition_ways
      WHERE workspace_id = $1 AND code_id = $2 AND removed_at IS NULL`,
    [workspaceId, codeId],
  );
  let pushed = 0;
  for (const way of ways) {
    if (onlyStale && way.sync_state === 'synced' && sameList(way.pushed_userids, onlyStale)) continue;
    await schedulePush(tx, workspaceId, way.id);
    pushed++;
  }
  return pushed;
}

/**
 * Recomputes a code's exposure at `at` (after an add with `advance`, which moves round-robin and weighted codes on
 * to the next guide) and queues pushes for its contact ways whose list differs. Returns whether a push was queued.
 */
export async function recompute(
  tx: Tx,
  workspaceId: string,
  codeId: string,
  at: Date,
  advance: boolean,
  timezone?: string,
): Promise<boolean> {
  // NO KEY UPDATE, not UPDATE: the attributions being written hold KEY SHARE on the code through their foreign key,
  // and a full UPDATE lock waiting on those while they wait on it is a deadlock (concurrent adds through one code).
  const [code] = await tx.query<CodeRow>(
    `${CODE_SELECT} WHERE c.workspace_id = $1 AND c.id = $2 FOR NO KEY UPDATE OF c`,
    [workspaceId, codeId],
  );
  if (!code || code.deleted_at || code.expired_at) return false;
  const tz = timezone ?? (await workspaceInfo(tx, workspaceId)).timezone;
  const pool = await tx.query<PoolRow>(
    `SELECT code_id, staff_id, weight, position FROM acquisition_code_guides
      WHERE workspace_id = $1 AND code_id = $2 ORDER BY position`,
    [workspaceId, codeId],
  );
  const refs = await guideRefs(tx, workspaceId, [
    ...pool.map((g) => g.staff_id),
    ...(code.backup_staff_id ? [code.backup_staff_id] : []),
  ]);
  const counts = await tx.query<{ wecom_userid: string; n: number }>(
    `SELECT wecom_userid, count(*)::int AS n FROM acquisitions
      WHERE workspace_id = $1 AND code_id = $2 AND added_at >= ${dayStartSql('$3', '$4')}
        AND added_at < ${dayStartSql('$3', '$4')} + interval '1 day'
      GROUP BY wecom_userid`,
    [workspaceId, codeId, at, tz],
  );
  const members: PoolMember[] = pool.flatMap((g) => {
    const ref = refs.get(g.staff_id);
    if (!ref) return [];
    return [
      {
        staffId: g.staff_id,
        wecomUserId: ref.wecomUserId,
        weight: g.weight,
        active: ref.status === 'active',
        addsToday: counts.find((c) => c.wecom_userid === ref.wecomUserId)?.n ?? 0,
      },
    ];
  });
  const backup = code.backup_staff_id ? refs.get(code.backup_staff_id) : null;
  const result = rotate({
    mode: code.mode,
    pool: members,
    dailyCap: code.daily_cap,
    workingHours: code.working_hours,
    timezone: tz,
    at,
    backup: backup
      ? { staffId: backup.staffId, wecomUserId: backup.wecomUserId, active: backup.status === 'active' }
      : null,
    current: code.current_staff_id,
    swrr: code.swrr,
    advance,
  });
  await tx.query(
    `UPDATE acquisition_codes SET current_staff_id = $3, swrr = $4::jsonb, exposed_userids = $5, exposure = $6
      WHERE workspace_id = $1 AND id = $2`,
    [workspaceId, codeId, result.current, JSON.stringify(result.swrr), result.userIds, result.exposure],
  );
  return (await pushAllWays(tx, workspaceId, codeId, result.userIds)) > 0;
}

/** Pushes one contact way to WeCom: created the first time (its QR code comes back), updated after. */
export const pushWayJob: JobHandler = async (job, tx) => {
  const workspaceId = job.workspaceId;
  const { wayId, version } = job.payload as { wayId: string; version: number };
  if (!workspaceId) throw new Error(`job ${job.id} has no workspace`);
  const [way] = await tx.query<WayRow>(
    `SELECT ${WAY_COLUMNS} FROM acquisition_ways WHERE workspace_id = $1 AND id = $2 FOR UPDATE`,
    [workspaceId, wayId],
  );
  // A newer change queued its own push; this one would only send an older list.
  if (!way || way.push_version !== version || way.removed_at) return;
  const [code] = await tx.query<CodeRow>(`${CODE_SELECT} WHERE c.workspace_id = $1 AND c.id = $2`, [
    workspaceId,
    way.code_id,
  ]);
  if (!code || code.deleted_at || code.expired_at) return;
  const fail = (error: string) =>
    tx.query(`UPDATE acquisition_ways SET sync_state = 'failed', sync_error = $3 WHERE workspace_id = $1 AND id = $2`, [
      workspaceId,
      wayId,
      error,
    ]);
  const userIds = code.exposed_userids;
  if (userIds.length === 0) return void (await fail('acquisition.no_available_guides'));
  const changes = { remark: code.name.slice(0, REMARK_MAX), skipVerify: code.skip_verify, userIds };
  try {
    const client = await workspaceClient(tx, workspaceId);
    let configId = way.config_id;
    let qrCode = way.qr_code;
    if (configId) {
      try {
        await client.updateContactWay(configId, changes);
      } catch (err) {
        // Deleted by hand in WeCom's admin page: a new contact way (and QR code) replaces it.
        if (!(err instanceof WeComApiError && err.code === 'wecom.invalid_config_id')) throw err;
        configId = null;
      }
    }
    if (!configId) {
      const added = await client.addContactWay({ type: 2, scene: 2, state: way.state, ...changes });
      configId = added.configId;
      qrCode = added.qrCode ?? (await client.getContactWay(configId)).qrCode;
    }
    await tx.query(
      `UPDATE acquisition_ways SET config_id = $3, qr_code = $4, pushed_userids = $5, sync_state = 'synced',
              sync_error = NULL, synced_at = now()
        WHERE workspace_id = $1 AND id = $2`,
      [workspaceId, wayId, configId, qrCode, userIds],
    );
  } catch (err) {
    // WeCom refused (a guide out of the app's scope, no customer-contact permission …) or the workspace has no
    // WeCom settings: the code shows why, and POST …/sync tries again. Network trouble is retried by the job.
    if (err instanceof AppError && (err instanceof WeComApiError || err.code === 'wecom.not_configured')) {
      return void (await fail(err.code));
    }
    throw err;
  }
};

export const deleteWayJob: JobHandler = async (job, tx) => {
  const workspaceId = job.workspaceId;
  const { configId } = job.payload as { configId: string };
  if (!workspaceId) throw new Error(`job ${job.id} has no workspace`);
  try {
    await (await workspaceClient(tx, workspaceId)).deleteContactWay(configId);
  } catch (err) {
    // Already gone in WeCom (deleted by hand), or WeCom no longer configured: nothing left to delete from here.
    if (!(err instanceof WeComApiError || (err instanceof AppError && err.code === 'wecom.not_configured'))) throw err;
  }
};

/** Takes contact ways out of WeCom (code expired or deleted, link deleted): marked removed, deleted by a job. */
export async function removeWays(tx: Tx, workspaceId: string, where: string, params: unknown[]): Promise<void> {
  const ways = await tx.query<{ config_id: string | null }>(
    `UPDATE acquisition_ways SET removed_at = now()
      WHERE workspace_id = $1 AND removed_at IS NULL AND ${where} RETURNING config_id`,
    [workspaceId, ...params],
  );
  for (const w of ways) {
    if (!w.config_id) continue;
    await enqueue(tx, {
      kind: DELETE_WAY_JOB,
      workspaceId,
      payload: { configId: w.config_id },
      dedupeKey: `${workspaceId}:${w.config_id}`,
    });
  }
}

/** Checks rotation and expiry of every live code of a workspace at `now` (the minute job, POST …/refresh). */
export async function refreshWorkspace(tx: Tx, workspaceId: string, now: Date): Promise<RefreshResult> {
  const { timezone } = await workspaceInfo(tx, workspaceId);
  const codes = await tx.query<{ id: string; expires_at: Date | null }>(
    `SELECT id, expires_at FROM acquisition_codes
      WHERE workspace_id = $1 AND deleted_at IS NULL AND expired_at IS NULL ORDER BY id`,
    [workspaceId],
  );
  const result: RefreshResult = { checked: codes.length, pushed: 0, expired: 0 };
  for (const code of codes) {
    if (code.expires_at && code.expires_at <= now) {
      await tx.query('UPDATE acquisition_codes SET expired_at = $3 WHERE workspace_id = $1 AND id = $2', [
        workspaceId,
        code.id,
        now,
      ]);
      await removeWays(tx, workspaceId, 'code_id = $2', [code.id]);
      result.expired++;
    } else if (await recompute(tx, workspaceId, code.id, now, false, timezone)) {
      result.pushed++;
    }
  }
  // Ends nobody claimed in two days belonged to relationships no code brought.
  await tx.query(
    `DELETE FROM acquisition_early_ends WHERE workspace_id = $1 AND recorded_at < $2::timestamptz - interval '2 days'`,
    [workspaceId, now],
  );
  return result;
}

// ---------------------------------------------------------------------------------------------------------------
// Managing codes.

async function checkGuides(tx: Tx, workspaceId: string, staffIds: string[]): Promise<void> {
  if (new Set(staffIds).size !== staffIds.length) throw badRequest('acquisition.duplicate_guides');
  const refs = await guideRefs(tx, workspaceId, staffIds);
  const missing = staffIds.filter((id) => refs.get(id)?.status !== 'active');
  if (missing.length > 0) throw badRequest('acquisition.unknown_guides', { count: missing.length }, { missing });
}

async function checkTags(tx: Tx, workspaceId: string, tagIds: string[]): Promise<void> {
  const missing: string[] = [];
  for (const id of tagIds) {
    try {
      const tag = await getTag(tx, workspaceId, id);
      if (tag.rule) throw badRequest('acquisition.rule_tag', { name: tag.name });
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'tag.not_found')) throw err;
      missing.push(id);
    }
  }
  if (missing.length > 0) throw badRequest('acquisition.unknown_tags', { count: missing.length }, { missing });
}

function checkHours(hours: WorkingHours | null | undefined): void {
  if (hours && minutesOf(hours.from) >= minutesOf(hours.to)) {
    throw badRequest('acquisition.invalid_working_hours', { from: hours.from, to: hours.to });
  }
}

function checkExpiry(expiresAt: string | null | undefined, now: Date): void {
  if (expiresAt && new Date(expiresAt) <= now) throw badRequest('acquisition.expiry_in_past');
}

async function setPool(tx: Tx, workspaceId: string, codeId: string, guides: ChannelCodeBody['guides']) {
  await tx.query('DELETE FROM acquisition_code_guides WHERE workspace_id = $1 AND code_id = $2', [workspaceId, codeId]);
  await tx.query(
    `INSERT INTO acquisition_code_guides (workspace_id, code_id, staff_id, weight, position)
     SELECT $1, $2, s, w, p - 1 FROM unnest($3::uuid[], $4::int[]) WITH ORDINALITY AS x (s, w, p)`,
    [workspaceId, codeId, guides.map((g) => g.staffId), guides.map((g) => g.weight ?? 1)],
  );
}

/** A new contact way for a code (its own, or a link's), pushed to WeCom by a job. */
export async function addWay(tx: Tx, workspaceId: string, codeId: string, linkId: string | null): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const rows = await tx.query<{ id: string }>(
      `INSERT INTO acquisition_ways (workspace_id, code_id, link_id, state) VALUES ($1, $2, $3, $4)
       ON CONFLICT (workspace_id, state) DO NOTHING RETURNING id`,
      [workspaceId, codeId, linkId, newState(linkId ? 'link' : 'code')],
    );
    if (rows[0]) {
      await schedulePush(tx, workspaceId, rows[0].id);
      return rows[0].id;
    }
    // 62^14 states: a collision is next to impossible, but an insert that silently did nothing must not pass.
    if (attempt >= 3) throw new Error('could not draw a unique contact way state');
  }
}

export async function createCode(tx: Tx, workspaceId: string, body: ChannelCodeBody, now: Date): Promise<string> {
  await usableChannel(tx, workspaceId, body.channelId);
  await checkGuides(
    tx,
    workspaceId,
    body.guides.map((g) => g.staffId),
  );
  if (body.backupStaffId) await checkBackup(tx, workspaceId, body.backupStaffId);
  await checkTags(tx, workspaceId, body.tagIds ?? []);
  checkHours(body.workingHours);
  checkExpiry(body.expiresAt, now);
  if (body.welcome) checkWelcome(body.welcome);
  const rows = await tx.query<{ id: string }>(
    `INSERT INTO acquisition_codes (workspace_id, name, remark, channel_id, mode, daily_cap, working_hours,
                                    backup_staff_id, skip_verify, tag_ids, welcome, expires_at, created_at,
                                    updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, $11::jsonb, $12, $13, $13) RETURNING id`,
    [
      workspaceId,
      body.name,
      body.remark ?? '',
      body.channelId,
      body.mode ?? 'round_robin',
      body.dailyCap ?? null,
      body.workingHours ? JSON.stringify(body.workingHours) : null,
      body.backupStaffId ?? null,
      body.skipVerify ?? true,
      body.tagIds ?? [],
      body.welcome ? JSON.stringify(body.welcome) : null,
      body.expiresAt ?? null,
      now,
    ],
  );
  const id = (rows[0] as { id: string }).id;
  await setMediaUses(tx, workspaceId, CODE_MEDIA_OWNER, id, assetIdsOf(body.welcome ?? null));
  await setPool(tx, workspaceId, id, body.guides);
  await addWay(tx, workspaceId, id, null);
  await recompute(tx, workspaceId, id, now, false);
  return id;
}

async function checkBackup(tx: Tx, workspaceId: string, staffId: string): Promise<void> {
  const ref = await guideByStaffId(tx, workspaceId, staffId);
  if (ref?.status !== 'active') throw badRequest('acquisition.unknown_guides', { count: 1 }, { missing: [staffId] });
}

async function liveCode(tx: Tx, workspaceId: string, id: string): Promise<CodeRow> {
  const [code] = await tx.query<CodeRow>(
    `${CODE_SELECT} WHERE c.workspace_id = $1 AND c.id = $2 FOR NO KEY UPDATE OF c`,
    [workspaceId, id],
  );
  if (!code || code.deleted_at) throw notFound('acquisition.code_not_found');
  return code;
}

export async function updateCode(
  tx: Tx,
  workspaceId: string,
  id: string,
  body: UpdateChannelCodeBody,
  now: Date,
): Promise<void> {
  const code = await liveCode(tx, workspaceId, id);
  if (body.channelId) await usableChannel(tx, workspaceId, body.channelId);
  if (body.guides) {
    await checkGuides(
      tx,
      workspaceId,
      body.guides.map((g) => g.staffId),
    );
  }
  if (body.backupStaffId) await checkBackup(tx, workspaceId, body.backupStaffId);
  if (body.tagIds) await checkTags(tx, workspaceId, body.tagIds);
  checkHours(body.workingHours);
  checkExpiry(body.expiresAt, now);
  if (body.welcome) checkWelcome(body.welcome);
  const set = <T>(value: T | undefined, current: T) => (value === undefined ? current : value);
  const hours = set(body.workingHours, code.working_hours);
  const welcome = set(body.welcome, code.welcome);
  const expiresAt = set(body.expiresAt, code.expires_at?.toISOString() ?? null);
  // An expired code given a later expiry comes back with new contact ways (WeCom deleted the old QR codes).
  const revive = code.expired_at !== null && body.expiresAt !== undefined;
  await tx.query(
    `UPDATE acquisition_codes
        SET name = $3, remark = $4, channel_id = $5, mode = $6, daily_cap = $7, working_hours = $8::jsonb,
            backup_staff_id = $9, skip_verify = $10, tag_ids = $11, welcome = $12::jsonb, expires_at = $13,
            expired_at = CASE WHEN $14 THEN NULL ELSE expired_at END,
            current_staff_id = CASE WHEN $6 = mode THEN current_staff_id END,
            swrr = CASE WHEN $6 = mode THEN swrr ELSE '{}' END,
            updated_at = $15
      WHERE workspace_id = $1 AND id = $2`,
    [
      workspaceId,
      id,
      set(body.name, code.name),
      set(body.remark, code.remark),
      set(body.channelId, code.channel_id),
      set(body.mode, code.mode),
      set(body.dailyCap, code.daily_cap),
      hours ? JSON.stringify(hours) : null,
      set(body.backupStaffId, code.backup_staff_id),
      set(body.skipVerify, code.skip_verify),
      set(body.tagIds, code.tag_ids),
      welcome ? JSON.stringify(welcome) : null,
      expiresAt,
      revive,
      now,
    ],
  );
  if (body.welcome !== undefined) await setMediaUses(tx, workspaceId, CODE_MEDIA_OWNER, id, assetIdsOf(welcome));
  if (body.guides) await setPool(tx, workspaceId, id, body.guides);
  if (revive) {
    // The old states stay with the old (deleted) ways, so adds through old QR codes are still told apart.
    const links = await tx.query<{ id: string }>(
      'SELECT id FROM acquisition_links WHERE workspace_id = $1 AND code_id = $2 AND deleted_at IS NULL',
      [workspaceId, id],
    );
    await addWay(tx, workspaceId, id, null);
    for (const link of links) await addWay(tx, workspaceId, id, link.id);
  }
  await recompute(tx, workspaceId, id, now, false);
  // Remark and skip_verify live on every contact way too.
  await pushAllWays(tx, workspaceId, id, null);
}

export async function setPaused(tx: Tx, workspaceId: string, id: string, paused: boolean, now: Date) {
  const code = await liveCode(tx, workspaceId, id);
  if (codeStatus(code, now) === 'expired') throw conflict('acquisition.code_expired', { name: code.name });
  await tx.query(
    `UPDATE acquisition_codes SET paused_at = CASE WHEN $3 THEN coalesce(paused_at, $4) END, updated_at = $4
      WHERE workspace_id = $1 AND id = $2`,
    [workspaceId, id, paused, now],
  );
}

/** POST …/sync: pushes every live contact way of the code again (after WeCom refused, or to repair by hand). */
export async function syncCode(tx: Tx, workspaceId: string, id: string, now: Date): Promise<void> {
  const code = await liveCode(tx, workspaceId, id);
  if (codeStatus(code, now) === 'expired') throw conflict('acquisition.code_expired', { name: code.name });
  await recompute(tx, workspaceId, id, now, false);
  await pushAllWays(tx, workspaceId, id, null);
}

/** Deletes a code: its contact ways leave WeCom (printed QR codes stop working); its adds stay in the statistics. */
export async function deleteCode(tx: Tx, workspaceId: string, id: string, now: Date): Promise<void> {
  await liveCode(tx, workspaceId, id);
  await tx.query('UPDATE acquisition_codes SET deleted_at = $3, updated_at = $3 WHERE workspace_id = $1 AND id = $2', [
    workspaceId,
    id,
    now,
  ]);
  // A deleted code sends nothing more, so its images may leave the media library.
  await setMediaUses(tx, workspaceId, CODE_MEDIA_OWNER, id, []);
  await removeWays(tx, workspaceId, 'code_id = $2', [id]);
}

// ---------------------------------------------------------------------------------------------------------------
// Reading codes.

async function toCodes(tx: Tx, workspaceId: string, rows: CodeRow[], now: Date): Promise<ChannelCode[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const { timezone } = await workspaceInfo(tx, workspaceId);
  const pool = await tx.query<PoolRow>(
    `SELECT code_id, staff_id, weight, position FROM acquisition_code_guides
      WHERE workspace_id = $1 AND code_id = ANY($2::uuid[]) ORDER BY code_id, position`,
    [workspaceId, ids],
  );
  const ways = await tx.query<WayRow>(
    `SELECT ${WAY_COLUMNS} FROM acquisition_ways
      WHERE workspace_id = $1 AND code_id = ANY($2::uuid[]) AND (removed_at IS NULL OR link_id IS NULL)
      ORDER BY code_id, link_id NULLS FIRST, removed_at NULLS FIRST, created_at DESC`,
    [workspaceId, ids],
  );
  const counts = await tx.query<{ code_id: string; wecom_userid: string; adds: number; today: number; lost: number }>(
    `SELECT code_id, wecom_userid, count(*)::int AS adds, count(*) FILTER (WHERE lost_at IS NOT NULL)::int AS lost,
            count(*) FILTER (WHERE added_at >= ${dayStartSql('$3', '$4')})::int AS today
       FROM acquisitions WHERE workspace_id = $1 AND code_id = ANY($2::uuid[])
      GROUP BY code_id, wecom_userid`,
    [workspaceId, ids, now, timezone],
  );
  const refs = await guideRefs(tx, workspaceId, [
    ...pool.map((g) => g.staff_id),
    ...rows.flatMap((r) => (r.backup_staff_id ? [r.backup_staff_id] : [])),
  ]);
  const tagNames = new Map<string, string | null>();
  for (const tagId of new Set(rows.flatMap((r) => r.tag_ids))) {
    try {
      tagNames.set(tagId, (await getTag(tx, workspaceId, tagId)).name);
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'tag.not_found')) throw err;
      tagNames.set(tagId, null);
    }
  }
  return rows.map((r): ChannelCode => {
    const mine = counts.filter((c) => c.code_id === r.id);
    const own = ways.find((w) => w.code_id === r.id && w.link_id === null);
    const live = ways.filter((w) => w.code_id === r.id && w.removed_at === null);
    const states = live.map((w) => w.sync_state);
    const syncState: SyncState = states.includes('failed')
      ? 'failed'
      : states.includes('pending')
        ? 'pending'
        : 'synced';
    const guides = pool
      .filter((g) => g.code_id === r.id)
      .map((g): PoolGuide => {
        const ref = refs.get(g.staff_id) ?? null;
        const today = mine.find((c) => c.wecom_userid === ref?.wecomUserId)?.today ?? 0;
        return {
          staffId: g.staff_id,
          name: ref?.name ?? '',
          wecomUserId: ref?.wecomUserId ?? '',
          weight: g.weight,
          active: ref?.status === 'active',
          addsToday: today,
          capped: r.daily_cap !== null && today >= r.daily_cap,
          exposed: ref !== null && r.exposed_userids.includes(ref.wecomUserId),
        };
      });
    return {
      id: r.id,
      name: r.name,
      remark: r.remark,
      channel: { id: r.channel_id, key: r.channel_key, name: r.channel_name },
      mode: r.mode,
      guides,
      dailyCap: r.daily_cap,
      workingHours: r.working_hours,
      backupStaffId: r.backup_staff_id,
      backupName: r.backup_staff_id ? (refs.get(r.backup_staff_id)?.name ?? null) : null,
      skipVerify: r.skip_verify,
      tags: r.tag_ids.flatMap((id) => {
        const name = tagNames.get(id);
        return name ? [{ id, name }] : [];
      }),
      welcome: r.welcome,
      expiresAt: r.expires_at?.toISOString() ?? null,
      status: codeStatus(r, now),
      state: own?.state ?? '',
      configId: own?.removed_at ? null : (own?.config_id ?? null),
      qrCode: own?.removed_at ? null : (own?.qr_code ?? null),
      exposedUserIds: r.exposed_userids,
      exposure: r.exposure,
      syncState,
      syncError: live.find((w) => w.sync_state === 'failed')?.sync_error ?? null,
      ways: live.map(toWayStatus),
      adds: mine.reduce((sum, c) => sum + c.adds, 0),
      addsToday: mine.reduce((sum, c) => sum + c.today, 0),
      lost: mine.reduce((sum, c) => sum + c.lost, 0),
      createdAt: r.created_at.toISOString(),
      updatedAt: r.updated_at.toISOString(),
    };
  });
}

/** SQL of "the code's pool or backup has this guide" over a staff id parameter. */
const memberSql = (staffParam: string) => `(c.backup_staff_id = ${staffParam} OR EXISTS (
  SELECT 1 FROM acquisition_code_guides g WHERE g.workspace_id = c.workspace_id AND g.code_id = c.id
     AND g.staff_id = ${staffParam}))`;

export async function listCodes(
  tx: Tx,
  workspaceId: string,
  query: CodeListQuery,
  own: string | null,
  now: Date,
): Promise<{ items: ChannelCode[]; nextCursor: string | null }> {
  const limit = query.limit ?? 50;
  const params: unknown[] = [workspaceId];
  const where = ['c.workspace_id = $1', 'c.deleted_at IS NULL'];
  const add = (sql: (p: string) => string, value: unknown) => {
    params.push(value);
    where.push(sql(`$${params.length}`));
  };
  if (query.channelId) add((p) => `c.channel_id = ${p}`, query.channelId);
  if (query.staffId) add((p) => memberSql(`${p}::uuid`), query.staffId);
  if (own) add((p) => memberSql(`${p}::uuid`), own);
  if (query.q)
    add(
      (p) => `c.name ILIKE '%' || ${p} || '%'`,
      query.q.replace(/[\\%_]/g, (m) => `\\${m}`),
    );
  if (query.status) {
    params.push(now);
    const expired = `(c.expired_at IS NOT NULL OR coalesce(c.expires_at <= $${params.length}, false))`;
    if (query.status === 'expired') where.push(expired);
    if (query.status === 'paused') where.push(`c.paused_at IS NOT NULL AND NOT ${expired}`);
    if (query.status === 'active') where.push(`c.paused_at IS NULL AND NOT ${expired}`);
  }
  const cursor = decodeCursor(query.cursor);
  if (cursor) {
    params.push(String(cursor[0]), String(cursor[1]));
    where.push(`(c.created_at, c.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  params.push(limit + 1);
  const rows = await tx.query<CodeRow>(
    `${CODE_SELECT} WHERE ${where.join(' AND ')} ORDER BY c.created_at DESC, c.id DESC LIMIT $${params.length}`,
    params,
  );
  const page = pageOf(
    rows,
    limit,
    (r) => r,
    (r) => [r.cursor_at, r.id],
  );
  return { items: await toCodes(tx, workspaceId, page.items, now), nextCursor: page.nextCursor };
}

export async function getCode(
  tx: Tx,
  workspaceId: string,
  id: string,
  own: string | null,
  now: Date,
): Promise<ChannelCode> {
  const params: unknown[] = [workspaceId, id];
  if (own) params.push(own);
  const rows = await tx.query<CodeRow>(
    `${CODE_SELECT} WHERE c.workspace_id = $1 AND c.id = $2 AND c.deleted_at IS NULL
       ${own ? `AND ${memberSql('$3::uuid')}` : ''}`,
    params,
  );
  const [code] = await toCodes(tx, workspaceId, rows, now);
  if (!code) throw notFound('acquisition.code_not_found');
  return code;
}
