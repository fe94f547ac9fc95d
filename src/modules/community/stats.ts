// Group statistics and KOC discovery, read straight from the membership log and the messages (one group or all,
// over days of the workspace's time zone). Members per day are the running sum of joins and leaves, which the log
// holds for every member since their first sync (a synced member's join is logged at WeCom's join_time).
import type {
  GroupStatsReport,
  KocCandidate,
  KocQuery,
  KocReport,
  MemberRole,
  StatsQuery,
} from '../../contracts/community.ts';
import type { Tx } from '../../platform/db/index.ts';
import { badRequest } from '../../platform/errors.ts';
import { assertGroup } from './groups.ts';
import { addDays, dayIn, workspaceSettings } from './shared.ts';

/** Longest range a report covers, in days. */
const MAX_DAYS = 366;

/** The days a query covers: from/to as given, by default the 30 days up to today. */
async function range(tx: Tx, workspaceId: string, query: { from?: string; to?: string }, now: Date) {
  const { timezone } = await workspaceSettings(tx, workspaceId);
  const to = query.to ?? dayIn(now, timezone);
  const from = query.from ?? addDays(to, -29);
  const days = (Date.parse(to) - Date.parse(from)) / 86_400_000 + 1;
  if (days < 1 || days > MAX_DAYS) throw badRequest('community.bad_range', { max: MAX_DAYS });
  return { from, to, timezone };
}

/**
 * The groups of a report (`grp`) and its bounds: $1 workspace, $2 group or null, $3 first day, $4 last day, $5
 * time zone; `lo` and `hi` are the instants the days start and end at.
 */
const SCOPE = `
  grp AS (SELECT id, chat_id FROM community_groups WHERE workspace_id = $1 AND ($2::uuid IS NULL OR id = $2)),
  bounds AS (SELECT ($3::date::timestamp AT TIME ZONE $5) AS lo, (($4::date + 1)::timestamp AT TIME ZONE $5) AS hi)`;

export async function groupStats(tx: Tx, workspaceId: string, query: StatsQuery, now: Date): Promise<GroupStatsReport> {
  if (query.groupId) await assertGroup(tx, workspaceId, query.groupId);
  const { from, to, timezone } = await range(tx, workspaceId, query, now);
  const params = [workspaceId, query.groupId ?? null, from, to, timezone];
  const days = await tx.query<{
    day: string;
    joins: number;
    quits: number;
    members: number;
    messages: number;
    active: number;
  }>(
    `WITH ${SCOPE},
     days AS (SELECT d::date AS day FROM generate_series($3::date, $4::date, interval '1 day') AS d),
     ev AS (
       SELECT (e.at AT TIME ZONE $5)::date AS day, count(*) FILTER (WHERE e.kind = 'join') AS joins,
              count(*) FILTER (WHERE e.kind = 'leave') AS quits
         FROM community_member_events e JOIN grp ON grp.id = e.group_id, bounds
        WHERE e.workspace_id = $1 AND e.at >= bounds.lo AND e.at < bounds.hi
        GROUP BY 1
     ),
     base AS (
       SELECT count(*) FILTER (WHERE e.kind = 'join') - count(*) FILTER (WHERE e.kind = 'leave') AS n
         FROM community_member_events e JOIN grp ON grp.id = e.group_id, bounds
        WHERE e.workspace_id = $1 AND e.at < bounds.lo
     ),
     msg AS (
       SELECT (m.sent_at AT TIME ZONE $5)::date AS day, count(*) AS messages, count(DISTINCT m.sender_id) AS active
         FROM community_messages m JOIN grp ON grp.chat_id = m.chat_id, bounds
        WHERE m.workspace_id = $1 AND NOT m.recalled AND m.sent_at >= bounds.lo AND m.sent_at < bounds.hi
        GROUP BY 1
     )
     SELECT to_char(days.day, 'YYYY-MM-DD') AS day, coalesce(ev.joins, 0)::int AS joins,
            coalesce(ev.quits, 0)::int AS quits,
            ((SELECT n FROM base)
              + sum(coalesce(ev.joins, 0) - coalesce(ev.quits, 0)) OVER (ORDER BY days.day))::int AS members,
            coalesce(msg.messages, 0)::int AS messages, coalesce(msg.active, 0)::int AS active
       FROM days LEFT JOIN ev ON ev.day = days.day LEFT JOIN msg ON msg.day = days.day
      ORDER BY days.day`,
    params,
  );
  const [overall] = await tx.query<{ active: number }>(
    `WITH ${SCOPE}
     SELECT count(DISTINCT m.sender_id)::int AS active
       FROM community_messages m JOIN grp ON grp.chat_id = m.chat_id, bounds
      WHERE m.workspace_id = $1 AND NOT m.recalled AND m.sent_at >= bounds.lo AND m.sent_at < bounds.hi`,
    params,
  );
  const speakers = await tx.query<{ sender_id: string; name: string | null; customer_id: string | null; n: number }>(
    `WITH ${SCOPE}
     SELECT m.sender_id, max(mem.name) AS name, (array_agg(mem.customer_id) FILTER (WHERE mem.customer_id IS NOT NULL))[1]
              AS customer_id, count(*)::int AS n
       FROM community_messages m JOIN grp ON grp.chat_id = m.chat_id
       LEFT JOIN community_members mem
         ON mem.workspace_id = m.workspace_id AND mem.group_id = grp.id AND mem.member_id = m.sender_id, bounds
      WHERE m.workspace_id = $1 AND NOT m.recalled AND m.sent_at >= bounds.lo AND m.sent_at < bounds.hi
      GROUP BY m.sender_id ORDER BY n DESC, m.sender_id LIMIT 10`,
    params,
  );
  const sum = (pick: (d: (typeof days)[number]) => number) => days.reduce((total, d) => total + pick(d), 0);
  return {
    groupId: query.groupId ?? null,
    from,
    to,
    days: days.map((d) => ({
      day: d.day,
      members: d.members,
      joins: d.joins,
      quits: d.quits,
      messages: d.messages,
      activeMembers: d.active,
    })),
    totals: {
      members: days[days.length - 1]?.members ?? 0,
      joins: sum((d) => d.joins),
      quits: sum((d) => d.quits),
      messages: sum((d) => d.messages),
      activeMembers: overall?.active ?? 0,
    },
    topSpeakers: speakers.map((s) => ({
      memberId: s.sender_id,
      name: s.name || s.sender_id,
      customerId: s.customer_id,
      messages: s.n,
    })),
  };
}

/**
 * Customers ranked as KOC (key opinion consumer) candidates over a period: how much they write and on how many
 * days, how many members they brought in (joins with them as inviter), and the tone of what they write. The score
 * is `messages + 5 × activeDays + 10 × invited + 3 × positive − 3 × negative`: a day of presence outweighs a burst
 * of messages, an invitation outweighs a day, and a positive message a little more than a plain one.
 */
export async function kocCandidates(tx: Tx, workspaceId: string, query: KocQuery, now: Date): Promise<KocReport> {
  if (query.groupId) await assertGroup(tx, workspaceId, query.groupId);
  const { from, to, timezone } = await range(tx, workspaceId, query, now);
  const rows = await tx.query<{
    member_id: string;
    messages: number;
    active_days: number;
    invited: number;
    pos: number;
    neg: number;
    score: number;
    name: string;
    customer_id: string | null;
    groups: { groupId: string; name: string; role: MemberRole }[];
    koc: boolean;
  }>(
    `WITH ${SCOPE},
     msgs AS (
       SELECT m.sender_id AS member_id, count(*) AS messages,
              count(DISTINCT (m.sent_at AT TIME ZONE $5)::date) AS active_days,
              count(*) FILTER (WHERE m.sentiment > 0) AS pos, count(*) FILTER (WHERE m.sentiment < 0) AS neg
         FROM community_messages m JOIN grp ON grp.chat_id = m.chat_id, bounds
        WHERE m.workspace_id = $1 AND NOT m.recalled AND m.sent_at >= bounds.lo AND m.sent_at < bounds.hi
        GROUP BY m.sender_id
     ),
     inv AS (
       SELECT e.invitor_id AS member_id, count(*) AS invited
         FROM community_member_events e JOIN grp ON grp.id = e.group_id, bounds
        WHERE e.workspace_id = $1 AND e.kind = 'join' AND e.invitor_id IS NOT NULL
          AND e.at >= bounds.lo AND e.at < bounds.hi
        GROUP BY e.invitor_id
     ),
     cand AS (
       SELECT coalesce(msgs.member_id, inv.member_id) AS member_id, coalesce(msgs.messages, 0)::int AS messages,
              coalesce(msgs.active_days, 0)::int AS active_days, coalesce(inv.invited, 0)::int AS invited,
              coalesce(msgs.pos, 0)::int AS pos, coalesce(msgs.neg, 0)::int AS neg
         FROM msgs FULL JOIN inv ON inv.member_id = msgs.member_id
     )
     SELECT cand.*, (cand.messages + 5 * cand.active_days + 10 * cand.invited + 3 * cand.pos - 3 * cand.neg)::int
              AS score,
            mem.name, mem.customer_id, mem.groups, mem.koc
       FROM cand
       JOIN LATERAL (
         SELECT max(m.name) AS name,
                (array_agg(m.customer_id) FILTER (WHERE m.customer_id IS NOT NULL))[1] AS customer_id,
                jsonb_agg(jsonb_build_object('groupId', g.id, 'name', g.name, 'role', m.role) ORDER BY g.name)
                  AS groups,
                bool_or(m.role = 'koc') AS koc
           FROM community_members m
           JOIN community_groups g ON g.workspace_id = m.workspace_id AND g.id = m.group_id
          WHERE m.workspace_id = $1 AND m.member_id = cand.member_id AND m.type = 'external'
            AND m.status = 'active' AND ($2::uuid IS NULL OR m.group_id = $2)
       ) mem ON mem.name IS NOT NULL
      ORDER BY score DESC, cand.member_id LIMIT $6`,
    [workspaceId, query.groupId ?? null, from, to, timezone, query.limit ?? 50],
  );
  return {
    from,
    to,
    items: rows.map(
      (r): KocCandidate => ({
        memberId: r.member_id,
        name: r.name || r.member_id,
        customerId: r.customer_id,
        groups: r.groups,
        messages: r.messages,
        activeDays: r.active_days,
        invited: r.invited,
        positiveMessages: r.pos,
        negativeMessages: r.neg,
        positivity: r.pos + r.neg > 0 ? Math.round((100 * r.pos) / (r.pos + r.neg)) : null,
        score: r.score,
        koc: r.koc,
      }),
    ),
    nextCursor: null,
  };
}
