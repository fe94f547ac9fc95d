// How the community module takes part in customer merges (memberships, their history, check-ins, violations and
// blacklist entries follow the survivor, and go back on unmerge) and in the customer timeline (group joins and
// leaves).
import type { Tx } from '../../platform/db/index.ts';
import type { MergeParticipant, TimelineItem, TimelineSource } from '../customers/participants.ts';

interface CommunityUndo {
  members: { group_id: string; member_id: string }[];
  events: number[];
  checkIns: { group_id: string; member_id: string; day: string }[];
  violations: number[];
  blacklist: string[];
}

export const communityMergeParticipant: MergeParticipant = {
  name: 'community',
  async move(tx, workspaceId, fromId, toId): Promise<CommunityUndo> {
    const params = [workspaceId, fromId, toId];
    const members = await tx.query<{ group_id: string; member_id: string }>(
      `UPDATE community_members SET customer_id = $3 WHERE workspace_id = $1 AND customer_id = $2
       RETURNING group_id, member_id`,
      params,
    );
    const events = await tx.query<{ id: number }>(
      'UPDATE community_member_events SET customer_id = $3 WHERE workspace_id = $1 AND customer_id = $2 RETURNING id',
      params,
    );
    const checkIns = await tx.query<{ group_id: string; member_id: string; day: string }>(
      `UPDATE community_check_ins SET customer_id = $3 WHERE workspace_id = $1 AND customer_id = $2
       RETURNING group_id, member_id, to_char(day, 'YYYY-MM-DD') AS day`,
      params,
    );
    const violations = await tx.query<{ id: number }>(
      'UPDATE community_violations SET customer_id = $3 WHERE workspace_id = $1 AND customer_id = $2 RETURNING id',
      params,
    );
    const blacklist = await tx.query<{ member_id: string }>(
      'UPDATE community_blacklist SET customer_id = $3 WHERE workspace_id = $1 AND customer_id = $2 RETURNING member_id',
      params,
    );
    return {
      members,
      events: events.map((e) => Number(e.id)),
      checkIns,
      violations: violations.map((v) => Number(v.id)),
      blacklist: blacklist.map((b) => b.member_id),
    };
  },
  async restore(tx, workspaceId, fromId, toId, undo): Promise<void> {
    const u = (undo ?? { members: [], events: [], checkIns: [], violations: [], blacklist: [] }) as CommunityUndo;
    await tx.query(
      `UPDATE community_members m SET customer_id = $2
         FROM unnest($4::uuid[], $5::text[]) AS k (group_id, member_id)
        WHERE m.workspace_id = $1 AND m.customer_id = $3 AND m.group_id = k.group_id AND m.member_id = k.member_id`,
      [workspaceId, fromId, toId, u.members.map((m) => m.group_id), u.members.map((m) => m.member_id)],
    );
    await tx.query(
      `UPDATE community_member_events SET customer_id = $2
        WHERE workspace_id = $1 AND customer_id = $3 AND id = ANY($4::bigint[])`,
      [workspaceId, fromId, toId, u.events],
    );
    await tx.query(
      `UPDATE community_check_ins c SET customer_id = $2
         FROM unnest($4::uuid[], $5::text[], $6::date[]) AS k (group_id, member_id, day)
        WHERE c.workspace_id = $1 AND c.customer_id = $3 AND c.group_id = k.group_id AND c.member_id = k.member_id
          AND c.day = k.day`,
      [
        workspaceId,
        fromId,
        toId,
        u.checkIns.map((c) => c.group_id),
        u.checkIns.map((c) => c.member_id),
        u.checkIns.map((c) => c.day),
      ],
    );
    await tx.query(
      `UPDATE community_violations SET customer_id = $2
        WHERE workspace_id = $1 AND customer_id = $3 AND id = ANY($4::bigint[])`,
      [workspaceId, fromId, toId, u.violations],
    );
    await tx.query(
      `UPDATE community_blacklist SET customer_id = $2
        WHERE workspace_id = $1 AND customer_id = $3 AND member_id = ANY($4::text[])`,
      [workspaceId, fromId, toId, u.blacklist],
    );
  },
};

export const communityTimelineSource: TimelineSource = {
  source: 'community',
  async items(tx: Tx, workspaceId, customerId, before, limit): Promise<TimelineItem[]> {
    // Ordered exactly as the timeline's cursor compares: milliseconds, then the prefixed id as a byte string.
    const rows = await tx.query<{
      id: number;
      kind: 'join' | 'leave';
      at: Date;
      group_id: string;
      group_name: string;
      member_id: string;
      scene: number | null;
      invitor_id: string | null;
    }>(
      `SELECT e.id, e.kind, date_trunc('milliseconds', e.at) AS at, e.group_id, g.name AS group_name, e.member_id,
              e.scene, e.invitor_id
         FROM community_member_events e
         JOIN community_groups g ON g.workspace_id = e.workspace_id AND g.id = e.group_id
        WHERE e.workspace_id = $1 AND e.customer_id = $2
          AND ($3::timestamptz IS NULL
               OR (date_trunc('milliseconds', e.at), ('community:' || e.id) COLLATE "C")
                  < ($3::timestamptz, $4::text COLLATE "C"))
        ORDER BY date_trunc('milliseconds', e.at) DESC, ('community:' || e.id) COLLATE "C" DESC
        LIMIT $5`,
      [workspaceId, customerId, before?.at ?? null, before?.id ?? '', limit],
    );
    return rows.map((r) => ({
      source: 'community',
      id: `community:${r.id}`,
      at: r.at,
      kind: r.kind === 'join' ? 'community.joined' : 'community.left',
      title: r.group_name,
      data: {
        groupId: r.group_id,
        groupName: r.group_name,
        memberId: r.member_id,
        scene: r.scene,
        invitorId: r.invitor_id,
      },
    }));
  },
};
