// Workspace API keys for server-to-server calls: shown once at creation, stored as a SHA-256 hash, revocable.
import type { ApiKey, CreateApiKeyBody, CreatedApiKey, Page, Role } from '../../contracts/foundation.ts';
import type { Tx } from '../db/index.ts';
import { notFound, unprocessable } from '../errors.ts';
import { decodeCursor, pageOf } from '../http/pagination.ts';
import type { RequestContext } from '../http/routes.ts';
import { randomToken, sha256 } from './secrets.ts';

interface ApiKeyRow {
  id: string;
  name: string;
  prefix: string;
  role: Role;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}
const COLUMNS = 'id, name, prefix, role, created_at, last_used_at, revoked_at';

const toApiKey = (r: ApiKeyRow): ApiKey => ({
  id: r.id,
  name: r.name,
  prefix: r.prefix,
  role: r.role,
  createdAt: r.created_at.toISOString(),
  lastUsedAt: r.last_used_at?.toISOString() ?? null,
  revokedAt: r.revoked_at?.toISOString() ?? null,
});

/** `sy_` marks the secret as Siyu's so that secret scanners and people can recognise a leaked key. */
export const API_KEY_PREFIX = 'sy_';

export async function createApiKey(ctx: RequestContext, input: CreateApiKeyBody): Promise<CreatedApiKey> {
  const role = input.role ?? 'operator';
  if (role === 'owner') throw unprocessable('api_key.owner_role');
  const secret = `${API_KEY_PREFIX}${randomToken(30)}`;
  const rows = await ctx.tx.query<ApiKeyRow>(
    `INSERT INTO api_keys (workspace_id, name, prefix, secret_hash, role, created_by)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
    [
      ctx.workspaceId,
      input.name,
      secret.slice(0, 10),
      sha256(secret),
      role,
      ctx.actor.type === 'staff' ? ctx.actor.id : null,
    ],
  );
  const row = rows[0] as ApiKeyRow;
  ctx.audit.targetId = row.id;
  ctx.audit.details = { name: row.name, role: row.role };
  return { apiKey: toApiKey(row), secret };
}

export async function listApiKeys(
  tx: Tx,
  workspaceId: string,
  query: { cursor?: string; limit?: number },
): Promise<Page<ApiKey>> {
  const limit = query.limit ?? 50;
  const cursor = decodeCursor(query.cursor);
  const rows = await tx.query<ApiKeyRow & { created_key: string }>(
    `SELECT ${COLUMNS}, created_at::text AS created_key FROM api_keys
      WHERE workspace_id = $1 AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::uuid))
      ORDER BY created_at DESC, id DESC LIMIT $4`,
    [workspaceId, cursor?.[0] ?? null, cursor?.[1] ?? null, limit + 1],
  );
  return pageOf(rows, limit, toApiKey, (r) => [r.created_key, r.id]);
}

/** Revoking twice is harmless: the key stays revoked with its first revocation time. */
export async function revokeApiKey(ctx: RequestContext, id: string): Promise<ApiKey> {
  const rows = await ctx.tx.query<ApiKeyRow>(
    `UPDATE api_keys SET revoked_at = coalesce(revoked_at, $3)
      WHERE workspace_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
    [ctx.workspaceId, id, ctx.now()],
  );
  if (!rows[0]) throw notFound('api_key.not_found');
  return toApiKey(rows[0]);
}
