// HTTP routes of guides, relationships, syncs, transfers, churn, notifications and the module's settings.
import { Type } from '@sinclair/typebox';
import { page, Uuid } from '../../contracts/foundation.ts';
import {
  ChurnListQuery,
  ChurnRecord,
  EmailSettings,
  EmailSettingsBody,
  Festival,
  FestivalsBody,
  Guide,
  GuideListQuery,
  GuideParams,
  LinkGuideBody,
  Notification,
  NotificationListQuery,
  Relationship,
  RelationshipListQuery,
  RelationshipSettings,
  ResignedTransferBody,
  ResignGuideBody,
  ResignResult,
  StaffChoice,
  SyncRun,
  TestEmailBody,
  TestEmailResult,
  Transfer,
  TransferBody,
  TransferCheckResult,
  TransferListQuery,
  TransferRequestResult,
  UnlinkedWecomUser,
  UnreadCount,
} from '../../contracts/relationships.ts';
import { AppError, conflict } from '../../platform/errors.ts';
import type { RequestContext, RouteRegistrar } from '../../platform/http/routes.ts';
import { translate } from '../../platform/i18n/index.ts';
import type { CustomerParticipants } from '../customers/index.ts';
import { listChurn } from './churn.ts';
import { festivalCalendar, saveFestivals } from './festivals.ts';
import {
  getGuide,
  linkGuide,
  listGuides,
  setGuideStatus,
  staffChoices,
  unlinkedWecomUsers,
  unlinkGuide,
} from './guides.ts';
import { emailSettings, type SmtpConfig, saveEmailSettings, sendMail, smtpConfigOf } from './mailer.ts';
import { listNotifications, markAllRead, markRead, unreadCount } from './notifications.ts';
import { customerRelationships, listRelationships } from './ownership.ts';
import { listSyncRuns, startSync } from './sync.ts';
import {
  describeFor,
  listTransfers,
  pollTransfers,
  type Requester,
  requestSuccession,
  requestTransfers,
  retryTransfer,
  transferGuides,
} from './transfers.ts';

const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });
const Items = <T extends ReturnType<typeof Type.Object>>(item: T) => Type.Object({ items: Type.Array(item) });

const requester = (ctx: RequestContext): Requester => ({
  workspaceId: ctx.workspaceId,
  actor: ctx.actor,
  now: ctx.now(),
});

export function relationshipRoutes(deps: { participants: CustomerParticipants; smtp: SmtpConfig | null }) {
  return (r: RouteRegistrar) => {
    // Guides -------------------------------------------------------------------------------------------------
    r.route({
      method: 'GET',
      url: '/api/guides',
      summary: '导购列表 / Guides: staff linked to WeCom members, with their manager and customer count',
      tags: ['relationships'],
      permission: 'relationship.read',
      query: GuideListQuery,
      response: Items(Guide),
      handler: async (ctx, { query }) => ({ items: await listGuides(ctx.tx, ctx.workspaceId, query) }),
    });
    r.route({
      method: 'GET',
      url: '/api/guides/staff',
      summary: '可关联的员工 / Active staff to link as guides or choose as managers',
      tags: ['relationships'],
      permission: 'relationship.manage',
      response: Items(StaffChoice),
      handler: async (ctx) => ({ items: await staffChoices(ctx.tx, ctx.workspaceId) }),
    });
    r.route({
      method: 'GET',
      url: '/api/guides/unlinked',
      summary: '未关联的企微成员 / WeCom members customers follow that no staff account is linked to',
      tags: ['relationships'],
      permission: 'relationship.manage',
      response: Items(UnlinkedWecomUser),
      handler: async (ctx) => ({ items: await unlinkedWecomUsers(ctx.tx, ctx.workspaceId) }),
    });
    r.route({
      method: 'PUT',
      url: '/api/guides/:staffId',
      summary: '关联导购 / Link a staff member to a WeCom member id and a manager (or change them)',
      description:
        'A WeCom id belongs to one guide (409 guide.wecom_user_taken). Customers already following that WeCom member ' +
        'become this guide’s at once. managerStaffId left out keeps the manager; null removes it.',
      tags: ['relationships'],
      permission: 'relationship.manage',
      audit: { action: 'guide.link', targetType: 'staff' },
      params: GuideParams,
      body: LinkGuideBody,
      response: Guide,
      handler: async (ctx, { params, body }) => {
        ctx.audit.targetId = params.staffId;
        ctx.audit.details = { wecomUserId: body.wecomUserId, managerStaffId: body.managerStaffId ?? null };
        return linkGuide(ctx.tx, ctx.workspaceId, params.staffId, body, ctx.now());
      },
    });
    r.route({
      method: 'DELETE',
      url: '/api/guides/:staffId',
      summary: '解除导购关联 / Unlink a guide who has no customers left',
      tags: ['relationships'],
      permission: 'relationship.manage',
      audit: { action: 'guide.unlink', targetType: 'staff' },
      params: GuideParams,
      response: null,
      handler: async (ctx, { params }) => {
        ctx.audit.targetId = params.staffId;
        await unlinkGuide(ctx.tx, ctx.workspaceId, params.staffId);
      },
    });
    r.route({
      method: 'POST',
      url: '/api/guides/:staffId/resign',
      summary: '导购离职 / Mark a guide resigned, and optionally hand all their customers to another guide',
      description:
        'With takeoverStaffId, every active customer is handed over by WeCom’s resigned-staff succession ' +
        '(离职继承), tracked under GET /api/transfers. The guide must have left in WeCom as well, or WeCom ' +
        'refuses (the transfers then fail with wecom.user_not_resigned and can be retried).',
      tags: ['relationships'],
      permission: 'relationship.manage',
      audit: { action: 'guide.resign', targetType: 'staff' },
      params: GuideParams,
      body: ResignGuideBody,
      response: ResignResult,
      handler: async (ctx, { params, body }) => {
        ctx.audit.targetId = params.staffId;
        await setGuideStatus(ctx.tx, ctx.workspaceId, params.staffId, 'resigned', ctx.now());
        let succession: ResignResult['succession'] = null;
        if (body.takeoverStaffId) {
          const { handover, takeover } = await transferGuides(
            ctx.tx,
            ctx.workspaceId,
            params.staffId,
            body.takeoverStaffId,
          );
          const summary = await requestSuccession(ctx.tx, requester(ctx), handover, takeover);
          succession = { batchId: summary.batchId, requested: summary.waiting, rejected: summary.failed };
          ctx.audit.details = { takeoverStaffId: body.takeoverStaffId, ...succession };
        }
        return { guide: await getGuide(ctx.tx, ctx.workspaceId, params.staffId), succession };
      },
    });
    r.route({
      method: 'POST',
      url: '/api/guides/:staffId/reinstate',
      summary: '恢复在职 / Mark a resigned guide active again',
      tags: ['relationships'],
      permission: 'relationship.manage',
      audit: { action: 'guide.reinstate', targetType: 'staff' },
      params: GuideParams,
      response: Guide,
      handler: async (ctx, { params }) => {
        ctx.audit.targetId = params.staffId;
        await setGuideStatus(ctx.tx, ctx.workspaceId, params.staffId, 'active', ctx.now());
        return getGuide(ctx.tx, ctx.workspaceId, params.staffId);
      },
    });

    // Relationships and syncs ---------------------------------------------------------------------------------
    r.route({
      method: 'GET',
      url: '/api/relationships',
      summary: '好友关系 / Guide–customer relationships, newest first (a guide: their own customers)',
      tags: ['relationships'],
      permission: 'relationship.read',
      query: RelationshipListQuery,
      response: page(Relationship),
      handler: (ctx, { query }) => listRelationships(ctx, query),
    });
    r.route({
      method: 'GET',
      url: '/api/customers/:id/relationships',
      summary: '客户的导购 / A customer’s relationships with guides, active first',
      tags: ['relationships'],
      permission: 'relationship.read',
      params: IdParams,
      response: Items(Relationship),
      handler: async (ctx, { params }) => {
        const [current] = await ctx.tx.query<{ id: string }>(
          `SELECT coalesce(s.id, c.id) AS id FROM customers c
             LEFT JOIN customers s ON s.workspace_id = c.workspace_id AND s.id = c.merged_into
            WHERE c.workspace_id = $1 AND c.id = $2`,
          [ctx.workspaceId, params.id],
        );
        if (!current) throw new AppError(404, 'customer.not_found');
        return { items: await customerRelationships(ctx, current.id) };
      },
    });
    r.route({
      method: 'POST',
      url: '/api/relationships/sync',
      summary: '同步企微好友关系 / Start a full sync of every guide’s follow list from WeCom',
      description:
        'Runs as one job per guide (batch_get_by_user, all pages): relationships the callbacks missed are ' +
        'recorded, ones WeCom no longer lists end. Follow it at GET /api/relationships/sync-runs. One run at a time ' +
        '(409 relationship.sync_running).',
      tags: ['relationships'],
      permission: 'relationship.manage',
      audit: { action: 'relationship.sync', targetType: 'sync_run' },
      response: SyncRun,
      status: 202,
      handler: async (ctx) => {
        const id = await startSync(ctx.tx, ctx.workspaceId, 'manual', ctx.now());
        ctx.audit.targetId = id;
        const [run] = await listSyncRuns(ctx.tx, ctx.workspaceId, 1);
        return run;
      },
    });
    r.route({
      method: 'GET',
      url: '/api/relationships/sync-runs',
      summary: '同步记录 / The latest syncs with their counts and errors',
      tags: ['relationships'],
      permission: 'relationship.manage',
      response: Items(SyncRun),
      handler: async (ctx) => ({ items: await listSyncRuns(ctx.tx, ctx.workspaceId, 20) }),
    });

    // Transfers -----------------------------------------------------------------------------------------------
    r.route({
      method: 'POST',
      url: '/api/transfers',
      summary: '在职转接 / Hand up to 100 customers from one guide to another (the customer may refuse)',
      description:
        'Each customer gets a transfer: waiting when WeCom accepted the request, failed at once with the reason ' +
        'otherwise (not_owned, in_progress, or WeCom’s refusal). Waiting ones settle from WeCom’s callbacks and the ' +
        'scheduled transfer_result check.',
      tags: ['relationships'],
      permission: 'relationship.manage',
      audit: { action: 'transfer.request', targetType: 'transfer_batch' },
      body: TransferBody,
      response: TransferRequestResult,
      status: 201,
      handler: async (ctx, { body }) => {
        const { handover, takeover } = await transferGuides(
          ctx.tx,
          ctx.workspaceId,
          body.handoverStaffId,
          body.takeoverStaffId,
        );
        const summary = await requestTransfers(ctx.tx, requester(ctx), {
          kind: 'in_service',
          handover,
          takeover,
          customerIds: body.customerIds,
          message: body.message ?? null,
        });
        ctx.audit.targetId = summary.batchId;
        ctx.audit.details = { waiting: summary.waiting, failed: summary.failed, takeoverStaffId: takeover.staffId };
        return describeFor(ctx, summary);
      },
    });
    r.route({
      method: 'POST',
      url: '/api/transfers/resigned',
      summary: '离职继承 / Hand a resigned guide’s customers (all, or these) to another guide',
      tags: ['relationships'],
      permission: 'relationship.manage',
      audit: { action: 'transfer.request_resigned', targetType: 'transfer_batch' },
      body: ResignedTransferBody,
      response: TransferRequestResult,
      status: 201,
      handler: async (ctx, { body }) => {
        const { handover, takeover } = await transferGuides(
          ctx.tx,
          ctx.workspaceId,
          body.handoverStaffId,
          body.takeoverStaffId,
        );
        const summary = await requestSuccession(ctx.tx, requester(ctx), handover, takeover, body.customerIds);
        ctx.audit.targetId = summary.batchId;
        ctx.audit.details = { waiting: summary.waiting, failed: summary.failed, takeoverStaffId: takeover.staffId };
        return describeFor(ctx, summary);
      },
    });
    r.route({
      method: 'GET',
      url: '/api/transfers',
      summary: '转接记录 / Transfers with their status and failure reasons, newest first',
      tags: ['relationships'],
      permission: 'relationship.manage',
      query: TransferListQuery,
      response: page(Transfer),
      handler: (ctx, { query }) => listTransfers(ctx, query),
    });
    r.route({
      method: 'POST',
      url: '/api/transfers/:id/retry',
      summary: '重试失败的转接 / Send a failed transfer again, to the same or another takeover guide',
      tags: ['relationships'],
      permission: 'relationship.manage',
      audit: { action: 'transfer.retry', targetType: 'transfer' },
      params: IdParams,
      body: Type.Object({ takeoverStaffId: Type.Optional(Uuid) }, { additionalProperties: false }),
      response: TransferRequestResult,
      status: 201,
      handler: async (ctx, { params, body }) => {
        const summary = await retryTransfer(ctx.tx, requester(ctx), params.id, body.takeoverStaffId);
        ctx.audit.targetId = params.id;
        ctx.audit.details = { batchId: summary.batchId, waiting: summary.waiting, failed: summary.failed };
        return describeFor(ctx, summary);
      },
    });
    r.route({
      method: 'POST',
      url: '/api/transfers/check',
      summary: '查询转接结果 / Ask WeCom now how every waiting transfer stands (also done every 10 minutes)',
      tags: ['relationships'],
      permission: 'relationship.manage',
      audit: { action: 'transfer.check', targetType: 'workspace' },
      response: TransferCheckResult,
      handler: async (ctx) => {
        ctx.audit.targetId = ctx.workspaceId;
        const result = await pollTransfers(ctx.tx, deps.participants, ctx.workspaceId, ctx.now(), deps.smtp);
        ctx.audit.details = { ...result };
        return result;
      },
    });

    // Churn and notifications ---------------------------------------------------------------------------------
    r.route({
      method: 'GET',
      url: '/api/churn',
      summary: '流失记录 / Churn: relationships ended by a deletion, newest first',
      tags: ['relationships'],
      permission: 'churn.read',
      query: ChurnListQuery,
      response: page(ChurnRecord),
      handler: (ctx, { query }) => listChurn(ctx, query),
    });
    r.route({
      method: 'GET',
      url: '/api/notifications',
      summary: '我的通知 / The caller’s notifications, newest first',
      tags: ['notifications'],
      permission: 'notification.read',
      sessionOnly: true,
      query: NotificationListQuery,
      response: page(Notification),
      handler: (ctx, { query }) => listNotifications(ctx, query),
    });
    r.route({
      method: 'GET',
      url: '/api/notifications/unread-count',
      summary: '未读通知数 / How many of the caller’s notifications are unread',
      tags: ['notifications'],
      permission: 'notification.read',
      sessionOnly: true,
      response: UnreadCount,
      handler: async (ctx) => ({ unread: await unreadCount(ctx.tx, ctx.workspaceId, ctx.actor.id) }),
    });
    r.route({
      method: 'POST',
      url: '/api/notifications/:id/read',
      summary: '标为已读 / Mark one of the caller’s notifications read',
      tags: ['notifications'],
      permission: 'notification.read',
      sessionOnly: true,
      audit: { action: 'notification.read', targetType: 'notification' },
      params: IdParams,
      response: UnreadCount,
      handler: async (ctx, { params }) => {
        await markRead(ctx, params.id);
        return { unread: await unreadCount(ctx.tx, ctx.workspaceId, ctx.actor.id) };
      },
    });
    r.route({
      method: 'POST',
      url: '/api/notifications/read-all',
      summary: '全部标为已读 / Mark all of the caller’s notifications read',
      tags: ['notifications'],
      permission: 'notification.read',
      sessionOnly: true,
      audit: { action: 'notification.read_all', targetType: 'staff' },
      response: UnreadCount,
      handler: async (ctx) => {
        ctx.audit.targetId = ctx.actor.id;
        ctx.audit.details = { marked: await markAllRead(ctx) };
        return { unread: 0 };
      },
    });

    // Settings --------------------------------------------------------------------------------------------------
    r.route({
      method: 'GET',
      url: '/api/relationships/settings',
      summary: '导购模块设置 / E-mail (SMTP) for notices and the festival calendar',
      tags: ['relationships'],
      permission: 'relationship.manage',
      response: RelationshipSettings,
      handler: async (ctx) => ({
        email: await emailSettings(ctx.tx, ctx.workspaceId, deps.smtp),
        festivals: await festivalCalendar(ctx.tx, ctx.workspaceId, ctx.locale),
      }),
    });
    r.route({
      method: 'PUT',
      url: '/api/relationships/settings/email',
      summary: '设置通知邮件 / Set the workspace’s SMTP server for notices (the password is never returned)',
      tags: ['relationships'],
      permission: 'relationship.manage',
      audit: { action: 'relationship.email_settings', targetType: 'workspace' },
      body: EmailSettingsBody,
      response: EmailSettings,
      handler: async (ctx, { body }) => {
        ctx.audit.targetId = ctx.workspaceId;
        ctx.audit.details = { fields: Object.keys(body).sort() };
        return saveEmailSettings(ctx.tx, ctx.workspaceId, body, deps.smtp);
      },
    });
    r.route({
      method: 'POST',
      url: '/api/relationships/settings/email/test',
      summary: '发送测试邮件 / Send a test message with the SMTP settings in force',
      tags: ['relationships'],
      permission: 'relationship.manage',
      audit: { action: 'relationship.email_test', targetType: 'workspace' },
      body: TestEmailBody,
      response: TestEmailResult,
      handler: async (ctx, { body }) => {
        ctx.audit.targetId = ctx.workspaceId;
        ctx.audit.details = { to: body.to };
        const config = await smtpConfigOf(ctx.tx, ctx.workspaceId, deps.smtp);
        if (!config) throw conflict('notification.email_not_configured');
        // Like the WeCom settings check: a server that refuses is the answer to the test, not an error of it.
        try {
          const messageId = await sendMail(config, {
            to: body.to,
            subject: translate(ctx.locale, 'notification.email.test_subject'),
            text: translate(ctx.locale, 'notification.email.test_body'),
            messageId: `<test-${ctx.requestId}@notifications.siyu>`,
          });
          ctx.audit.details = { to: body.to, sent: true };
          return { sent: true, messageId, error: null };
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          ctx.audit.details = { to: body.to, sent: false, error: err.code };
          return { sent: false, messageId: null, error: translate(ctx.locale, err.code, err.params) };
        }
      },
    });
    r.route({
      method: 'PUT',
      url: '/api/relationships/settings/festivals',
      summary: '设置节日日历 / Rename or re-date shipped festivals and add the workspace’s own',
      tags: ['relationships'],
      permission: 'sop.manage',
      audit: { action: 'relationship.festivals', targetType: 'workspace' },
      body: FestivalsBody,
      response: Items(Festival),
      handler: async (ctx, { body }) => {
        ctx.audit.targetId = ctx.workspaceId;
        ctx.audit.details = { festivals: body.festivals.map((f) => f.key) };
        return { items: await saveFestivals(ctx.tx, ctx.workspaceId, body, ctx.locale) };
      },
    });
    r.route({
      method: 'GET',
      url: '/api/sop/festivals',
      summary: '节日日历 / The festival calendar SOP plans can be triggered by',
      tags: ['sop'],
      permission: 'sop.manage',
      response: Items(Festival),
      handler: async (ctx) => ({ items: await festivalCalendar(ctx.tx, ctx.workspaceId, ctx.locale) }),
    });
  };
}
