// Workspaces: one brand each, created with its first owner.
import type { Role } from '../contracts/foundation.ts';
import { hashPassword } from './auth/secrets.ts';
import { insertStaff } from './auth/staff.ts';
import { type Db, sqlState, UNIQUE_VIOLATION } from './db/index.ts';
import { AppError } from './errors.ts';

export interface NewWorkspace {
  slug: string;
  name: string;
  timezone?: string;
  id?: string;
}

export interface NewStaffMember {
  id?: string;
  name: string;
  email?: string | null;
  phone?: string | null;
  department?: string | null;
  role: Role;
  password: string;
}

export async function createWorkspace(db: Db, ws: NewWorkspace): Promise<string> {
  try {
    const rows = await db.query<{ id: string }>(
      `INSERT INTO workspaces (id, slug, name, timezone) VALUES (coalesce($1::uuid, gen_random_uuid()), $2, $3, $4)
       RETURNING id`,
      [ws.id ?? null, ws.slug, ws.name, ws.timezone ?? 'Asia/Shanghai'],
    );
    return (rows[0] as { id: string }).id;
  } catch (err) {
    if (sqlState(err) === UNIQUE_VIOLATION) throw new AppError(409, 'workspace.slug_taken', { slug: ws.slug });
    throw err;
  }
}

/** Adds staff to a workspace (seeding, CLI); console users go through the staff routes instead. */
export async function addStaff(db: Db, workspaceId: string, members: readonly NewStaffMember[]): Promise<string[]> {
  const ids: string[] = [];
  for (const m of members) {
    const passwordHash = await hashPassword(m.password);
    const row = await db.tenant(workspaceId, (tx) => insertStaff(tx, workspaceId, m, passwordHash));
    ids.push(row.id);
  }
  return ids;
}

export async function workspaceBySlug(db: Db, slug: string): Promise<{ id: string; name: string } | null> {
  const rows = await db.query<{ id: string; name: string }>('SELECT id, name FROM workspaces WHERE slug = $1', [slug]);
  return rows[0] ?? null;
}
