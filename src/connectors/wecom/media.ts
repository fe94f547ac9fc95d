// The media library (素材库): images an operator uploads once, kept by Siyu, each with its current WeCom temporary
// media id. WeCom's media ids last 3 days, so an id is uploaded when first needed, renewed by a job before it runs
// out (2.5 days) while something uses the image, and uploaded on the spot (once, under a row lock) when a send finds
// it missing or too old. Modules that reference images record their uses, which keeps used images from deletion.
import { createHash } from 'node:crypto';
import { MEDIA_MAX_BYTES, type MediaAsset, type MediaContentType, type MediaListQuery } from '../../contracts/wecom.ts';
import type { Queryable, Tx } from '../../platform/db/index.ts';
import { AppError, badRequest, conflict, notFound } from '../../platform/errors.ts';
import { decodeCursor, pageOf } from '../../platform/http/pagination.ts';
import { FileDownload } from '../../platform/http/routes.ts';
import { enqueue } from '../../platform/jobs/index.ts';
import type { WeComClientOptions } from './client.ts';
import { clientFor, loadSettings } from './settings.ts';

const DAY_MS = 24 * 3600 * 1000;
/** WeCom's lifetime of temporary media. */
export const MEDIA_TTL_MS = 3 * DAY_MS;
/** The renewal job uploads again once an id in use is this old: half a day before WeCom drops it. */
export const MEDIA_RENEW_AFTER_MS = 2.5 * DAY_MS;
/**
 * A send still uses an id up to this age rather than upload first (an upload costs time inside the welcome
 * message's 20 seconds); the margin covers clock skew with WeCom and the time to the send.
 */
export const MEDIA_USABLE_FOR_MS = MEDIA_TTL_MS - 30 * 60 * 1000;

/** Job kinds: the half-hourly search for ids to renew, and one upload of one image. */
export const MEDIA_REFRESH_JOB = 'wecom.media-refresh';
export const MEDIA_UPLOAD_JOB = 'wecom.media-upload';

/** The image's type from its first bytes (names and declared types are whatever the browser guessed). */
export function sniffImage(data: Uint8Array): MediaContentType | null {
  if (data.length >= 3 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'image/jpeg';
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (data.length >= 8 && png.every((b, i) => data[i] === b)) return 'image/png';
  return null;
}

/** What the first bytes look like, for the message that refuses a file (gif, webp, pdf …). */
function describe(data: Uint8Array): string {
  const head = Buffer.from(data.subarray(0, 12));
  if (head.subarray(0, 4).toString('latin1') === 'GIF8') return 'GIF';
  if (head.subarray(0, 4).toString('latin1') === 'RIFF' && head.subarray(8, 12).toString('latin1') === 'WEBP')
    return 'WebP';
  if (head.subarray(0, 4).toString('latin1') === '%PDF') return 'PDF';
  if (head.subarray(0, 2).toString('latin1') === 'BM') return 'BMP';
  return 'unknown';
}

const EXTENSIONS: Record<MediaContentType, string> = { 'image/jpeg': 'jpg', 'image/png': 'png' };

interface AssetRow {
  id: string;
  name: string;
  content_type: MediaContentType;
  size: number;
  sha256: string;
  media_id: string | null;
  media_uploaded_at: Date | null;
  uses: number;
  created_at: Date;
  cursor_at: string;
}

const ASSET_COLUMNS = `a.id, a.name, a.content_type, a.size, a.sha256, a.media_id, a.media_uploaded_at, a.created_at,
  a.created_at::text AS cursor_at,
  (SELECT count(*)::int FROM wecom_media_uses u WHERE u.workspace_id = a.workspace_id AND u.asset_id = a.id) AS uses`;

const toAsset = (r: AssetRow, existing = false): MediaAsset => ({
  id: r.id,
  name: r.name,
  contentType: r.content_type,
  size: r.size,
  sha256: r.sha256,
  wecomMediaId: r.media_id,
  wecomUploadedAt: r.media_uploaded_at?.toISOString() ?? null,
  wecomExpiresAt: r.media_uploaded_at ? new Date(r.media_uploaded_at.getTime() + MEDIA_TTL_MS).toISOString() : null,
  uses: r.uses,
  existing,
  createdAt: r.created_at.toISOString(),
});

async function assetRow(tx: Queryable, workspaceId: string, id: string): Promise<AssetRow> {
  const rows = await tx.query<AssetRow>(
    `SELECT ${ASSET_COLUMNS} FROM wecom_media_assets a WHERE a.workspace_id = $1 AND a.id = $2`,
    [workspaceId, id],
  );
  const row = rows[0];
  if (!row) throw notFound('wecom.media_not_found');
  return row;
}

/**
 * Adds an image to the library: JPG or PNG by its bytes, at most WeCom's 10 MB. The same bytes uploaded again
 * answer the image already there (`existing`), so a retried or repeated upload makes no copy.
 */
export async function uploadAsset(
  tx: Tx,
  workspaceId: string,
  input: { name: string; data: Buffer | undefined; createdBy: string | null },
  now: Date,
): Promise<MediaAsset> {
  const data = input.data ?? Buffer.alloc(0);
  if (data.length === 0) throw badRequest('wecom.media_empty');
  if (data.length > MEDIA_MAX_BYTES) {
    throw new AppError(413, 'wecom.media_too_large', { bytes: data.length, max: MEDIA_MAX_BYTES });
  }
  const contentType = sniffImage(data);
  if (!contentType) throw badRequest('wecom.media_unsupported', { detected: describe(data) });
  const name = input.name.trim();
  if (name === '' || name.length > 100) throw badRequest('wecom.media_name_invalid');
  const sha256 = createHash('sha256').update(data).digest('hex');
  const inserted = await tx.query<{ id: string }>(
    `INSERT INTO wecom_media_assets (workspace_id, name, content_type, size, sha256, data, created_by, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (workspace_id, sha256) DO NOTHING RETURNING id`,
    [workspaceId, name, contentType, data.length, sha256, data, input.createdBy, now],
  );
  if (inserted[0]) return toAsset(await assetRow(tx, workspaceId, inserted[0].id));
  const [same] = await tx.query<{ id: string }>(
    'SELECT id FROM wecom_media_assets WHERE workspace_id = $1 AND sha256 = $2',
    [workspaceId, sha256],
  );
  if (!same) throw new Error('an image with the same sha256 vanished during its upload');
  return toAsset(await assetRow(tx, workspaceId, same.id), true);
}

export async function getAsset(tx: Tx, workspaceId: string, id: string): Promise<MediaAsset> {
  return toAsset(await assetRow(tx, workspaceId, id));
}

export async function listAssets(tx: Tx, workspaceId: string, query: MediaListQuery) {
  const limit = query.limit ?? 50;
  const params: unknown[] = [workspaceId];
  let where = 'a.workspace_id = $1';
  const cursor = decodeCursor(query.cursor);
  if (cursor) {
    params.push(String(cursor[0]), String(cursor[1]));
    where += ' AND (a.created_at, a.id) < ($2::timestamptz, $3::uuid)';
  }
  params.push(limit + 1);
  const rows = await tx.query<AssetRow>(
    `SELECT ${ASSET_COLUMNS} FROM wecom_media_assets a WHERE ${where}
      ORDER BY a.created_at DESC, a.id DESC LIMIT $${params.length}`,
    params,
  );
  return pageOf(
    rows,
    limit,
    (r) => toAsset(r),
    (r) => [r.cursor_at, r.id],
  );
}

/** The image's bytes, for the console's thumbnails (read in one short transaction: at most 10 MB). */
export async function assetContent(tx: Tx, workspaceId: string, id: string): Promise<FileDownload> {
  const row = await assetRow(tx, workspaceId, id);
  const base = row.name.replace(/\.(jpe?g|png)$/i, '');
  return new FileDownload(row.content_type, `${base}.${EXTENSIONS[row.content_type]}`, async function* (read) {
    const [found] = await read((t) =>
      t.query<{ data: Uint8Array }>('SELECT data FROM wecom_media_assets WHERE workspace_id = $1 AND id = $2', [
        workspaceId,
        id,
      ]),
    );
    if (found) yield Buffer.from(found.data);
  });
}

/** Deletes an image no one uses; one in use is refused with 409 `wecom.media_in_use` and its uses in the details. */
export async function deleteAsset(tx: Tx, workspaceId: string, id: string): Promise<void> {
  await assetRow(tx, workspaceId, id);
  const uses = await tx.query<{ owner: string; owner_id: string }>(
    'SELECT owner, owner_id FROM wecom_media_uses WHERE workspace_id = $1 AND asset_id = $2 ORDER BY owner, owner_id',
    [workspaceId, id],
  );
  if (uses.length > 0) {
    throw conflict(
      'wecom.media_in_use',
      { count: uses.length },
      { uses: uses.map((u) => ({ owner: u.owner, ownerId: u.owner_id })) },
    );
  }
  await tx.query('DELETE FROM wecom_media_assets WHERE workspace_id = $1 AND id = $2', [workspaceId, id]);
}

/**
 * Records the images one thing uses (`owner` a kind such as 'acquisition.code', `ownerId` its id), replacing what
 * it used before; an empty list when it is deleted. Unknown images are refused (400 `wecom.media_unknown`, details
 * `missing`). Images without a usable WeCom id get an upload job, so the first send finds one ready.
 */
export async function setMediaUses(
  tx: Tx,
  workspaceId: string,
  owner: string,
  ownerId: string,
  assetIds: readonly string[],
): Promise<void> {
  const ids = [...new Set(assetIds)];
  if (ids.length > 0) {
    const found = await tx.query<{ id: string; media_id: string | null }>(
      'SELECT id, media_id FROM wecom_media_assets WHERE workspace_id = $1 AND id = ANY($2::uuid[])',
      [workspaceId, ids],
    );
    const missing = ids.filter((id) => !found.some((f) => f.id === id));
    if (missing.length > 0) throw badRequest('wecom.media_unknown', { count: missing.length }, { missing });
    for (const asset of found) {
      if (asset.media_id !== null) continue;
      await enqueue(tx, {
        kind: MEDIA_UPLOAD_JOB,
        workspaceId,
        payload: { assetId: asset.id, replace: null },
        dedupeKey: `${asset.id}:first`,
      });
    }
  }
  await tx.query(
    `DELETE FROM wecom_media_uses WHERE workspace_id = $1 AND owner = $2 AND owner_id = $3
        AND NOT (asset_id = ANY($4::uuid[]))`,
    [workspaceId, owner, ownerId, ids],
  );
  if (ids.length > 0) {
    await tx.query(
      `INSERT INTO wecom_media_uses (workspace_id, asset_id, owner, owner_id)
       SELECT $1::uuid, unnest($4::uuid[]), $2::text, $3::text ON CONFLICT DO NOTHING`,
      [workspaceId, owner, ownerId, ids],
    );
  }
}

interface MediaState {
  media_id: string | null;
  media_uploaded_at: Date | null;
  /** The id was uploaded to the corp and API the workspace uses now. */
  same_target: boolean;
  /** The workspace has WeCom settings with a customer-contact secret, so an upload can be tried. */
  has_settings: boolean;
}

const STATE_SQL = `SELECT a.media_id, a.media_uploaded_at,
         coalesce(a.media_target = s.corp_id || ' ' || s.api_base_url, false) AS same_target,
         s.contact_secret IS NOT NULL AS has_settings
    FROM wecom_media_assets a
    LEFT JOIN wecom_settings s ON s.workspace_id = a.workspace_id
   WHERE a.workspace_id = $1 AND a.id = $2`;

export interface EnsureOptions {
  /** Ids uploaded before this instant are not used. */
  uploadedAfter: Date;
  /** An id WeCom just refused (40007): it is replaced even if it looks fresh, unless someone replaced it already. */
  replace?: string | null;
  client?: Omit<WeComClientOptions, 'corpId' | 'secret' | 'baseUrl'>;
}

const usable = (s: MediaState, o: EnsureOptions) =>
  s.media_id !== null &&
  s.same_target &&
  s.media_id !== (o.replace ?? null) &&
  (s.media_uploaded_at?.getTime() ?? 0) > o.uploadedAfter.getTime();

/**
 * The image's WeCom media id, uploaded now when it has none fit for use. The row is locked before an upload, so
 * two sends needing the same image upload it once: the second waits and then finds the first one's id.
 */
export async function ensureMediaId(tx: Tx, workspaceId: string, assetId: string, options: EnsureOptions) {
  const [seen] = await tx.query<MediaState>(STATE_SQL, [workspaceId, assetId]);
  if (!seen) throw notFound('wecom.media_not_found');
  if (usable(seen, options)) return seen.media_id as string;
  await tx.query('SELECT 1 FROM wecom_media_assets WHERE workspace_id = $1 AND id = $2 FOR UPDATE', [
    workspaceId,
    assetId,
  ]);
  const [locked] = await tx.query<MediaState>(STATE_SQL, [workspaceId, assetId]);
  if (locked && usable(locked, options)) return locked.media_id as string;
  const settings = await loadSettings(tx, workspaceId);
  if (!settings) throw notFound('wecom.not_configured');
  const [file] = await tx.query<{ name: string; content_type: MediaContentType; data: Uint8Array }>(
    'SELECT name, content_type, data FROM wecom_media_assets WHERE workspace_id = $1 AND id = $2',
    [workspaceId, assetId],
  );
  if (!file) throw notFound('wecom.media_not_found');
  const client = clientFor(settings, 'contact', options.client);
  const base = file.name.replace(/\.(jpe?g|png)$/i, '');
  const uploaded = await client.uploadMedia('image', {
    filename: `${base}.${EXTENSIONS[file.content_type]}`,
    contentType: file.content_type,
    data: file.data,
  });
  // WeCom counts the 3 days from its own created_at; without one, from our clock's idea of now.
  const uploadedAt = uploaded.createdAt > 0 ? new Date(uploaded.createdAt * 1000) : new Date();
  await tx.query(
    `UPDATE wecom_media_assets SET media_id = $3, media_uploaded_at = $4, media_target = $5
      WHERE workspace_id = $1 AND id = $2`,
    [workspaceId, assetId, uploaded.mediaId, uploadedAt, `${settings.corpId} ${settings.apiBaseUrl}`],
  );
  return uploaded.mediaId;
}

/**
 * Finds the images in use whose id is missing, from another corp, or older than MEDIA_RENEW_AFTER_MS at `now`, and
 * queues one upload job for each (a job per image: one refusal does not hold up the others, and each row is locked
 * only for its own upload). Runs with owner rights across workspaces.
 */
export async function queueRenewals(db: Queryable, now: Date): Promise<number> {
  const due = await db.query<{ workspace_id: string; id: string; media_id: string | null }>(
    `SELECT a.workspace_id, a.id, a.media_id
       FROM wecom_media_assets a
       JOIN wecom_settings s ON s.workspace_id = a.workspace_id AND s.contact_secret IS NOT NULL
      WHERE EXISTS (SELECT 1 FROM wecom_media_uses u WHERE u.workspace_id = a.workspace_id AND u.asset_id = a.id)
        AND (a.media_id IS NULL OR a.media_uploaded_at < $1
             OR a.media_target IS DISTINCT FROM s.corp_id || ' ' || s.api_base_url)`,
    [new Date(now.getTime() - MEDIA_RENEW_AFTER_MS)],
  );
  for (const asset of due) {
    await enqueue(db, {
      kind: MEDIA_UPLOAD_JOB,
      workspaceId: asset.workspace_id,
      payload: { assetId: asset.id, replace: asset.media_id },
      // At most one job per image, id and hour: a refusal (a job that failed for good) is tried again next hour.
      dedupeKey: `${asset.id}:${asset.media_id ?? 'none'}:${now.toISOString().slice(0, 13)}`,
    });
  }
  return due.length;
}

/**
 * One upload job: replaces `replace` (the id found old) unless someone replaced it meanwhile, or uploads a first id.
 * The decision rests on the id, not on a clock, so the job does the same whatever time it runs.
 */
export async function uploadJob(tx: Tx, workspaceId: string, payload: unknown): Promise<void> {
  const { assetId, replace } = payload as { assetId: string; replace: string | null };
  const [state] = await tx.query<MediaState>(STATE_SQL, [workspaceId, assetId]);
  if (!state?.has_settings) return;
  await ensureMediaId(tx, workspaceId, assetId, {
    // Any id other than `replace`, uploaded to this corp, is what the job was to produce.
    uploadedAfter: new Date(0),
    replace: replace ?? null,
  });
}
