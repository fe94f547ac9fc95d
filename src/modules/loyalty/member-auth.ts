// Member sessions of the H5: started once a phone is verified, kept in an httpOnly cookie (`siyu_member`, scoped to
// `/api/h5`), stored as the SHA-256 of the token, valid 30 days. `authenticateMember` is what every member route
// (`RouteRegistrar.memberRoute`) signs its caller in with, whichever module registers the route.
import type { FastifyReply } from 'fastify';
import { randomToken, sha256 } from '../../platform/auth/secrets.ts';
import type { Db, Tx } from '../../platform/db/index.ts';
import { AppError } from '../../platform/errors.ts';
import { MEMBER_SESSION_COOKIE, type MemberAuthenticator } from '../../platform/http/routes.ts';

export const MEMBER_SESSION_DAYS = 30;
/** The cookie is only ever needed by the member API. */
const COOKIE_PATH = '/api/h5';
/** Touching a session on every request would turn every read into a write; once a few minutes is enough. */
const TOUCH_AFTER_MS = 5 * 60_000;

/** Starts a session for a customer whose phone was just verified; returns the token for the cookie. */
export async function startMemberSession(
  tx: Tx,
  workspaceId: string,
  customerId: string,
  meta: { ip: string; userAgent: string | null; now: Date },
): Promise<string> {
  const token = randomToken();
  await tx.query(
    `INSERT INTO member_sessions (workspace_id, token_hash, customer_id, ip, user_agent, created_at, last_seen_at,
                                  expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $6, $7)`,
    [
      workspaceId,
      sha256(token),
      customerId,
      meta.ip,
      meta.userAgent?.slice(0, 512) ?? null,
      meta.now,
      new Date(meta.now.getTime() + MEMBER_SESSION_DAYS * 86_400_000),
    ],
  );
  return token;
}

/** Secure when the request came over HTTPS (behind a proxy: with SIYU_TRUST_PROXY, from X-Forwarded-Proto). */
export function setMemberCookie(reply: FastifyReply, token: string): void {
  reply.setCookie(MEMBER_SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'strict',
    secure: reply.request.protocol === 'https',
    path: COOKIE_PATH,
    maxAge: MEMBER_SESSION_DAYS * 86_400,
  });
}

export function clearMemberCookie(reply: FastifyReply): void {
  reply.clearCookie(MEMBER_SESSION_COOKIE, { path: COOKIE_PATH });
}

export async function endMemberSession(tx: Tx, workspaceId: string, tokenHash: string): Promise<void> {
  await tx.query('DELETE FROM member_sessions WHERE workspace_id = $1 AND token_hash = $2', [workspaceId, tokenHash]);
}

/** Looked up with owner rights by the token's hash, as staff sessions are: the workspace is not known before. */
export const authenticateMember: MemberAuthenticator = async (db: Db, request, now) => {
  const token = request.cookies[MEMBER_SESSION_COOKIE];
  if (!token) throw new AppError(401, 'loyalty.session_required');
  const tokenHash = sha256(token);
  const rows = await db.query<{ workspace_id: string; customer_id: string; last_seen_at: Date }>(
    'SELECT workspace_id, customer_id, last_seen_at FROM member_sessions WHERE token_hash = $1 AND expires_at > $2',
    [tokenHash, now],
  );
  const row = rows[0];
  if (!row) throw new AppError(401, 'loyalty.session_required');
  if (now.getTime() - row.last_seen_at.getTime() > TOUCH_AFTER_MS) {
    await db.query('UPDATE member_sessions SET last_seen_at = $2 WHERE token_hash = $1', [tokenHash, now]);
  }
  return { workspaceId: row.workspace_id, customerId: row.customer_id, sessionTokenHash: tokenHash };
};
