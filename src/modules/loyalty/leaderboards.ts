// Leaderboards: points earned in a week (Monday to Sunday) or a calendar month of the workspace's time zone, the
// top N members and, when asked, one member's own rank. Only earnings count (not adjustments or transfers).
import type { Leaderboard, LeaderboardQuery } from '../../contracts/points.ts';
import type { Queryable } from '../../platform/db/index.ts';
import { maskName } from '../customers/index.ts';

interface Row {
  customer_id: string | null;
  points: number | null;
  rank: number | null;
  top: boolean | null;
  participants: number;
  from_day: string;
  to_day: string;
  name: string | null;
  card_no: string | null;
}

export async function leaderboard(
  q: Queryable,
  workspaceId: string,
  period: 'week' | 'month',
  query: LeaderboardQuery,
  now: Date,
  showPii: boolean,
): Promise<Leaderboard> {
  const limit = query.limit ?? 10;
  const rows = await q.query<Row>(
    `WITH cal AS (
       SELECT w.timezone AS tz,
              date_trunc($2, coalesce($3::date, ($4::timestamptz AT TIME ZONE w.timezone)::date)::timestamp) AS start_local
         FROM workspaces w WHERE w.id = $1
     ), bounds AS (
       SELECT start_local AT TIME ZONE tz AS from_at, (start_local + ('1 ' || $2)::interval) AT TIME ZONE tz AS to_at,
              to_char(start_local, 'YYYY-MM-DD') AS from_day,
              to_char(start_local + ('1 ' || $2)::interval - interval '1 day', 'YYYY-MM-DD') AS to_day
         FROM cal
     ), totals AS (
       SELECT t.customer_id, sum(t.amount)::bigint AS points
         FROM points_transactions t, bounds b
        WHERE t.workspace_id = $1 AND t.kind = 'earn' AND t.at >= b.from_at AND t.at < b.to_at
        GROUP BY t.customer_id
     ), ranked AS (
       SELECT customer_id, points, rank() OVER (ORDER BY points DESC)::int AS rank,
              row_number() OVER (ORDER BY points DESC, customer_id) <= $5 AS top, count(*) OVER ()::int AS participants
         FROM totals
     ), picked AS (
       SELECT * FROM ranked WHERE top OR customer_id = $6::uuid
     )
     SELECT p.customer_id, p.points, p.rank, p.top, coalesce(p.participants, (SELECT count(*) FROM totals))::int AS participants,
            b.from_day, b.to_day, c.name, m.card_no
       FROM bounds b
       LEFT JOIN picked p ON true
       LEFT JOIN customers c ON c.workspace_id = $1 AND c.id = p.customer_id
       LEFT JOIN members m ON m.workspace_id = $1 AND m.customer_id = p.customer_id
      ORDER BY p.rank, p.customer_id`,
    [workspaceId, period, query.date ?? null, now, limit, query.customerId ?? null],
  );
  const first = rows[0] as Row;
  const toRow = (r: Row) => ({
    rank: r.rank as number,
    customerId: r.customer_id as string,
    name: r.name === null ? null : showPii ? r.name : maskName(r.name),
    cardNo: r.card_no,
    points: Number(r.points),
  });
  const present = rows.filter((r) => r.customer_id !== null);
  const me = query.customerId ? present.find((r) => r.customer_id === query.customerId) : undefined;
  return {
    period,
    from: first.from_day,
    to: first.to_day,
    items: present.filter((r) => r.top).map(toRow),
    me: me ? toRow(me) : null,
    participants: first.participants,
  };
}
