// Console sign-in: password check with lockout after repeated failures, and sessions held in an httpOnly cookie.
import type { LoginBody, Role, Session, Workspace } from '../../contracts/foundation.ts';
import { recordAudit } from '../audit/index.ts';
import type { Config } from '../config.ts';
import type { Db, Queryable } from '../db/index.ts';
import { AppError } from '../errors.ts';
import { normalizePhone } from '../phone.ts';
import type { Permissions } from './permissions.ts';
import { randomToken, sha256, verifyPassword } from './secrets.ts';
import { getStaff, toStaff } from './staff.ts';

interface Candidate {
  workspace_id: string;
  id: string;
  name: string;
  role: Role;
  status: 'active' | 'disabled';
  password_hash: string | null;
  failed_logins: number;
  locked_until: Date | null;
}

export async function getWorkspace(q: Queryable, id: string): Promise<Workspace> {
  const rows = await q.query<Workspace>('SELECT id, slug, name, timezone, locale FROM workspaces WHERE id = $1', [id]);
  if (!rows[0]) throw new AppError(401, 'auth.unauthenticated');
  return rows[0];
}

export async function sessionOf(
  q: Queryable,
  permissions: Permissions,
  workspaceId: string,
  staffId: string,
  csrfToken: string,
): Promise<Session> {
  const staff = toStaff(await getStaff(q, workspaceId, staffId));
  return { staff, workspace: await getWorkspace(q, workspaceId), csrfToken, permissions: permissions.of(staff.role) };
}

export interface LoginResult {
  session: Session;
  token: string;
}

/**
 * Checks the password and opens a session. Failures are counted per account; at `maxFailures` the account is
 * locked for `lockMinutes`. Every outcome for a known account is written to that workspace's audit log.
 */
export async function login(
  db: Db,
  config: Config,
  permissions: Permissions,
  input: LoginBody,
  meta: { ip: string; userAgent: string | null; requestId: string; now: Date },
): Promise<LoginResult> {
  const login = input.login.trim();
  const byEmail = login.includes('@');
  const key = byEmail ? login.toLowerCase() : normalizePhone(login);
  const candidates = key
    ? await db.query<Candidate>(
        `SELECT s.workspace_id, s.id, s.name, s.role, s.status, s.password_hash, s.failed_logins, s.locked_until
           FROM staff s JOIN workspaces w ON w.id = s.workspace_id
          WHERE ${byEmail ? 's.email' : 's.phone'} = $1 AND ($2::text IS NULL OR w.slug = $2)`,
        [key, input.workspace?.trim().toLowerCase() ?? null],
      )
    : [];
  if (candidates.length > 1) throw new AppError(409, 'auth.workspace_required');
  const account = candidates[0];
  if (!account) {
    await verifyPassword(null, input.password);
    throw new AppError(401, 'auth.invalid_credentials');
  }

  const audit = (tx: Queryable, action: string, details: Record<string, unknown> = {}) =>
    recordAudit(tx, {
      workspaceId: account.workspace_id,
      actorType: 'staff',
      actorId: account.id,
      actorName: account.name,
      action,
      targetType: 'staff',
      targetId: account.id,
      ip: meta.ip,
      requestId: meta.requestId,
      details,
    });

  if (account.locked_until && account.locked_until > meta.now) {
    await db.tenant(account.workspace_id, (tx) => audit(tx, 'auth.login_locked'));
    const minutes = Math.ceil((account.locked_until.getTime() - meta.now.getTime()) / 60_000);
    throw new AppError(429, 'auth.account_locked', { minutes });
  }
  const ok = await verifyPassword(account.password_hash, input.password);
  if (!ok) {
    await db.tenant(account.workspace_id, async (tx) => {
      // Counted in SQL so that concurrent wrong guesses cannot overwrite each other's count.
      const rows = await tx.query<{ failed_logins: number }>(
        `UPDATE staff SET failed_logins = failed_logins + 1 WHERE workspace_id = $1 AND id = $2
         RETURNING failed_logins`,
        [account.workspace_id, account.id],
      );
      const failures = rows[0]?.failed_logins ?? 0;
      if (failures >= config.login.maxFailures) {
        await tx.query(`UPDATE staff SET failed_logins = 0, locked_until = $3 WHERE workspace_id = $1 AND id = $2`, [
          account.workspace_id,
          account.id,
          new Date(meta.now.getTime() + config.login.lockMinutes * 60_000),
        ]);
        await audit(tx, 'auth.locked', { failures });
      } else {
        await audit(tx, 'auth.login_failed', { failures });
      }
    });
    throw new AppError(401, 'auth.invalid_credentials');
  }
  if (account.status !== 'active') throw new AppError(403, 'auth.account_disabled');

  const token = randomToken();
  const csrfToken = randomToken(24);
  const session = await db.tenant(account.workspace_id, async (tx) => {
    await tx.query(
      `UPDATE staff SET failed_logins = 0, locked_until = NULL, last_login_at = $3 WHERE workspace_id = $1 AND id = $2`,
      [account.workspace_id, account.id, meta.now],
    );
    await tx.query(
      `INSERT INTO staff_sessions (workspace_id, token_hash, staff_id, csrf_token, ip, user_agent, created_at,
                                   last_seen_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8)`,
      [
        account.workspace_id,
        sha256(token),
        account.id,
        csrfToken,
        meta.ip,
        meta.userAgent?.slice(0, 512) ?? null,
        meta.now,
        new Date(meta.now.getTime() + config.sessionTtlHours * 3_600_000),
      ],
    );
    await audit(tx, 'auth.login');
    return sessionOf(tx, permissions, account.workspace_id, account.id, csrfToken);
  });
  return { session, token };
}
