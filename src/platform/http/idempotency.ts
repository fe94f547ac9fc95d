// Idempotency-Key on POST: the first request's response is stored in the same transaction as its effects; a retry
// with the same key and body gets that response again, the same key with another body is refused (422).
// A concurrent retry blocks on the key's row until the first commits, then replays it.
import { createHash } from 'node:crypto';
import type { Tx } from '../db/index.ts';
import { AppError, unprocessable } from '../errors.ts';

export interface StoredResponse {
  statusCode: number;
  body: string | null;
}

const KEY_RE = /^[\x21-\x7e]{1,255}$/;

export function checkIdempotencyKey(key: string): void {
  if (!KEY_RE.test(key)) throw new AppError(400, 'idempotency.invalid_key');
}

/** Canonical JSON (sorted keys) so that the same body written in another key order counts as the same request. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The request as the key remembers it: method, path, body, and the query string when the route reads one. */
export function requestHash(method: string, path: string, body: unknown, query?: unknown): string {
  const hash = createHash('sha256').update(`${method} ${path}\n`);
  // A file upload is hashed as its bytes: canonical JSON of a 50 MB Buffer would be a gigabyte of text.
  hash.update(body instanceof Uint8Array ? body : canonical(body));
  if (query !== undefined) hash.update(`\n${canonical(query)}`);
  return hash.digest('hex');
}

/**
 * Claims the key for this request. Returns the stored response when the key was used before for the same request.
 */
export async function claimIdempotencyKey(
  tx: Tx,
  claim: { workspaceId: string; principal: string; key: string; method: string; path: string; hash: string },
): Promise<StoredResponse | null> {
  const inserted = await tx.query(
    `INSERT INTO idempotency_keys (workspace_id, principal, key, method, path, request_hash)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING key`,
    [claim.workspaceId, claim.principal, claim.key, claim.method, claim.path, claim.hash],
  );
  if (inserted.length > 0) return null;
  const rows = await tx.query<{ request_hash: string; status_code: number | null; response_body: string | null }>(
    `SELECT request_hash, status_code, response_body FROM idempotency_keys
      WHERE workspace_id = $1 AND principal = $2 AND key = $3`,
    [claim.workspaceId, claim.principal, claim.key],
  );
  const row = rows[0];
  if (!row || row.request_hash !== claim.hash || row.status_code === null) {
    throw unprocessable('idempotency.key_reused');
  }
  return { statusCode: row.status_code, body: row.response_body };
}

export async function storeIdempotentResponse(
  tx: Tx,
  claim: { workspaceId: string; principal: string; key: string },
  response: StoredResponse,
): Promise<void> {
  await tx.query(
    `UPDATE idempotency_keys SET status_code = $4, response_body = $5
      WHERE workspace_id = $1 AND principal = $2 AND key = $3`,
    [claim.workspaceId, claim.principal, claim.key, response.statusCode, response.body],
  );
}
