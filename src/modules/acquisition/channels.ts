// Channels (渠道): where a code or link is put to work (a store's counter, a poster, the official account …). Each
// workspace has its own list, seeded with the usual ones in its language the first time it is read; operators add
// their own, rename and archive. A channel's key becomes the source channel of customers it brings.
import {
  type Channel,
  type ChannelBody,
  type ChannelListQuery,
  type ChannelRef,
  DEFAULT_CHANNEL_KEYS,
  type UpdateChannelBody,
} from '../../contracts/acquisition.ts';
import { sqlState, type Tx, UNIQUE_VIOLATION } from '../../platform/db/index.ts';
import { badRequest, conflict, notFound } from '../../platform/errors.ts';
import { translate } from '../../platform/i18n/index.ts';
import { workspaceInfo } from './shared.ts';

interface ChannelRow {
  id: string;
  key: string;
  name: string;
  sort: number;
  builtin: boolean;
  archived_at: Date | null;
  code_count: number;
  link_count: number;
  created_at: Date;
}

const toChannel = (r: ChannelRow): Channel => ({
  id: r.id,
  key: r.key,
  name: r.name,
  sort: r.sort,
  builtin: r.builtin,
  archived: r.archived_at !== null,
  codeCount: r.code_count,
  linkCount: r.link_count,
  createdAt: r.created_at.toISOString(),
});

/** Seeds the default channels once (a workspace that deleted none keeps them; the insert is idempotent). */
export async function ensureChannels(tx: Tx, workspaceId: string): Promise<void> {
  const [seeded] = await tx.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM acquisition_channels WHERE workspace_id = $1 AND builtin',
    [workspaceId],
  );
  if ((seeded?.n ?? 0) >= DEFAULT_CHANNEL_KEYS.length) return;
  const { locale } = await workspaceInfo(tx, workspaceId);
  await tx.query(
    `INSERT INTO acquisition_channels (workspace_id, key, name, sort, builtin)
     SELECT $1, k, n, (s - 1) * 10, true FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS x (k, n, s)
     ON CONFLICT (workspace_id, key) DO NOTHING`,
    [
      workspaceId,
      DEFAULT_CHANNEL_KEYS,
      DEFAULT_CHANNEL_KEYS.map((key) => translate(locale, `acquisition.channel.${key}`)),
    ],
  );
}

const SELECT = `
  SELECT ch.id, ch.key, ch.name, ch.sort, ch.builtin, ch.archived_at, ch.created_at,
         (SELECT count(*)::int FROM acquisition_codes c
           WHERE c.workspace_id = ch.workspace_id AND c.channel_id = ch.id AND c.deleted_at IS NULL) AS code_count,
         (SELECT count(*)::int FROM acquisition_links l
           WHERE l.workspace_id = ch.workspace_id AND l.channel_id = ch.id AND l.deleted_at IS NULL) AS link_count
    FROM acquisition_channels ch`;

export async function listChannels(tx: Tx, workspaceId: string, query: ChannelListQuery) {
  await ensureChannels(tx, workspaceId);
  const rows = await tx.query<ChannelRow>(
    `${SELECT} WHERE ch.workspace_id = $1 AND ($2 OR ch.archived_at IS NULL) ORDER BY ch.sort, ch.created_at, ch.id`,
    [workspaceId, query.includeArchived ?? false],
  );
  return { items: rows.map(toChannel), nextCursor: null };
}

export async function getChannel(tx: Tx, workspaceId: string, id: string): Promise<Channel> {
  const rows = await tx.query<ChannelRow>(`${SELECT} WHERE ch.workspace_id = $1 AND ch.id = $2`, [workspaceId, id]);
  if (!rows[0]) throw notFound('acquisition.channel_not_found');
  return toChannel(rows[0]);
}

/** A channel a code or link may be given: it exists and is not archived (400 otherwise, as bad input). */
export async function usableChannel(tx: Tx, workspaceId: string, id: string): Promise<ChannelRef> {
  await ensureChannels(tx, workspaceId);
  const rows = await tx.query<{ id: string; key: string; name: string; archived_at: Date | null }>(
    'SELECT id, key, name, archived_at FROM acquisition_channels WHERE workspace_id = $1 AND id = $2',
    [workspaceId, id],
  );
  const row = rows[0];
  if (!row) throw badRequest('acquisition.unknown_channel');
  if (row.archived_at) throw badRequest('acquisition.channel_archived', { name: row.name });
  return { id: row.id, key: row.key, name: row.name };
}

export async function createChannel(tx: Tx, workspaceId: string, body: ChannelBody): Promise<Channel> {
  await ensureChannels(tx, workspaceId);
  try {
    const rows = await tx.query<{ id: string }>(
      `INSERT INTO acquisition_channels (workspace_id, key, name, sort)
       VALUES ($1, $2, $3, coalesce($4, (SELECT coalesce(max(sort), 0) + 10 FROM acquisition_channels
                                          WHERE workspace_id = $1)))
       RETURNING id`,
      [workspaceId, body.key, body.name, body.sort ?? null],
    );
    return getChannel(tx, workspaceId, (rows[0] as { id: string }).id);
  } catch (err) {
    if (sqlState(err) === UNIQUE_VIOLATION) throw conflict('acquisition.channel_key_taken', { key: body.key });
    throw err;
  }
}

export async function updateChannel(
  tx: Tx,
  workspaceId: string,
  id: string,
  body: UpdateChannelBody,
  now: Date,
): Promise<Channel> {
  await getChannel(tx, workspaceId, id);
  await tx.query(
    `UPDATE acquisition_channels
        SET name = coalesce($3, name), sort = coalesce($4, sort),
            archived_at = CASE WHEN $5::boolean IS NULL THEN archived_at
                               WHEN $5 THEN coalesce(archived_at, $6) ELSE NULL END
      WHERE workspace_id = $1 AND id = $2`,
    [workspaceId, id, body.name ?? null, body.sort ?? null, body.archived ?? null, now],
  );
  return getChannel(tx, workspaceId, id);
}

/** Deletes a custom channel nothing ever used; the others are archived instead, so statistics keep their names. */
export async function deleteChannel(tx: Tx, workspaceId: string, id: string): Promise<void> {
  const channel = await getChannel(tx, workspaceId, id);
  if (channel.builtin) throw conflict('acquisition.channel_builtin', { name: channel.name });
  const [used] = await tx.query<{ used: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM acquisition_codes WHERE workspace_id = $1 AND channel_id = $2)
         OR EXISTS (SELECT 1 FROM acquisition_links WHERE workspace_id = $1 AND channel_id = $2)
         OR EXISTS (SELECT 1 FROM acquisitions WHERE workspace_id = $1 AND channel_id = $2) AS used`,
    [workspaceId, id],
  );
  if (used?.used) throw conflict('acquisition.channel_in_use', { name: channel.name });
  await tx.query('DELETE FROM acquisition_channels WHERE workspace_id = $1 AND id = $2', [workspaceId, id]);
}
