// Removing a member from a customer group. WeCom has no open API that removes a customer from a customer group
// (客户群): only the owner or an admin can, in the WeCom app. So a removal is a request to them — listed in the
// console and, when the workspace has a self-built app, sent to their WeCom as an app message — and it is done
// when WeCom's del_member callback shows the member gone (groups.ts completes it).

import { clientFor, loadSettings } from '../../connectors/wecom/index.ts';
import type { Removal, RemovalListQuery, RemovalReason } from '../../contracts/community.ts';
import type { Tx } from '../../platform/db/index.ts';
import { AppError, conflict, notFound } from '../../platform/errors.ts';
import { decodeCursor, pageOf } from '../../platform/http/pagination.ts';
import { translate } from '../../platform/i18n/index.ts';
import { enqueue, type JobHandler } from '../../platform/jobs/index.ts';
import { type CommunityDeps, iso, systemAudit, workspaceSettings } from './shared.ts';

export const NOTIFY_REMOVAL_JOB = 'community.notify-removal';

/**
 * Asks the group's owner and admins to remove a member (one open request per member and group: a second cause
 * while one waits returns the open one). The notification goes out in a job, after the request commits.
 */
export async function requestRemoval(
  tx: Tx,
  workspaceId: string,
  input: { groupId: string; memberId: string; reason: RemovalReason; violationId: number | null; at: Date },
): Promise<string> {
  const inserted = await tx.query<{ id: string }>(
    `INSERT INTO community_removals (workspace_id, group_id, member_id, reason, violation_id, assignees, requested_at)
     SELECT $1, g.id, $3, $4, $5,
            array_remove(ARRAY[g.owner_userid] || g.admin_userids, ''), $6
       FROM community_groups g WHERE g.workspace_id = $1 AND g.id = $2
     ON CONFLICT (workspace_id, group_id, member_id) WHERE status = 'requested' DO NOTHING
     RETURNING id`,
    [workspaceId, input.groupId, input.memberId, input.reason, input.violationId, input.at],
  );
  const id = inserted[0]?.id;
  if (!id) {
    const open = await tx.query<{ id: string }>(
      `SELECT id FROM community_removals
        WHERE workspace_id = $1 AND group_id = $2 AND member_id = $3 AND status = 'requested'`,
      [workspaceId, input.groupId, input.memberId],
    );
    if (!open[0]) throw notFound('community.group_not_found');
    return open[0].id;
  }
  await enqueue(tx, { kind: NOTIFY_REMOVAL_JOB, payload: { removalId: id }, dedupeKey: `${workspaceId}:${id}` });
  await systemAudit(tx, workspaceId, {
    action: 'community.removal_request',
    targetType: 'community_member',
    targetId: input.memberId,
    details: { groupId: input.groupId, removalId: id, reason: input.reason, violationId: input.violationId },
    at: input.at,
  });
  return id;
}

/** Marks the open request for a member who left as done (the owner or an admin removed them, or they left). */
export async function completeRemovals(
  tx: Tx,
  workspaceId: string,
  input: { groupId: string; memberId: string; at: Date; quitScene: number | null },
): Promise<void> {
  const done = await tx.query<{ id: string; reason: string }>(
    `UPDATE community_removals SET status = 'done', done_at = $4
      WHERE workspace_id = $1 AND group_id = $2 AND member_id = $3 AND status = 'requested'
      RETURNING id, reason`,
    [workspaceId, input.groupId, input.memberId, input.at],
  );
  for (const r of done) {
    await systemAudit(tx, workspaceId, {
      action: 'community.member_removed',
      targetType: 'community_member',
      targetId: input.memberId,
      details: { groupId: input.groupId, removalId: r.id, reason: r.reason, quitScene: input.quitScene },
      at: input.at,
    });
  }
}

/** Tells the assignees through the self-built app, when the workspace has one; otherwise the console lists it. */
export const notifyRemovalJob =
  (deps: CommunityDeps): JobHandler =>
  async (job, tx) => {
    const { removalId } = job.payload as { removalId: string };
    const workspaceId = job.workspaceId;
    if (!workspaceId) throw new Error(`job ${job.id} has no workspace`);
    const rows = await tx.query<{
      status: string;
      assignees: string[];
      notified_at: Date | null;
      member_name: string | null;
      member_id: string;
      group_name: string;
      reason: string;
    }>(
      `SELECT r.status, r.assignees, r.notified_at, m.name AS member_name, r.member_id, g.name AS group_name, r.reason
       FROM community_removals r
       JOIN community_groups g ON g.workspace_id = r.workspace_id AND g.id = r.group_id
       LEFT JOIN community_members m
         ON m.workspace_id = r.workspace_id AND m.group_id = r.group_id AND m.member_id = r.member_id
      WHERE r.workspace_id = $1 AND r.id = $2`,
      [workspaceId, removalId],
    );
    const r = rows[0];
    if (r?.status !== 'requested' || r.notified_at || r.assignees.length === 0) return;
    const settings = await loadSettings(tx, workspaceId);
    if (!settings?.appSecret || !settings.agentId) return;
    const { locale } = await workspaceSettings(tx, workspaceId);
    const content = translate(locale, `community.removal_notice.${r.reason}`, {
      member: r.member_name || r.member_id,
      group: r.group_name,
    });
    const now = deps.now();
    try {
      await clientFor(settings, 'app').sendAppMessage(settings.agentId, {
        toUserIds: r.assignees,
        kind: 'text',
        content,
      });
      await tx.query(
        'UPDATE community_removals SET notified_at = $3, notify_error = NULL WHERE workspace_id = $1 AND id = $2',
        [workspaceId, removalId, now],
      );
    } catch (err) {
      // An app message is not idempotent: after a failure the request stays listed in the console rather than risk
      // telling the owner twice.
      if (!(err instanceof AppError)) throw err;
      await tx.query('UPDATE community_removals SET notify_error = $3 WHERE workspace_id = $1 AND id = $2', [
        workspaceId,
        removalId,
        err.code,
      ]);
    }
  };

interface RemovalRow {
  id: string;
  group_id: string;
  group_name: string;
  chat_id: string;
  member_id: string;
  member_name: string | null;
  reason: RemovalReason;
  violation_id: number | null;
  status: Removal['status'];
  assignees: string[];
  notified_at: Date | null;
  notify_error: string | null;
  requested_at: Date;
  done_at: Date | null;
}

const removalOf = (r: RemovalRow): Removal => ({
  id: r.id,
  groupId: r.group_id,
  groupName: r.group_name,
  chatId: r.chat_id,
  memberId: r.member_id,
  memberName: r.member_name ?? r.member_id,
  reason: r.reason,
  violationId: r.violation_id === null ? null : Number(r.violation_id),
  status: r.status,
  assignees: r.assignees,
  notifiedAt: iso(r.notified_at),
  notifyError: r.notify_error,
  requestedAt: r.requested_at.toISOString(),
  doneAt: iso(r.done_at),
});

const REMOVAL_SELECT = `
  SELECT r.id, r.group_id, g.name AS group_name, g.chat_id, r.member_id, m.name AS member_name, r.reason,
         r.violation_id, r.status, r.assignees, r.notified_at, r.notify_error, r.requested_at, r.done_at
    FROM community_removals r
    JOIN community_groups g ON g.workspace_id = r.workspace_id AND g.id = r.group_id
    LEFT JOIN community_members m
      ON m.workspace_id = r.workspace_id AND m.group_id = r.group_id AND m.member_id = r.member_id`;

export async function listRemovals(tx: Tx, workspaceId: string, query: RemovalListQuery) {
  const limit = query.limit ?? 50;
  const cursor = decodeCursor(query.cursor);
  const rows = await tx.query<RemovalRow>(
    `${REMOVAL_SELECT}
      WHERE r.workspace_id = $1 AND ($2::text IS NULL OR r.status = $2) AND ($3::uuid IS NULL OR r.group_id = $3)
        AND ($4::timestamptz IS NULL OR (r.requested_at, r.id) < ($4, $5::uuid))
      ORDER BY r.requested_at DESC, r.id DESC LIMIT $6`,
    [
      workspaceId,
      query.status ?? null,
      query.groupId ?? null,
      cursor ? String(cursor[0]) : null,
      cursor ? String(cursor[1]) : null,
      limit + 1,
    ],
  );
  return pageOf(rows, limit, removalOf, (r) => [r.requested_at.toISOString(), r.id]);
}

export async function getRemoval(tx: Tx, workspaceId: string, id: string): Promise<Removal> {
  const rows = await tx.query<RemovalRow>(`${REMOVAL_SELECT} WHERE r.workspace_id = $1 AND r.id = $2`, [
    workspaceId,
    id,
  ]);
  if (!rows[0]) throw notFound('community.removal_not_found');
  return removalOf(rows[0]);
}

/** Withdraws an open request (the member may stay); a done one cannot be undone here. */
export async function cancelRemoval(tx: Tx, workspaceId: string, id: string): Promise<Removal> {
  const current = await getRemoval(tx, workspaceId, id);
  if (current.status !== 'requested') throw conflict('community.removal_not_open', { status: current.status });
  await tx.query(`UPDATE community_removals SET status = 'cancelled' WHERE workspace_id = $1 AND id = $2`, [
    workspaceId,
    id,
  ]);
  return { ...current, status: 'cancelled' };
}
