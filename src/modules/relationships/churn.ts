// Churn (流失): a customer deleting a guide, a guide deleting a customer, or a relationship a sync found gone, each
// recorded once with how long the relationship lasted and when the customer was last in touch, and told to the
// guide's manager (the workspace's owners when the guide has none) in the console inbox and by e-mail.
import type { ChurnDirection, ChurnListQuery, ChurnRecord } from '../../contracts/relationships.ts';
import type { Tx } from '../../platform/db/index.ts';
import { decodeCursor, pageOf } from '../../platform/http/pagination.ts';
import type { RequestContext } from '../../platform/http/routes.ts';
import { maskName } from '../customers/index.ts';
import { managersOf } from './guides.ts';
import type { SmtpConfig } from './mailer.ts';
import { notify } from './notifications.ts';
import type { RelationshipRow } from './ownership.ts';

const DAY_MS = 86_400_000;

/** Records the churn of an ended relationship and tells the guide's manager; nothing when it was recorded before. */
export async function recordChurn(
  tx: Tx,
  workspaceId: string,
  relationship: RelationshipRow,
  direction: ChurnDirection,
  options: { now: Date; smtp: SmtpConfig | null },
): Promise<string | null> {
  const occurredAt = relationship.ended_at ?? options.now;
  const guide = await tx.query<{ staff_id: string; name: string }>(
    `SELECT g.staff_id, s.name FROM guides g JOIN staff s ON s.workspace_id = g.workspace_id AND s.id = g.staff_id
      WHERE g.workspace_id = $1 AND g.wecom_userid = $2`,
    [workspaceId, relationship.wecom_userid],
  );
  const guideStaffId = guide[0]?.staff_id ?? null;
  // The last sign of life: the customer's own activity (events and orders widen last_seen_at) or the last follow-up
  // this guide completed for them, whichever is later.
  const [touch] = await tx.query<{ name: string | null; last: Date | null }>(
    `SELECT c.name, GREATEST(c.last_seen_at,
              (SELECT max(t.completed_at) FROM sop_tasks t
                WHERE t.workspace_id = c.workspace_id AND t.customer_id = c.id AND t.status = 'done'
                  AND t.guide_staff_id = $3)) AS last
       FROM customers c WHERE c.workspace_id = $1 AND c.id = $2`,
    [workspaceId, relationship.customer_id, guideStaffId],
  );
  const days =
    relationship.added_at === null
      ? null
      : Math.max(0, Math.floor((occurredAt.getTime() - relationship.added_at.getTime()) / DAY_MS));
  const recipients = await managersOf(tx, workspaceId, guideStaffId);
  const rows = await tx.query<{ id: string }>(
    `INSERT INTO relationship_churn (workspace_id, relationship_id, customer_id, wecom_userid, guide_staff_id,
       direction, occurred_at, added_at, relationship_days, last_interaction_at, notified_staff_ids, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::uuid[], $12)
     ON CONFLICT (workspace_id, relationship_id) DO NOTHING RETURNING id`,
    [
      workspaceId,
      relationship.id,
      relationship.customer_id,
      relationship.wecom_userid,
      guideStaffId,
      direction,
      occurredAt,
      relationship.added_at,
      days,
      touch?.last ?? null,
      recipients,
      options.now,
    ],
  );
  const id = rows[0]?.id;
  if (!id) return null;
  await notify(tx, workspaceId, {
    recipients,
    kind: 'churn',
    data: {
      churnId: id,
      customerId: relationship.customer_id,
      customerName: touch?.name ?? relationship.contact_name,
      externalUserId: relationship.external_userid,
      guideStaffId,
      guideName: guide[0]?.name ?? null,
      wecomUserId: relationship.wecom_userid,
      direction,
      relationshipDays: days,
      occurredAt: occurredAt.toISOString(),
    },
    dedupeKey: `churn:${relationship.id}`,
    now: options.now,
    smtp: options.smtp,
  });
  return id;
}

interface ChurnRow {
  id: string;
  customer_id: string;
  customer_name: string | null;
  relationship_id: string;
  guide_staff_id: string | null;
  guide_name: string | null;
  wecom_userid: string;
  direction: ChurnDirection;
  occurred_at: Date;
  added_at: Date | null;
  relationship_days: number | null;
  last_interaction_at: Date | null;
  notified_staff_ids: string[];
}

export async function listChurn(ctx: RequestContext, query: ChurnListQuery) {
  const limit = query.limit ?? 50;
  const params: unknown[] = [ctx.workspaceId];
  const where = ['h.workspace_id = $1'];
  const add = (clause: string, value: unknown) => {
    params.push(value);
    where.push(clause.replaceAll('?', `$${params.length}`));
  };
  if (query.direction) add('h.direction = ?', query.direction);
  if (query.guideStaffId) add('h.guide_staff_id = ?', query.guideStaffId);
  if (query.from) add('h.occurred_at >= ?::timestamptz', query.from);
  if (query.to) add('h.occurred_at < ?::timestamptz', query.to);
  const cursor = decodeCursor(query.cursor);
  if (cursor) {
    params.push(String(cursor[0]), String(cursor[1]));
    where.push(`(h.occurred_at, h.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  params.push(limit + 1);
  const rows = await ctx.tx.query<ChurnRow>(
    `SELECT h.id, h.customer_id, c.name AS customer_name, h.relationship_id, h.guide_staff_id, s.name AS guide_name,
            h.wecom_userid, h.direction, h.occurred_at, h.added_at, h.relationship_days, h.last_interaction_at,
            h.notified_staff_ids
       FROM relationship_churn h
       JOIN customers c ON c.workspace_id = h.workspace_id AND c.id = h.customer_id
       LEFT JOIN staff s ON s.workspace_id = h.workspace_id AND s.id = h.guide_staff_id
      WHERE ${where.join(' AND ')} ORDER BY h.occurred_at DESC, h.id DESC LIMIT $${params.length}`,
    params,
  );
  const pii = ctx.can('customer.pii');
  return pageOf(
    rows,
    limit,
    (r): ChurnRecord => ({
      id: r.id,
      customerId: r.customer_id,
      customerName: r.customer_name && !pii ? maskName(r.customer_name) : r.customer_name,
      relationshipId: r.relationship_id,
      guideStaffId: r.guide_staff_id,
      guideName: r.guide_name,
      wecomUserId: r.wecom_userid,
      direction: r.direction,
      occurredAt: r.occurred_at.toISOString(),
      addedAt: r.added_at?.toISOString() ?? null,
      relationshipDays: r.relationship_days,
      lastInteractionAt: r.last_interaction_at?.toISOString() ?? null,
      notifiedStaffIds: r.notified_staff_ids,
    }),
    (r) => [r.occurred_at.toISOString(), r.id],
  );
}
