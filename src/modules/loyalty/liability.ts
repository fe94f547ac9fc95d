// The liability report: the points members hold, by the month they expire in (workspace time zone), and what
// they are worth at today's redemption rate — what the brand owes its members if every point is used.
import type { Liability } from '../../contracts/points.ts';
import type { Queryable } from '../../platform/db/index.ts';
import { pointsValueFen } from './redemption.ts';
import { rulesAt } from './rule-changes.ts';

export async function liabilityReport(q: Queryable, workspaceId: string, now: Date): Promise<Liability> {
  const { rules } = await rulesAt(q, workspaceId, now);
  const months = await q.query<{ month: string; points: number; members: number }>(
    // A lot expiring at midnight belongs to the month of its last valid day, the one members are told.
    `SELECT to_char((l.expires_at - interval '1 microsecond') AT TIME ZONE w.timezone, 'YYYY-MM') AS month,
            sum(l.remaining)::bigint AS points, count(DISTINCT l.customer_id)::int AS members
       FROM points_lots l JOIN workspaces w ON w.id = l.workspace_id
      WHERE l.workspace_id = $1 AND l.remaining > 0
      GROUP BY 1 ORDER BY 1`,
    [workspaceId],
  );
  const totals = await q.query<{ points: number; members: number; debt: number }>(
    `SELECT coalesce(sum(balance), 0)::bigint AS points, count(*) FILTER (WHERE balance > 0)::int AS members,
            coalesce(sum(debt), 0)::bigint AS debt
       FROM points_balances WHERE workspace_id = $1`,
    [workspaceId],
  );
  const r = rules.redemption;
  const byMonth = months.map((m) => ({
    month: m.month,
    points: Number(m.points),
    valueFen: pointsValueFen(Number(m.points), r),
    members: m.members,
  }));
  const total = Number(totals[0]?.points ?? 0);
  return {
    months: byMonth,
    totalPoints: total,
    totalValueFen: pointsValueFen(total, r),
    members: totals[0]?.members ?? 0,
    debtPoints: Number(totals[0]?.debt ?? 0),
    rate: { points: r.points, valueFen: r.valueFen },
    asOf: now.toISOString(),
  };
}
