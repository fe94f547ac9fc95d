// The guide dashboard: today's tasks, completion rates over 7 and 30 days, new customers and churn, for one guide,
// a manager's team, or every guide of the workspace. A guide sees their own numbers (and their team's if they manage
// one); others choose.
import type { DashboardQuery, GuideDashboard, GuideStats } from '../../contracts/relationships.ts';
import type { Tx } from '../../platform/db/index.ts';
import { AppError } from '../../platform/errors.ts';
import type { RequestContext } from '../../platform/http/routes.ts';
import { dayOf, instantOf, workspaceTimezone } from './calendar.ts';
import { teamOf } from './guides.ts';
import { listTasks } from './sop-tasks.ts';

const DAY_MS = 86_400_000;

async function whose(
  ctx: RequestContext,
  query: DashboardQuery,
): Promise<{ view: GuideDashboard['view']; guides: string[] | null }> {
  const self = ctx.actor.type === 'staff' ? ctx.actor.id : null;
  if (ctx.scope.kind === 'own') {
    if (query.managerStaffId && query.managerStaffId === ctx.scope.staffId) {
      return { view: 'team', guides: await teamOf(ctx.tx, ctx.workspaceId, ctx.scope.staffId) };
    }
    if ((query.staffId && query.staffId !== ctx.scope.staffId) || query.managerStaffId) {
      throw new AppError(403, 'auth.forbidden', { permission: 'relationship.read (workspace)' });
    }
    return { view: 'guide', guides: [ctx.scope.staffId] };
  }
  if (query.staffId) return { view: 'guide', guides: [query.staffId] };
  const manager = query.managerStaffId ?? self;
  if (manager) {
    const team = await teamOf(ctx.tx, ctx.workspaceId, manager);
    if (team.length > 0 || query.managerStaffId) return { view: 'team', guides: team };
  }
  return { view: 'workspace', guides: null };
}

interface StatRow {
  staff_id: string;
  name: string;
  customers: number;
  open_today: number;
  overdue: number;
  done7: number;
  due7: number;
  done30: number;
  due30: number;
  new7: number;
  new30: number;
  churn7: number;
  churn30: number;
}

const rate = (done: number, due: number) => ({
  done,
  due,
  rate: due === 0 ? null : Math.round((done / due) * 1000) / 1000,
});

const toStats = (r: StatRow): GuideStats => ({
  staffId: r.staff_id,
  name: r.name,
  customers: r.customers,
  openToday: r.open_today,
  overdue: r.overdue,
  completion7: rate(r.done7, r.due7),
  completion30: rate(r.done30, r.due30),
  newCustomers7: r.new7,
  newCustomers30: r.new30,
  churn7: r.churn7,
  churn30: r.churn30,
});

async function stats(tx: Tx, workspaceId: string, guides: string[] | null, now: Date, endOfToday: Date) {
  const since7 = new Date(now.getTime() - 7 * DAY_MS);
  const since30 = new Date(now.getTime() - 30 * DAY_MS);
  // Completion counts the tasks that fell due in the window (up to now): done over all of them.
  return tx.query<StatRow>(
    `SELECT g.staff_id, s.name,
        (SELECT count(DISTINCT r.customer_id)::int FROM customer_relationships r
          WHERE r.workspace_id = g.workspace_id AND r.wecom_userid = g.wecom_userid AND r.status = 'active') AS customers,
        (SELECT count(*)::int FROM sop_tasks t WHERE t.workspace_id = g.workspace_id AND t.guide_staff_id = g.staff_id
            AND t.status IN ('open', 'overdue') AND t.due_at < $5) AS open_today,
        (SELECT count(*)::int FROM sop_tasks t WHERE t.workspace_id = g.workspace_id AND t.guide_staff_id = g.staff_id
            AND t.status = 'overdue') AS overdue,
        (SELECT count(*) FILTER (WHERE t.status = 'done')::int FROM sop_tasks t
          WHERE t.workspace_id = g.workspace_id AND t.guide_staff_id = g.staff_id AND t.due_at >= $3 AND t.due_at < $6)
          AS done7,
        (SELECT count(*)::int FROM sop_tasks t
          WHERE t.workspace_id = g.workspace_id AND t.guide_staff_id = g.staff_id AND t.due_at >= $3 AND t.due_at < $6)
          AS due7,
        (SELECT count(*) FILTER (WHERE t.status = 'done')::int FROM sop_tasks t
          WHERE t.workspace_id = g.workspace_id AND t.guide_staff_id = g.staff_id AND t.due_at >= $4 AND t.due_at < $6)
          AS done30,
        (SELECT count(*)::int FROM sop_tasks t
          WHERE t.workspace_id = g.workspace_id AND t.guide_staff_id = g.staff_id AND t.due_at >= $4 AND t.due_at < $6)
          AS due30,
        (SELECT count(*)::int FROM customer_relationships r WHERE r.workspace_id = g.workspace_id
            AND r.wecom_userid = g.wecom_userid AND r.origin = 'add' AND r.added_at >= $3) AS new7,
        (SELECT count(*)::int FROM customer_relationships r WHERE r.workspace_id = g.workspace_id
            AND r.wecom_userid = g.wecom_userid AND r.origin = 'add' AND r.added_at >= $4) AS new30,
        (SELECT count(*)::int FROM relationship_churn h WHERE h.workspace_id = g.workspace_id
            AND h.guide_staff_id = g.staff_id AND h.occurred_at >= $3) AS churn7,
        (SELECT count(*)::int FROM relationship_churn h WHERE h.workspace_id = g.workspace_id
            AND h.guide_staff_id = g.staff_id AND h.occurred_at >= $4) AS churn30
       FROM guides g JOIN staff s ON s.workspace_id = g.workspace_id AND s.id = g.staff_id
      WHERE g.workspace_id = $1 AND ($2::uuid[] IS NULL OR g.staff_id = ANY($2::uuid[]))
      ORDER BY s.name, g.staff_id`,
    [workspaceId, guides, since7, since30, endOfToday, now],
  );
}

export async function guideDashboard(ctx: RequestContext, query: DashboardQuery): Promise<GuideDashboard> {
  const { view, guides } = await whose(ctx, query);
  const now = ctx.now();
  const timeZone = await workspaceTimezone(ctx.tx, ctx.workspaceId);
  const endOfToday = instantOf(dayOf(now, timeZone) + 1, 0, timeZone);
  const rows = (await stats(ctx.tx, ctx.workspaceId, guides, now, endOfToday)).map(toStats);
  const sum = (pick: (g: GuideStats) => number) => rows.reduce((n, g) => n + pick(g), 0);
  const totals: GuideStats = {
    staffId: view === 'guide' && rows[0] ? rows[0].staffId : ctx.workspaceId,
    name: view === 'guide' && rows[0] ? rows[0].name : '',
    customers: sum((g) => g.customers),
    openToday: sum((g) => g.openToday),
    overdue: sum((g) => g.overdue),
    completion7: rate(
      sum((g) => g.completion7.done),
      sum((g) => g.completion7.due),
    ),
    completion30: rate(
      sum((g) => g.completion30.done),
      sum((g) => g.completion30.due),
    ),
    newCustomers7: sum((g) => g.newCustomers7),
    newCustomers30: sum((g) => g.newCustomers30),
    churn7: sum((g) => g.churn7),
    churn30: sum((g) => g.churn30),
  };
  // A guide looking at their team sees the team's numbers, but only their own tasks.
  const taskGuides = ctx.scope.kind === 'own' ? [ctx.scope.staffId] : (guides ?? undefined);
  const today = await listTasks(ctx, { due: 'today', limit: 50 }, taskGuides);
  return { view, totals, guides: rows, todayTasks: today.items };
}
