// Who is calling: a staff member through a console session cookie, or a workspace API key (Bearer).
// Both are looked up by the SHA-256 of their secret with owner rights, since the workspace is not known yet.
import type { Role } from '../../contracts/foundation.ts';
import type { Db } from '../db/index.ts';
import type { Actor } from '../http/routes.ts';
import { sha256 } from './secrets.ts';

export interface Principal {
  workspaceId: string;
  role: Role;
  actor: Actor;
  via: 'session' | 'api_key';
  /** Session principals must echo this in X-CSRF-Token on state-changing requests. */
  csrfToken: string | null;
  sessionTokenHash: string | null;
}

export const SESSION_COOKIE = 'siyu_session';
/** Touching a session on every request would turn every read into a write; once a few minutes is enough. */
const TOUCH_AFTER_MS = 5 * 60_000;

export async function principalFromSession(db: Db, token: string, now: Date): Promise<Principal | null> {
  const tokenHash = sha256(token);
  const rows = await db.query<{
    workspace_id: string;
    staff_id: string;
    csrf_token: string;
    last_seen_at: Date;
    name: string;
    role: Role;
  }>(
    `SELECT s.workspace_id, s.staff_id, s.csrf_token, s.last_seen_at, st.name, st.role
       FROM staff_sessions s
       JOIN staff st ON st.workspace_id = s.workspace_id AND st.id = s.staff_id
      WHERE s.token_hash = $1 AND s.expires_at > $2 AND st.status = 'active'`,
    [tokenHash, now],
  );
  const row = rows[0];
  if (!row) return null;
  if (now.getTime() - row.last_seen_at.getTime() > TOUCH_AFTER_MS) {
    await db.query('UPDATE staff_sessions SET last_seen_at = $2 WHERE token_hash = $1', [tokenHash, now]);
  }
  return {
    workspaceId: row.workspace_id,
    role: row.role,
    actor: { type: 'staff', id: row.staff_id, name: row.name },
    via: 'session',
    csrfToken: row.csrf_token,
    sessionTokenHash: tokenHash,
  };
}

export async function principalFromApiKey(db: Db, secret: string, now: Date): Promise<Principal | null> {
  const rows = await db.query<{
    workspace_id: string;
    id: string;
    name: string;
    role: Role;
    last_used_at: Date | null;
  }>(`SELECT workspace_id, id, name, role, last_used_at FROM api_keys WHERE secret_hash = $1 AND revoked_at IS NULL`, [
    sha256(secret),
  ]);
  const row = rows[0];
  if (!row) return null;
  if (!row.last_used_at || now.getTime() - row.last_used_at.getTime() > TOUCH_AFTER_MS) {
    await db.query('UPDATE api_keys SET last_used_at = $3 WHERE workspace_id = $1 AND id = $2', [
      row.workspace_id,
      row.id,
      now,
    ]);
  }
  return {
    workspaceId: row.workspace_id,
    role: row.role,
    actor: { type: 'api_key', id: row.id, name: row.name },
    via: 'api_key',
    csrfToken: null,
    sessionTokenHash: null,
  };
}
