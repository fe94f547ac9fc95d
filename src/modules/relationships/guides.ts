// Guides: staff members linked to their WeCom member id (UserID) and to the manager who hears about their churn.
// Linking is done by hand in the console: the WeCom client Siyu has covers external contacts, not the member
// directory, so there is no member list to sync from; WeCom members customers follow but nobody is linked to yet are
// listed from the relationships themselves.
import type {
  Guide,
  GuideListQuery,
  LinkGuideBody,
  StaffChoice,
  UnlinkedWecomUser,
} from '../../contracts/relationships.ts';
import type { Queryable, Tx } from '../../platform/db/index.ts';
import { sqlState, UNIQUE_VIOLATION } from '../../platform/db/index.ts';
import { AppError, conflict, notFound } from '../../platform/errors.ts';
import { survivorsOf } from '../customers/index.ts';

/** A guide as other modules see it. */
export interface GuideRef {
  staffId: string;
  name: string;
  wecomUserId: string;
  managerStaffId: string | null;
  status: 'active' | 'resigned';
  department: string | null;
}

interface GuideRow {
  staff_id: string;
  name: string;
  role: string;
  department: string | null;
  staff_status: string;
  wecom_userid: string;
  manager_staff_id: string | null;
  manager_name: string | null;
  status: 'active' | 'resigned';
  resigned_at: Date | null;
  customer_count: number;
  created_at: Date;
  updated_at: Date;
}

const GUIDE_SELECT = `
  SELECT g.staff_id, s.name, s.role, s.department, s.status AS staff_status, g.wecom_userid, g.manager_staff_id,
         m.name AS manager_name, g.status, g.resigned_at, g.created_at, g.updated_at,
         (SELECT count(DISTINCT r.customer_id)::int FROM customer_relationships r
           WHERE r.workspace_id = g.workspace_id AND r.wecom_userid = g.wecom_userid AND r.status = 'active')
           AS customer_count
    FROM guides g
    JOIN staff s ON s.workspace_id = g.workspace_id AND s.id = g.staff_id
    LEFT JOIN staff m ON m.workspace_id = g.workspace_id AND m.id = g.manager_staff_id`;

const toGuide = (r: GuideRow): Guide => ({
  staffId: r.staff_id,
  name: r.name,
  role: r.role,
  department: r.department,
  staffStatus: r.staff_status,
  wecomUserId: r.wecom_userid,
  managerStaffId: r.manager_staff_id,
  managerName: r.manager_name,
  status: r.status,
  resignedAt: r.resigned_at?.toISOString() ?? null,
  customerCount: r.customer_count,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

export async function listGuides(q: Queryable, workspaceId: string, query: GuideListQuery): Promise<Guide[]> {
  const rows = await q.query<GuideRow>(
    `${GUIDE_SELECT} WHERE g.workspace_id = $1 AND ($2::text IS NULL OR g.status = $2) ORDER BY s.name, g.staff_id`,
    [workspaceId, query.status ?? null],
  );
  return rows.map(toGuide);
}

export async function getGuide(q: Queryable, workspaceId: string, staffId: string): Promise<Guide> {
  const rows = await q.query<GuideRow>(`${GUIDE_SELECT} WHERE g.workspace_id = $1 AND g.staff_id = $2`, [
    workspaceId,
    staffId,
  ]);
  const row = rows[0];
  if (!row) throw notFound('guide.not_found');
  return toGuide(row);
}

async function staffExists(q: Queryable, workspaceId: string, staffId: string): Promise<boolean> {
  const rows = await q.query('SELECT 1 FROM staff WHERE workspace_id = $1 AND id = $2', [workspaceId, staffId]);
  return rows.length > 0;
}

/**
 * Links a staff member to a WeCom member id (creating the guide) or changes the link or manager. A WeCom id belongs
 * to one guide; a manager must be another staff member, and a manager chain may not come back to the guide.
 */
export async function linkGuide(
  tx: Tx,
  workspaceId: string,
  staffId: string,
  body: LinkGuideBody,
  now: Date,
): Promise<Guide> {
  if (!(await staffExists(tx, workspaceId, staffId))) throw notFound('staff.not_found');
  const manager = body.managerStaffId;
  if (manager) {
    if (manager === staffId) throw new AppError(422, 'guide.manager_self');
    if (!(await staffExists(tx, workspaceId, manager))) throw new AppError(422, 'guide.manager_not_found');
    // Walking up from the new manager must not reach this guide (a cycle would make "the team" endless).
    const chain = await tx.query<{ staff_id: string }>(
      `WITH RECURSIVE up AS (
         SELECT staff_id, manager_staff_id, 1 AS depth FROM guides WHERE workspace_id = $1 AND staff_id = $2
         UNION ALL
         SELECT g.staff_id, g.manager_staff_id, up.depth + 1 FROM guides g
           JOIN up ON g.workspace_id = $1 AND g.staff_id = up.manager_staff_id WHERE up.depth < 50
       ) SELECT staff_id FROM up WHERE staff_id = $3`,
      [workspaceId, manager, staffId],
    );
    if (chain.length > 0) throw new AppError(422, 'guide.manager_cycle');
  }
  try {
    await tx.query(
      `INSERT INTO guides (workspace_id, staff_id, wecom_userid, manager_staff_id, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $5)
       ON CONFLICT (workspace_id, staff_id) DO UPDATE SET
         wecom_userid = EXCLUDED.wecom_userid,
         manager_staff_id = CASE WHEN $6 THEN EXCLUDED.manager_staff_id ELSE guides.manager_staff_id END,
         updated_at = EXCLUDED.updated_at`,
      [workspaceId, staffId, body.wecomUserId, manager ?? null, now, manager !== undefined],
    );
  } catch (err) {
    if (sqlState(err) === UNIQUE_VIOLATION) throw conflict('guide.wecom_user_taken', { wecomUserId: body.wecomUserId });
    throw err;
  }
  return getGuide(tx, workspaceId, staffId);
}

/** Unlinks a guide. Refused while customers still follow them: hand those over first (a transfer or succession). */
export async function unlinkGuide(tx: Tx, workspaceId: string, staffId: string): Promise<void> {
  const guide = await getGuide(tx, workspaceId, staffId);
  if (guide.customerCount > 0) throw conflict('guide.has_customers', { count: guide.customerCount });
  await tx.query('UPDATE guides SET manager_staff_id = NULL WHERE workspace_id = $1 AND manager_staff_id = $2', [
    workspaceId,
    staffId,
  ]);
  await tx.query('DELETE FROM guides WHERE workspace_id = $1 AND staff_id = $2', [workspaceId, staffId]);
}

export async function setGuideStatus(
  tx: Tx,
  workspaceId: string,
  staffId: string,
  status: 'active' | 'resigned',
  now: Date,
): Promise<void> {
  const rows = await tx.query(
    `UPDATE guides SET status = $3, resigned_at = CASE WHEN $3 = 'resigned' THEN coalesce(resigned_at, $4) END,
            updated_at = $4
      WHERE workspace_id = $1 AND staff_id = $2 RETURNING 1`,
    [workspaceId, staffId, status, now],
  );
  if (rows.length === 0) throw notFound('guide.not_found');
}

/**
 * Active staff to link as guides or to choose as managers, with whether each is linked already. Those who manage
 * guides need not see the staff list (staff.read) for it.
 */
export async function staffChoices(q: Queryable, workspaceId: string): Promise<StaffChoice[]> {
  const rows = await q.query<{ id: string; name: string; role: string; department: string | null; linked: boolean }>(
    `SELECT s.id, s.name, s.role, s.department,
            EXISTS (SELECT 1 FROM guides g WHERE g.workspace_id = s.workspace_id AND g.staff_id = s.id) AS linked
       FROM staff s WHERE s.workspace_id = $1 AND s.status = 'active' ORDER BY s.name, s.id LIMIT 2000`,
    [workspaceId],
  );
  return rows.map((r) => ({ staffId: r.id, name: r.name, role: r.role, department: r.department, linked: r.linked }));
}

/** WeCom members customers follow (actively) without a linked staff account, most followed first. */
export async function unlinkedWecomUsers(q: Queryable, workspaceId: string): Promise<UnlinkedWecomUser[]> {
  const rows = await q.query<{
    wecom_userid: string;
    active: number;
    first_added: Date | null;
    last_added: Date | null;
  }>(
    `SELECT r.wecom_userid, count(*) FILTER (WHERE r.status = 'active')::int AS active,
            min(r.added_at) AS first_added, max(r.added_at) AS last_added
       FROM customer_relationships r
      WHERE r.workspace_id = $1
        AND NOT EXISTS (SELECT 1 FROM guides g WHERE g.workspace_id = r.workspace_id AND g.wecom_userid = r.wecom_userid)
      GROUP BY r.wecom_userid ORDER BY active DESC, r.wecom_userid LIMIT 500`,
    [workspaceId],
  );
  return rows.map((r) => ({
    wecomUserId: r.wecom_userid,
    activeCustomers: r.active,
    firstAddedAt: r.first_added?.toISOString() ?? null,
    lastAddedAt: r.last_added?.toISOString() ?? null,
  }));
}

interface RefRow {
  staff_id: string;
  name: string;
  wecom_userid: string;
  manager_staff_id: string | null;
  status: 'active' | 'resigned';
  department: string | null;
}
const toRef = (r: RefRow): GuideRef => ({
  staffId: r.staff_id,
  name: r.name,
  wecomUserId: r.wecom_userid,
  managerStaffId: r.manager_staff_id,
  status: r.status,
  department: r.department,
});
const REF_SELECT = `SELECT g.staff_id, s.name, g.wecom_userid, g.manager_staff_id, g.status, s.department
  FROM guides g JOIN staff s ON s.workspace_id = g.workspace_id AND s.id = g.staff_id`;

/** The guide linked to a WeCom member id, or null when no staff account is linked to it. */
export async function guideByWecomUserId(
  q: Queryable,
  workspaceId: string,
  wecomUserId: string,
): Promise<GuideRef | null> {
  const rows = await q.query<RefRow>(`${REF_SELECT} WHERE g.workspace_id = $1 AND g.wecom_userid = $2`, [
    workspaceId,
    wecomUserId,
  ]);
  return rows[0] ? toRef(rows[0]) : null;
}

export async function guideByStaffId(q: Queryable, workspaceId: string, staffId: string): Promise<GuideRef | null> {
  const rows = await q.query<RefRow>(`${REF_SELECT} WHERE g.workspace_id = $1 AND g.staff_id = $2`, [
    workspaceId,
    staffId,
  ]);
  return rows[0] ? toRef(rows[0]) : null;
}

/**
 * The customer's guide: of the linked guides with an active relationship to the customer (followed through merges),
 * the one the customer added first. Null when no linked guide has the customer.
 */
export async function guideOf(tx: Tx, workspaceId: string, customerId: string): Promise<GuideRef | null> {
  const current = (await survivorsOf(tx, workspaceId, [customerId])).get(customerId) ?? customerId;
  const rows = await tx.query<RefRow>(
    `${REF_SELECT}
       JOIN customer_relationships r ON r.workspace_id = g.workspace_id AND r.wecom_userid = g.wecom_userid
      WHERE g.workspace_id = $1 AND r.customer_id = $2 AND r.status = 'active'
      ORDER BY r.added_at NULLS LAST, r.created_at, r.id LIMIT 1`,
    [workspaceId, current],
  );
  return rows[0] ? toRef(rows[0]) : null;
}

/** The staff who hear about a guide's churn: their manager, or the workspace's active owners when there is none. */
export async function managersOf(q: Queryable, workspaceId: string, guideStaffId: string | null): Promise<string[]> {
  if (guideStaffId) {
    const rows = await q.query<{ manager_staff_id: string }>(
      `SELECT g.manager_staff_id FROM guides g
         JOIN staff m ON m.workspace_id = g.workspace_id AND m.id = g.manager_staff_id AND m.status = 'active'
        WHERE g.workspace_id = $1 AND g.staff_id = $2`,
      [workspaceId, guideStaffId],
    );
    if (rows[0]) return [rows[0].manager_staff_id];
  }
  const owners = await q.query<{ id: string }>(
    `SELECT id FROM staff WHERE workspace_id = $1 AND role = 'owner' AND status = 'active' ORDER BY created_at`,
    [workspaceId],
  );
  return owners.map((o) => o.id);
}

/** The guides whose manager is `managerStaffId`. */
export async function teamOf(q: Queryable, workspaceId: string, managerStaffId: string): Promise<string[]> {
  const rows = await q.query<{ staff_id: string }>(
    'SELECT staff_id FROM guides WHERE workspace_id = $1 AND manager_staff_id = $2',
    [workspaceId, managerStaffId],
  );
  return rows.map((r) => r.staff_id);
}
