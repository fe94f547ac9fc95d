// Statistics over attributed adds, by day in the workspace's time zone: adds, customers lost (a deletion by either
// side, counted on its day whatever the add's day), net adds, and 7- and 30-day retention of the range's adds —
// per code, channel and guide, and the console's overview.
import type {
  AcquisitionOverview,
  AcquisitionStats,
  Retention,
  StatsFigures,
  StatsQuery,
} from '../../contracts/acquisition.ts';
import type { Tx } from '../../platform/db/index.ts';
import { badRequest } from '../../platform/errors.ts';
import type { RequestContext } from '../../platform/http/routes.ts';
import { guideByStaffId, guideByWecomUserId } from '../relationships/index.ts';
import { dayStartSql } from './codes.ts';
import { addDays, dayIn, ownStaffId, workspaceInfo } from './shared.ts';

const MAX_RANGE_DAYS = 366;
const DEFAULT_RANGE_DAYS = 30;

export const retention = (cohort: number, retained: number): Retention => ({
  cohort,
  retained,
  rate: cohort === 0 ? null : retained / cohort,
});

interface GroupRow {
  code_id: string;
  channel_id: string;
  wecom_userid: string;
  staff_id: string | null;
  adds: number;
  lost: number;
  c7: number;
  r7: number;
  c30: number;
  r30: number;
}

type Counts = Pick<GroupRow, 'adds' | 'lost' | 'c7' | 'r7' | 'c30' | 'r30'>;
const ZERO: Counts = { adds: 0, lost: 0, c7: 0, r7: 0, c30: 0, r30: 0 };
const plus = (a: Counts, b: Counts): Counts => ({
  adds: a.adds + b.adds,
  lost: a.lost + b.lost,
  c7: a.c7 + b.c7,
  r7: a.r7 + b.r7,
  c30: a.c30 + b.c30,
  r30: a.r30 + b.r30,
});
const figures = (c: Counts): StatsFigures => ({
  adds: c.adds,
  lost: c.lost,
  net: c.adds - c.lost,
  retention7: retention(c.c7, c.r7),
  retention30: retention(c.c30, c.r30),
});

/** The filters every statistic takes, as SQL over `acquisitions a` (parameters appended to `params`). */
async function filtersOf(ctx: RequestContext, query: Omit<StatsQuery, 'from' | 'to'>, params: unknown[]) {
  const where = ['a.workspace_id = $1'];
  const add = (sql: (p: string) => string, value: unknown) => {
    params.push(value);
    where.push(sql(`$${params.length}`));
  };
  if (query.codeId) add((p) => `a.code_id = ${p}`, query.codeId);
  if (query.channelId) add((p) => `a.channel_id = ${p}`, query.channelId);
  if (query.linkId) add((p) => `a.link_id = ${p}`, query.linkId);
  if (query.staffId) add((p) => `a.staff_id = ${p}`, query.staffId);
  const own = ownStaffId(ctx);
  if (own) add((p) => `a.staff_id = ${p}`, own);
  return where.join(' AND ');
}

/** Grouped counts over [start, end): adds and losses in it, and the retention cohorts of its adds at `now`. */
const GROUPED = (where: string, s: string, e: string, now: string) => `
  SELECT a.code_id, a.channel_id, a.wecom_userid, a.staff_id,
         count(*) FILTER (WHERE a.added_at >= ${s} AND a.added_at < ${e})::int AS adds,
         count(*) FILTER (WHERE a.lost_at >= ${s} AND a.lost_at < ${e})::int AS lost,
         count(*) FILTER (WHERE a.added_at >= ${s} AND a.added_at < ${e}
                            AND a.added_at + interval '7 days' <= ${now})::int AS c7,
         count(*) FILTER (WHERE a.added_at >= ${s} AND a.added_at < ${e}
                            AND a.added_at + interval '7 days' <= ${now}
                            AND (a.lost_at IS NULL OR a.lost_at > a.added_at + interval '7 days'))::int AS r7,
         count(*) FILTER (WHERE a.added_at >= ${s} AND a.added_at < ${e}
                            AND a.added_at + interval '30 days' <= ${now})::int AS c30,
         count(*) FILTER (WHERE a.added_at >= ${s} AND a.added_at < ${e}
                            AND a.added_at + interval '30 days' <= ${now}
                            AND (a.lost_at IS NULL OR a.lost_at > a.added_at + interval '30 days'))::int AS r30
    FROM acquisitions a
   WHERE ${where} AND ((a.added_at >= ${s} AND a.added_at < ${e}) OR (a.lost_at >= ${s} AND a.lost_at < ${e}))
   GROUP BY a.code_id, a.channel_id, a.wecom_userid, a.staff_id`;

/** The range asked for, checked: the last 30 days by default, at most 366. */
export function rangeOf(query: { from?: string | undefined; to?: string | undefined }, today: string) {
  const to = query.to ?? (query.from ? addDays(query.from, DEFAULT_RANGE_DAYS - 1) : today);
  const from = query.from ?? addDays(to, -(DEFAULT_RANGE_DAYS - 1));
  const days = Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000) + 1;
  if (days < 1 || days > MAX_RANGE_DAYS) throw badRequest('acquisition.bad_range', { max: MAX_RANGE_DAYS });
  return { from, to, days };
}

export async function acquisitionStats(ctx: RequestContext, query: StatsQuery): Promise<AcquisitionStats> {
  const { timezone } = await workspaceInfo(ctx.tx, ctx.workspaceId);
  const now = ctx.now();
  const { from, to, days } = rangeOf(query, dayIn(now, timezone));
  const params: unknown[] = [ctx.workspaceId];
  const where = await filtersOf(ctx, query, params);
  params.push(from, addDays(to, 1), timezone, now);
  const n = params.length;
  const s = dayStartSql(`$${n - 3}::date`, `$${n - 1}`);
  const e = dayStartSql(`$${n - 2}::date`, `$${n - 1}`);
  const groups = await ctx.tx.query<GroupRow>(GROUPED(where, s, e, `$${n}::timestamptz`), params);
  const perDay = await ctx.tx.query<{ day: string; adds: number; lost: number }>(
    `SELECT day::text, sum(adds)::int AS adds, sum(lost)::int AS lost FROM (
       SELECT (a.added_at AT TIME ZONE $${n - 1})::date AS day, 1 AS adds, 0 AS lost FROM acquisitions a
        WHERE ${where} AND a.added_at >= ${s} AND a.added_at < ${e}
       UNION ALL
       SELECT (a.lost_at AT TIME ZONE $${n - 1})::date, 0, 1 FROM acquisitions a
        WHERE ${where} AND a.lost_at >= ${s} AND a.lost_at < ${e}
     ) AS x GROUP BY day`,
    params.slice(0, n - 1),
  );

  const byDay = new Map(perDay.map((d) => [d.day, d]));
  const daysOut = Array.from({ length: days }, (_, i) => {
    const day = addDays(from, i);
    const d = byDay.get(day);
    return { day, adds: d?.adds ?? 0, lost: d?.lost ?? 0, net: (d?.adds ?? 0) - (d?.lost ?? 0) };
  });

  const sumBy = (key: (g: GroupRow) => string) => {
    const out = new Map<string, Counts>();
    for (const g of groups) out.set(key(g), plus(out.get(key(g)) ?? ZERO, g));
    return out;
  };
  const codeIds = [...new Set(groups.map((g) => g.code_id))];
  const channelIds = [...new Set(groups.map((g) => g.channel_id))];
  const codes = await ctx.tx.query<{ id: string; name: string; channel_id: string }>(
    'SELECT id, name, channel_id FROM acquisition_codes WHERE workspace_id = $1 AND id = ANY($2::uuid[])',
    [ctx.workspaceId, codeIds],
  );
  const channels = await ctx.tx.query<{ id: string; key: string; name: string }>(
    'SELECT id, key, name FROM acquisition_channels WHERE workspace_id = $1 AND id = ANY($2::uuid[])',
    [ctx.workspaceId, channelIds],
  );
  const byGuide = sumBy((g) => g.wecom_userid);
  const guideRows: AcquisitionStats['byGuide'] = [];
  for (const [wecomUserId, counts] of byGuide) {
    const staffId = groups.find((g) => g.wecom_userid === wecomUserId && g.staff_id)?.staff_id ?? null;
    const ref = staffId
      ? await guideByStaffId(ctx.tx, ctx.workspaceId, staffId)
      : await guideByWecomUserId(ctx.tx, ctx.workspaceId, wecomUserId);
    guideRows.push({
      staffId: ref?.staffId ?? staffId,
      wecomUserId,
      name: ref?.name ?? wecomUserId,
      ...figures(counts),
    });
  }
  const byAdds = <T extends { adds: number }>(a: T, b: T) => b.adds - a.adds;
  return {
    from,
    to,
    timezone,
    totals: figures(groups.reduce<Counts>((sum, g) => plus(sum, g), ZERO)),
    days: daysOut,
    byCode: [...sumBy((g) => g.code_id)]
      .map(([codeId, c]) => {
        const code = codes.find((x) => x.id === codeId);
        return { codeId, name: code?.name ?? '', channelId: code?.channel_id ?? '', ...figures(c) };
      })
      .sort(byAdds),
    byChannel: [...sumBy((g) => g.channel_id)]
      .map(([channelId, c]) => {
        const channel = channels.find((x) => x.id === channelId);
        return { channelId, key: channel?.key ?? '', name: channel?.name ?? '', ...figures(c) };
      })
      .sort(byAdds),
    byGuide: guideRows.sort(byAdds),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The overview.

async function period(tx: Tx, where: string, params: unknown[], sinceSql: string, nowSql: string) {
  const [row] = await tx.query<{ adds: number; lost: number }>(
    `SELECT count(*) FILTER (WHERE a.added_at >= ${sinceSql} AND a.added_at < ${nowSql})::int AS adds,
            count(*) FILTER (WHERE a.lost_at >= ${sinceSql} AND a.lost_at < ${nowSql})::int AS lost
       FROM acquisitions a
      WHERE ${where} AND (a.added_at >= ${sinceSql} OR a.lost_at >= ${sinceSql})`,
    params,
  );
  const adds = row?.adds ?? 0;
  const lost = row?.lost ?? 0;
  return { adds, lost, net: adds - lost };
}

export async function acquisitionOverview(ctx: RequestContext): Promise<AcquisitionOverview> {
  const { tx, workspaceId } = ctx;
  const { timezone } = await workspaceInfo(tx, workspaceId);
  const now = ctx.now();
  const today = dayIn(now, timezone);
  const params: unknown[] = [workspaceId];
  const where = await filtersOf(ctx, {}, params);
  params.push(timezone, now);
  const tz = `$${params.length - 1}`;
  const at = `$${params.length}::timestamptz`;
  const since = (days: number) => dayStartSql(`'${addDays(today, -(days - 1))}'::date`, tz);

  const own = ownStaffId(ctx);
  const ownGuide = own ? await guideByStaffId(tx, workspaceId, own) : null;
  const [codes] = await tx.query<{ active: number; paused: number; expired: number; failing: number }>(
    `SELECT count(*) FILTER (WHERE NOT x.expired AND x.paused_at IS NULL)::int AS active,
            count(*) FILTER (WHERE NOT x.expired AND x.paused_at IS NOT NULL)::int AS paused,
            count(*) FILTER (WHERE x.expired)::int AS expired,
            count(*) FILTER (WHERE NOT x.expired AND x.failing)::int AS failing
       FROM (SELECT c.paused_at, (c.expired_at IS NOT NULL OR coalesce(c.expires_at <= $2, false)) AS expired,
                    EXISTS (SELECT 1 FROM acquisition_ways w WHERE w.workspace_id = c.workspace_id
                               AND w.code_id = c.id AND w.removed_at IS NULL AND w.sync_state = 'failed') AS failing
               FROM acquisition_codes c
              WHERE c.workspace_id = $1 AND c.deleted_at IS NULL
                AND ($3::uuid IS NULL OR c.backup_staff_id = $3 OR EXISTS (
                      SELECT 1 FROM acquisition_code_guides g
                       WHERE g.workspace_id = c.workspace_id AND g.code_id = c.id AND g.staff_id = $3))) AS x`,
    [workspaceId, now, own],
  );
  const [cohorts] = await tx.query<{ c7: number; r7: number; c30: number; r30: number }>(
    `SELECT count(*) FILTER (WHERE a.added_at >= ${since(30)} AND a.added_at + interval '7 days' <= ${at})::int AS c7,
            count(*) FILTER (WHERE a.added_at >= ${since(30)} AND a.added_at + interval '7 days' <= ${at}
                               AND (a.lost_at IS NULL OR a.lost_at > a.added_at + interval '7 days'))::int AS r7,
            count(*) FILTER (WHERE a.added_at + interval '30 days' <= ${at})::int AS c30,
            count(*) FILTER (WHERE a.added_at + interval '30 days' <= ${at}
                               AND (a.lost_at IS NULL OR a.lost_at > a.added_at + interval '30 days'))::int AS r30
       FROM acquisitions a WHERE ${where} AND a.added_at >= ${since(90)}`,
    params,
  );
  const [welcome] = await tx.query<{
    sent: number;
    failed: number;
    skipped: number;
    p50: number | null;
    p95: number | null;
  }>(
    `SELECT count(*) FILTER (WHERE status = 'sent')::int AS sent,
            count(*) FILTER (WHERE status IN ('failed', 'sending'))::int AS failed,
            count(*) FILTER (WHERE status = 'skipped')::int AS skipped,
            (percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) FILTER (WHERE status = 'sent'))::int AS p50,
            (percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) FILTER (WHERE status = 'sent'))::int AS p95
       FROM acquisition_welcomes
      WHERE workspace_id = $1 AND added_at >= $2::timestamptz - interval '7 days' AND ($3::text IS NULL OR wecom_userid = $3)`,
    [workspaceId, now, own ? (ownGuide?.wecomUserId ?? '') : null],
  );
  const top = await tx.query<{ kind: string; id: string; name: string; adds: number; lost: number }>(
    `SELECT * FROM (
       SELECT 'code' AS kind, a.code_id AS id, c.name, count(*)::int AS adds,
              count(*) FILTER (WHERE a.lost_at IS NOT NULL)::int AS lost
         FROM acquisitions a JOIN acquisition_codes c ON c.workspace_id = a.workspace_id AND c.id = a.code_id
        WHERE ${where} AND a.added_at >= ${since(30)} AND a.added_at < ${at} GROUP BY a.code_id, c.name ORDER BY adds DESC, c.name LIMIT 5
     ) AS codes
     UNION ALL
     SELECT * FROM (
       SELECT 'channel', a.channel_id, ch.name, count(*)::int, count(*) FILTER (WHERE a.lost_at IS NOT NULL)::int
         FROM acquisitions a JOIN acquisition_channels ch ON ch.workspace_id = a.workspace_id AND ch.id = a.channel_id
        WHERE ${where} AND a.added_at >= ${since(30)} AND a.added_at < ${at} GROUP BY a.channel_id, ch.name ORDER BY 4 DESC, ch.name LIMIT 5
     ) AS channels`,
    params,
  );
  const ownParam = `$${params.length + 1}::uuid`;
  // A guide counts the clicks of links to codes they are in.
  const linkScope = `(${ownParam} IS NULL OR EXISTS (
    SELECT 1 FROM acquisition_links l JOIN acquisition_code_guides g ON g.workspace_id = l.workspace_id AND g.code_id = l.code_id
     WHERE l.workspace_id = k.workspace_id AND l.id = k.link_id AND g.staff_id = ${ownParam}))`;
  const [links] = await tx.query<{ clicks: number; visitors: number; adds: number }>(
    `SELECT (SELECT count(*)::int FROM acquisition_link_clicks k
              WHERE k.workspace_id = $1 AND k.at >= ${since(30)} AND k.at < ${at} AND ${linkScope}) AS clicks,
            (SELECT count(*)::int FROM acquisition_link_clicks k
              WHERE k.workspace_id = $1 AND k.at >= ${since(30)} AND k.first_visit AND ${linkScope}) AS visitors,
            (SELECT count(*)::int FROM acquisitions a WHERE ${where} AND a.link_id IS NOT NULL
               AND a.added_at >= ${since(30)}) AS adds`,
    [...params, own],
  );
  return {
    timezone,
    codes: codes ?? { active: 0, paused: 0, expired: 0, failing: 0 },
    today: await period(tx, where, params, since(1), at),
    last7Days: await period(tx, where, params, since(7), at),
    last30Days: await period(tx, where, params, since(30), at),
    retention7: retention(cohorts?.c7 ?? 0, cohorts?.r7 ?? 0),
    retention30: retention(cohorts?.c30 ?? 0, cohorts?.r30 ?? 0),
    welcome: {
      sent: welcome?.sent ?? 0,
      failed: welcome?.failed ?? 0,
      skipped: welcome?.skipped ?? 0,
      p50LatencyMs: welcome?.p50 ?? null,
      p95LatencyMs: welcome?.p95 ?? null,
    },
    topCodes: top
      .filter((t) => t.kind === 'code')
      .map((t) => ({ codeId: t.id, name: t.name, adds: t.adds, lost: t.lost })),
    topChannels: top
      .filter((t) => t.kind === 'channel')
      .map((t) => ({ channelId: t.id, name: t.name, adds: t.adds, lost: t.lost })),
    links: { clicks: links?.clicks ?? 0, uniqueVisitors: links?.visitors ?? 0, adds: links?.adds ?? 0 },
  };
}
