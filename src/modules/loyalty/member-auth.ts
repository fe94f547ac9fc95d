// Member sessions of the H5: started once a phone is verified, kept in an httpOnly cookie (`siyu_member`, scoped to
// `/api/h5`), stored as the SHA-256 of the token, valid 30 days. `authenticateMember` is what every member route
// (`RouteRegistrar.memberRoute`) signs its caller in with, whichever module registers the route.
//
// One Siyu serves every brand's H5 from one host, so one browser (one WeChat) can be a member of two brands: the
// cookie holds one token per brand, newest last (`tokenA.tokenB`; base64url never contains a dot), and the H5 names
// its brand in `X-Siyu-Workspace` (the slug) on every call. Without the header the newest session answers, which is
// what a client that only ever knew one brand expects.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomToken, sha256 } from '../../platform/auth/secrets.ts';
import type { Db, Tx } from '../../platform/db/index.ts';
import { AppError } from '../../platform/errors.ts';
import { MEMBER_SESSION_COOKIE, type MemberAuthenticator } from '../../platform/http/routes.ts';

export const MEMBER_SESSION_DAYS = 30;
/** The cookie is only ever needed by the member API. */
const COOKIE_PATH = '/api/h5';
/** Touching a session on every request would turn every read into a write; once a few minutes is enough. */
const TOUCH_AFTER_MS = 5 * 60_000;
/** The brand an H5 call is for, by slug. */
export const MEMBER_WORKSPACE_HEADER = 'x-siyu-workspace';
/** Brands one browser stays signed in to at once; signing in to one more drops the oldest. */
const MAX_BRAND_SESSIONS = 5;
const TOKEN_RE = /^[A-Za-z0-9_-]{20,100}$/;

function cookieTokens(request: FastifyRequest): string[] {
  const value = request.cookies[MEMBER_SESSION_COOKIE];
  return value ? value.split('.').filter((t) => TOKEN_RE.test(t)) : [];
}

interface LiveSession {
  token_hash: string;
  workspace_id: string;
  slug: string;
  customer_id: string;
  last_seen_at: Date;
}

/** The cookie's sessions still valid, in cookie order; looked up with owner rights: the workspace is not known yet. */
async function liveSessions(db: Db, tokens: string[], now: Date): Promise<(LiveSession & { token: string })[]> {
  if (tokens.length === 0) return [];
  const hashes = tokens.map(sha256);
  const rows = await db.query<LiveSession>(
    `SELECT s.token_hash, s.workspace_id, w.slug, s.customer_id, s.last_seen_at
       FROM member_sessions s JOIN workspaces w ON w.id = s.workspace_id
      WHERE s.token_hash = ANY($1::text[]) AND s.expires_at > $2`,
    [hashes, now],
  );
  const byHash = new Map(rows.map((r) => [r.token_hash, r]));
  return tokens.flatMap((token, i) => {
    const row = byHash.get(hashes[i] as string);
    return row ? [{ ...row, token }] : [];
  });
}

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

function writeCookie(reply: FastifyReply, tokens: string[]): void {
  if (tokens.length === 0) {
    reply.clearCookie(MEMBER_SESSION_COOKIE, { path: COOKIE_PATH });
    return;
  }
  reply.setCookie(MEMBER_SESSION_COOKIE, tokens.join('.'), {
    httpOnly: true,
    sameSite: 'strict',
    secure: reply.request.protocol === 'https',
    path: COOKIE_PATH,
    maxAge: MEMBER_SESSION_DAYS * 86_400,
  });
}

/**
 * Adds a new session of `workspaceId` to the cookie, in place of any older session of the same brand, keeping the
 * other brands' live sessions. Secure when the request came over HTTPS (behind a proxy: with SIYU_TRUST_PROXY).
 */
export async function setMemberCookie(
  db: Db,
  reply: FastifyReply,
  workspaceId: string,
  token: string,
  now: Date,
): Promise<void> {
  const others = (await liveSessions(db, cookieTokens(reply.request), now))
    .filter((s) => s.workspace_id !== workspaceId)
    .map((s) => s.token);
  writeCookie(reply, [...others, token].slice(-MAX_BRAND_SESSIONS));
}

/** Signs the browser out of one brand: the other brands' sessions stay in the cookie. */
export function dropMemberCookie(reply: FastifyReply, tokenHash: string): void {
  writeCookie(
    reply,
    cookieTokens(reply.request).filter((t) => sha256(t) !== tokenHash),
  );
}

export async function endMemberSession(tx: Tx, workspaceId: string, tokenHash: string): Promise<void> {
  await tx.query('DELETE FROM member_sessions WHERE workspace_id = $1 AND token_hash = $2', [workspaceId, tokenHash]);
}

/** The session of the brand the call names (`X-Siyu-Workspace`), or the newest one when it names none. */
export const authenticateMember: MemberAuthenticator = async (db: Db, request, now) => {
  const sessions = await liveSessions(db, cookieTokens(request), now);
  const wanted = request.headers[MEMBER_WORKSPACE_HEADER];
  const row =
    typeof wanted === 'string' && wanted !== ''
      ? sessions.find((s) => s.slug === wanted)
      : sessions[sessions.length - 1];
  if (!row) throw new AppError(401, 'loyalty.session_required');
  if (now.getTime() - row.last_seen_at.getTime() > TOUCH_AFTER_MS) {
    await db.query('UPDATE member_sessions SET last_seen_at = $2 WHERE token_hash = $1', [row.token_hash, now]);
  }
  return { workspaceId: row.workspace_id, customerId: row.customer_id, sessionTokenHash: row.token_hash };
};
