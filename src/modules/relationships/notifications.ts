// Staff notifications: the console inbox (list, unread count, mark read) and, when SMTP is configured, the same
// notice by e-mail, sent by a job so the change that caused it never waits for a mail server.
import type { Notification, NotificationKind, NotificationListQuery } from '../../contracts/relationships.ts';
import type { Queryable, Tx } from '../../platform/db/index.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import { decodeCursor, pageOf } from '../../platform/http/pagination.ts';
import type { RequestContext } from '../../platform/http/routes.ts';
import { type Locale, translate } from '../../platform/i18n/index.ts';
import { type ClaimedJob, enqueue } from '../../platform/jobs/index.ts';
import { customersInScope, maskName } from '../customers/index.ts';
import { workspaceLocale } from './calendar.ts';
import { type SmtpConfig, sendMail, smtpConfigOf } from './mailer.ts';

export const EMAIL_JOB = 'relationships.email';

/**
 * Gives each recipient a notice (once per `dedupeKey`) and queues its e-mail when the workspace sends e-mail and
 * the recipient has an address. Returns the ids of the notices created now.
 */
export async function notify(
  tx: Tx,
  workspaceId: string,
  input: {
    recipients: readonly string[];
    kind: NotificationKind;
    data: Record<string, unknown>;
    dedupeKey: string;
    now: Date;
    smtp: SmtpConfig | null;
  },
): Promise<string[]> {
  if (input.recipients.length === 0) return [];
  const rows = await tx.query<{ id: string; email: string | null }>(
    `WITH created AS (
       INSERT INTO staff_notifications (workspace_id, recipient_staff_id, kind, data, dedupe_key, created_at)
       SELECT $1, r, $3, $4::jsonb, $5, $6 FROM unnest($2::uuid[]) AS r
       ON CONFLICT (workspace_id, recipient_staff_id, dedupe_key) DO NOTHING
       RETURNING id, recipient_staff_id
     )
     SELECT c.id, s.email FROM created c JOIN staff s ON s.workspace_id = $1 AND s.id = c.recipient_staff_id`,
    [workspaceId, [...new Set(input.recipients)], input.kind, JSON.stringify(input.data), input.dedupeKey, input.now],
  );
  if (rows.some((r) => r.email) && (await smtpConfigOf(tx, workspaceId, input.smtp))) {
    for (const r of rows) {
      if (!r.email) continue;
      await enqueue(tx, { kind: EMAIL_JOB, payload: { notificationId: r.id }, dedupeKey: `${workspaceId}:${r.id}` });
    }
  }
  return rows.map((r) => r.id);
}

const str = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : '—');

/** The notice as one sentence in `locale`. */
export function notificationText(locale: Locale, kind: NotificationKind, data: Record<string, unknown>): string {
  switch (kind) {
    case 'churn':
      return translate(locale, `notification.churn.${str(data.direction)}`, {
        customer: str(data.customerName ?? data.externalUserId),
        guide: str(data.guideName ?? data.wecomUserId),
        days: str(data.relationshipDays),
      });
    case 'task_overdue':
      return translate(locale, 'notification.task_overdue', {
        count: str(data.count),
        titles: Array.isArray(data.titles) ? data.titles.map(str).join('、') : '',
      });
    case 'transfer_failed':
      return translate(locale, 'notification.transfer_failed', {
        customer: str(data.customerName),
        takeover: str(data.takeoverName ?? data.takeoverUserId),
        reason: translate(locale, `transfer.reason.${str(data.reason)}`),
      });
  }
}

interface NotificationRow {
  id: string;
  kind: NotificationKind;
  data: Record<string, unknown>;
  read_at: Date | null;
  emailed_at: Date | null;
  created_at: Date;
}

/** The caller's notices, newest first. Customers the caller may no longer see are left unnamed. */
export async function listNotifications(ctx: RequestContext, query: NotificationListQuery) {
  const limit = query.limit ?? 30;
  const staffId = ctx.actor.id;
  const params: unknown[] = [ctx.workspaceId, staffId];
  const where = ['workspace_id = $1', 'recipient_staff_id = $2'];
  if (query.unread) where.push('read_at IS NULL');
  const cursor = decodeCursor(query.cursor);
  if (cursor) {
    params.push(String(cursor[0]), String(cursor[1]));
    where.push(`(created_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  params.push(limit + 1);
  const rows = await ctx.tx.query<NotificationRow>(
    `SELECT id, kind, data, read_at, emailed_at, created_at FROM staff_notifications
      WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
    params,
  );
  const named = rows.map((r) => r.data.customerId).filter((id): id is string => typeof id === 'string');
  const visible = new Set(await customersInScope(ctx, named));
  const pii = ctx.can('customer.pii');
  return pageOf(
    rows,
    limit,
    (r): Notification => {
      let data = r.data;
      if (typeof data.customerId === 'string' && !visible.has(data.customerId)) {
        data = { ...data, customerId: null, customerName: null, externalUserId: null };
      } else if (typeof data.customerName === 'string' && !pii) {
        data = { ...data, customerName: maskName(data.customerName) };
      }
      return {
        id: r.id,
        kind: r.kind,
        data,
        text: notificationText(ctx.locale, r.kind, data),
        readAt: r.read_at?.toISOString() ?? null,
        emailedAt: r.emailed_at?.toISOString() ?? null,
        createdAt: r.created_at.toISOString(),
      };
    },
    (r) => [r.created_at.toISOString(), r.id],
  );
}

export async function unreadCount(q: Queryable, workspaceId: string, staffId: string): Promise<number> {
  const rows = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM staff_notifications
      WHERE workspace_id = $1 AND recipient_staff_id = $2 AND read_at IS NULL`,
    [workspaceId, staffId],
  );
  return rows[0]?.n ?? 0;
}

/** Marks one of the caller's notices read (again: no change); another's is not found. */
export async function markRead(ctx: RequestContext, id: string): Promise<void> {
  const rows = await ctx.tx.query(
    `UPDATE staff_notifications SET read_at = coalesce(read_at, $4)
      WHERE workspace_id = $1 AND id = $2 AND recipient_staff_id = $3 RETURNING 1`,
    [ctx.workspaceId, id, ctx.actor.id, ctx.now()],
  );
  if (rows.length === 0) throw notFound('notification.not_found');
}

export async function markAllRead(ctx: RequestContext): Promise<number> {
  const rows = await ctx.tx.query(
    `UPDATE staff_notifications SET read_at = $3
      WHERE workspace_id = $1 AND recipient_staff_id = $2 AND read_at IS NULL RETURNING 1`,
    [ctx.workspaceId, ctx.actor.id, ctx.now()],
  );
  return rows.length;
}

/**
 * The e-mail job: one notice to its recipient, in the workspace's language. Sent at most once per notice as far as
 * this database knows (`emailed_at`); the Message-ID is the notice's, so a resend after a crash between the SMTP
 * answer and the commit is recognisable as the same message.
 */
export function emailJob(env: SmtpConfig | null, now: () => Date) {
  return async (job: ClaimedJob, tx: Tx): Promise<void> => {
    const workspaceId = job.workspaceId;
    if (!workspaceId) throw new Error(`${EMAIL_JOB} job ${job.id} has no workspace`);
    const { notificationId } = job.payload as { notificationId: string };
    const rows = await tx.query<NotificationRow & { email: string | null; brand: string }>(
      `SELECT n.id, n.kind, n.data, n.read_at, n.emailed_at, n.created_at, s.email, w.name AS brand
         FROM staff_notifications n
         JOIN staff s ON s.workspace_id = n.workspace_id AND s.id = n.recipient_staff_id
         JOIN workspaces w ON w.id = n.workspace_id
        WHERE n.workspace_id = $1 AND n.id = $2
          FOR UPDATE OF n`,
      [workspaceId, notificationId],
    );
    // Locked: a second attempt running at the same time (its lease ran out on a loaded machine) waits for this one
    // and then sees emailed_at set, instead of sending the same mail again.
    const n = rows[0];
    if (!n || n.emailed_at || !n.email) return;
    const config = await smtpConfigOf(tx, workspaceId, env);
    if (!config) return;
    const locale = await workspaceLocale(tx, workspaceId);
    const text = notificationText(locale, n.kind, n.data);
    await sendMail(config, {
      to: n.email,
      subject: translate(locale, 'notification.email.subject', { brand: n.brand, text }),
      text: translate(locale, 'notification.email.body', { text }),
      messageId: `<${n.id}@notifications.siyu>`,
    }).catch((err: unknown) => {
      // The job's last error (the jobs console) should say what the mail server answered, not just the code.
      if (err instanceof AppError) throw new Error(`${err.code}: ${String(err.params.reason ?? '')}`);
      throw err;
    });
    await tx.query('UPDATE staff_notifications SET emailed_at = $3 WHERE workspace_id = $1 AND id = $2', [
      workspaceId,
      n.id,
      now(),
    ]);
  };
}
