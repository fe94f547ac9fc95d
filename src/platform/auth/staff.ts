// Staff accounts: the brand's people who use the console, with a role each and an active/disabled status.
import type {
  CreatedStaff,
  CreateStaffBody,
  Page,
  Role,
  Staff,
  StaffListQuery,
  UpdateStaffBody,
} from '../../contracts/foundation.ts';
import { type Queryable, sqlState, type Tx, UNIQUE_VIOLATION } from '../db/index.ts';
import { AppError, conflict, notFound } from '../errors.ts';
import { decodeCursor, pageOf } from '../http/pagination.ts';
import type { RequestContext } from '../http/routes.ts';
import { normalizePhone } from '../phone.ts';
import { generatePassword, hashPassword } from './secrets.ts';

export interface StaffRow {
  id: string;
  workspace_id: string;
  name: string;
  email: string | null;
  phone: string | null;
  department: string | null;
  role: Role;
  status: 'active' | 'disabled';
  last_login_at: Date | null;
  created_at: Date;
}

const COLUMNS = 'id, workspace_id, name, email, phone, department, role, status, last_login_at, created_at';

export const toStaff = (r: StaffRow): Staff => ({
  id: r.id,
  name: r.name,
  email: r.email,
  phone: r.phone,
  department: r.department,
  role: r.role,
  status: r.status,
  lastLoginAt: r.last_login_at?.toISOString() ?? null,
  createdAt: r.created_at.toISOString(),
});

export function normalizeStaffPhone(phone: string): string {
  const e164 = normalizePhone(phone);
  if (!e164) throw new AppError(400, 'staff.invalid_phone');
  return e164;
}

/** Unique-index violations on e-mail or phone become a 409 naming the field. */
function loginTaken(err: unknown): never {
  if (sqlState(err) === UNIQUE_VIOLATION) {
    const field = String((err as { constraint?: string; message?: string }).constraint ?? (err as Error).message);
    throw conflict(
      'staff.login_taken',
      { field: field.includes('phone') ? '手机号' : '邮箱' },
      {
        field: field.includes('phone') ? 'phone' : 'email',
      },
    );
  }
  throw err;
}

export async function insertStaff(
  tx: Tx,
  workspaceId: string,
  input: {
    id?: string;
    name: string;
    email?: string | null;
    phone?: string | null;
    department?: string | null;
    role: Role;
  },
  passwordHash: string,
): Promise<StaffRow> {
  try {
    const rows = await tx.query<StaffRow>(
      `INSERT INTO staff (workspace_id, id, name, email, phone, department, role, password_hash)
       VALUES ($1, coalesce($8::uuid, gen_random_uuid()), $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
      [
        workspaceId,
        input.name,
        input.email?.toLowerCase() ?? null,
        input.phone ? normalizeStaffPhone(input.phone) : null,
        input.department ?? null,
        input.role,
        passwordHash,
        input.id ?? null,
      ],
    );
    return rows[0] as StaffRow;
  } catch (err) {
    return loginTaken(err);
  }
}

export async function createStaff(ctx: RequestContext, input: CreateStaffBody): Promise<CreatedStaff> {
  if (!input.email && !input.phone) throw new AppError(400, 'staff.contact_required');
  if (input.role === 'owner' && ctx.role !== 'owner') throw new AppError(403, 'staff.owner_only');
  const initialPassword = input.password ? null : generatePassword();
  const row = await insertStaff(ctx.tx, ctx.workspaceId, input, await hashPassword(input.password ?? initialPassword!));
  ctx.audit.targetId = row.id;
  ctx.audit.details = { name: row.name, role: row.role };
  return { staff: toStaff(row), initialPassword };
}

export async function getStaff(tx: Queryable, workspaceId: string, id: string): Promise<StaffRow> {
  const rows = await tx.query<StaffRow>(`SELECT ${COLUMNS} FROM staff WHERE workspace_id = $1 AND id = $2`, [
    workspaceId,
    id,
  ]);
  if (!rows[0]) throw notFound('staff.not_found');
  return rows[0];
}

export async function updateStaff(ctx: RequestContext, id: string, patch: UpdateStaffBody): Promise<Staff> {
  const current = await getStaff(ctx.tx, ctx.workspaceId, id);
  const touchesOwner = patch.role !== undefined && (patch.role === 'owner') !== (current.role === 'owner');
  if (touchesOwner && ctx.role !== 'owner') throw new AppError(403, 'staff.owner_only');
  if (current.role === 'owner' && ctx.role !== 'owner' && patch.status === 'disabled') {
    throw new AppError(403, 'staff.owner_only');
  }
  if (patch.status === 'disabled' && ctx.actor.type === 'staff' && ctx.actor.id === id) {
    throw conflict('staff.cannot_disable_self');
  }
  const losesOwner =
    current.role === 'owner' && ((patch.role && patch.role !== 'owner') || patch.status === 'disabled');
  if (losesOwner) {
    // Lock the owners so two concurrent demotions cannot both see "another owner remains".
    const owners = await ctx.tx.query<{ id: string }>(
      `SELECT id FROM staff WHERE workspace_id = $1 AND role = 'owner' AND status = 'active' FOR UPDATE`,
      [ctx.workspaceId],
    );
    if (owners.filter((o) => o.id !== id).length === 0) throw conflict('staff.last_owner');
  }
  const rows = await ctx.tx.query<StaffRow>(
    `UPDATE staff SET
       name = coalesce($3, name),
       department = CASE WHEN $4::boolean THEN $5 ELSE department END,
       role = coalesce($6, role),
       status = coalesce($7, status),
       updated_at = now()
     WHERE workspace_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
    [
      ctx.workspaceId,
      id,
      patch.name ?? null,
      patch.department !== undefined,
      patch.department ?? null,
      patch.role ?? null,
      patch.status ?? null,
    ],
  );
  if (patch.status === 'disabled') {
    await ctx.tx.query('DELETE FROM staff_sessions WHERE workspace_id = $1 AND staff_id = $2', [ctx.workspaceId, id]);
  }
  ctx.audit.details = {
    changes: Object.fromEntries(
      Object.entries(patch).map(([k, v]) => [k, { from: current[k as keyof StaffRow] ?? null, to: v }]),
    ),
  };
  return toStaff(rows[0] as StaffRow);
}

export async function listStaff(tx: Tx, workspaceId: string, query: StaffListQuery): Promise<Page<Staff>> {
  const limit = query.limit ?? 50;
  const where = ['workspace_id = $1'];
  const params: unknown[] = [workspaceId];
  const add = (clause: string, ...values: unknown[]) => {
    let sql = clause;
    for (const v of values) {
      params.push(v);
      sql = sql.replace('?', `$${params.length}`);
    }
    where.push(sql);
  };
  if (query.role) add('role = ?', query.role);
  if (query.status) add('status = ?', query.status);
  if (query.q) {
    const like = `%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    add('(name ILIKE ? OR email ILIKE ? OR phone LIKE ? OR department ILIKE ?)', like, like, like, like);
  }
  const cursor = decodeCursor(query.cursor);
  if (cursor) add('(created_at, id) < (?::timestamptz, ?::uuid)', String(cursor[0]), String(cursor[1]));
  params.push(limit + 1);
  // The cursor carries created_at as PostgreSQL's own text, which keeps microseconds that a JS Date would drop.
  const rows = await tx.query<StaffRow & { created_key: string }>(
    `SELECT ${COLUMNS}, created_at::text AS created_key FROM staff WHERE ${where.join(' AND ')}
      ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
    params,
  );
  return pageOf(rows, limit, toStaff, (r) => [r.created_key, r.id]);
}
