// The relationships module's door: guides and the customers they own through WeCom, transfer and succession,
// churn alerts, follow-up SOP tasks and the script library (ARCHITECTURE §4, §11).
//
// Other modules use:
//   guideByWecomUserId(tx, workspaceId, userId)  the guide (staff) a WeCom member id is linked to, or null
//   guideOf(tx, workspaceId, customerId)         the customer's guide (the first one they added who is linked)
//   renderScript, scriptValues                   the script library's {{variable|fallback}} texts (welcome messages)
//   relationship.started / relationship.ended    domain events (src/contracts/relationships.ts)
//   relationship.wecom_tags_changed              the corp tags a read of a contact found changed (added/removed ids)
//   wecomTagHolders, recordWecomTagsMarked,      a customer's relationships with their corp tag ids, for the tags
//   customersWithWecomTags                       module's mark_tag pushes and the customers of a newly linked tag
// and the guide scope every customer route applies (customers' scopeSql / assertCustomerInScope), which this
// module fills with "an active relationship to the guide".
import type { Tx } from '../../platform/db/index.ts';
import { AppError } from '../../platform/errors.ts';
import { addMessages } from '../../platform/i18n/index.ts';
import { type ClaimedJob, type DomainEvent, enqueue } from '../../platform/jobs/index.ts';
import type { SiyuModule } from '../../platform/module.ts';
import { type CustomerParticipants, provideCustomerOwnership } from '../customers/index.ts';
import type { AudienceEngine } from '../segments/index.ts';
import { workspaceLocale } from './calendar.ts';
import { CONTACT_EVENTS, handleContactEvent } from './contacts.ts';
import { guideCondition } from './guide-condition.ts';
import en from './locales/en.json' with { type: 'json' };
import zhCN from './locales/zh-CN.json' with { type: 'json' };
import { type SmtpConfig, smtpFromEnv } from './mailer.ts';
import { EMAIL_JOB, emailJob } from './notifications.ts';
import { relationshipOwnership } from './ownership.ts';
import { relationshipsMergeParticipant, relationshipsTimelineSource } from './participants.ts';
import { relationshipRoutes } from './routes.ts';
import { enabledPlans } from './sop-plans.ts';
import { sopRoutes } from './sop-routes.ts';
import { dateTriggeredTasks, eventTasks, markOverdue } from './sop-tasks.ts';
import { SYNC_GUIDE_JOB, startSync, syncGuide } from './sync.ts';
import { pollTransfers } from './transfers.ts';

export type {
  RelationshipDomainEvents,
  RelationshipEnded,
  RelationshipStarted,
  RelationshipWecomTagsChanged,
} from '../../contracts/relationships.ts';
export { type GuideRef, guideByStaffId, guideByWecomUserId, guideOf } from './guides.ts';
export {
  customersWithWecomTags,
  recordWecomTagsMarked,
  type WecomTagHolder,
  wecomTagHolders,
} from './ownership.ts';
export { renderScript, scriptValues } from './scripts.ts';

const JOBS = {
  syncNightly: 'relationships.sync-nightly',
  syncWorkspace: 'relationships.sync-workspace',
  transfersCheck: 'relationships.transfers-check',
  transfersCheckWorkspace: 'relationships.transfers-check-workspace',
  overdue: 'relationships.overdue',
  overdueWorkspace: 'relationships.overdue-workspace',
  sopDaily: 'relationships.sop-daily',
  sopDailyWorkspace: 'relationships.sop-daily-workspace',
} as const;

const workspaceOf = (job: ClaimedJob): string => {
  if (!job.workspaceId) throw new Error(`${job.kind} job ${job.id} has no workspace`);
  return job.workspaceId;
};

/** A system job (no workspace) that queues one job of `kind` for each workspace `sql` lists. */
function fanOut(sql: string, kind: string) {
  return async (job: ClaimedJob, tx: Tx): Promise<void> => {
    for (const { workspace_id } of await tx.query<{ workspace_id: string }>(sql)) {
      await enqueue(tx, { kind, workspaceId: workspace_id, dedupeKey: `${workspace_id}@${kind}:${job.id}` });
    }
  };
}

export function relationshipsModule(deps: {
  participants: CustomerParticipants;
  now?: () => Date;
  /** Server-wide SMTP for notices; by default from SIYU_SMTP_URL and SIYU_MAIL_FROM. */
  smtp?: SmtpConfig | null;
  /** Where the guide segment condition is registered; a test that builds this module alone has none. */
  engine?: AudienceEngine;
}): SiyuModule {
  addMessages('zh-CN', zhCN);
  addMessages('en', en);
  const now = deps.now ?? (() => new Date());
  const smtp = deps.smtp === undefined ? smtpFromEnv(process.env) : deps.smtp;
  const { participants } = deps;
  provideCustomerOwnership(relationshipOwnership);
  deps.engine?.registry.register(guideCondition);
  participants.addMergeParticipant(relationshipsMergeParticipant);
  participants.addTimelineSource(relationshipsTimelineSource);

  const sopTriggers = async (events: DomainEvent[], tx: Tx): Promise<void> => {
    const workspaceId = events[0]?.workspaceId;
    if (!workspaceId) return;
    const segmentPlans = await enabledPlans(tx, workspaceId, 'segment_entered');
    const tagPlans = await enabledPlans(tx, workspaceId, 'tag_added');
    if (segmentPlans.length === 0 && tagPlans.length === 0) return;
    const segments = new Set(
      segmentPlans.map((p) => (p.trigger.type === 'segment_entered' ? p.trigger.segmentId : '')),
    );
    const tags = new Set(tagPlans.map((p) => (p.trigger.type === 'tag_added' ? p.trigger.tagId : '')));
    for (const e of events) {
      const p = e.payload as { customerId?: string; segmentId?: string; tagId?: string };
      if (!p.customerId) continue;
      const occurrence = `${e.type}:${e.id}:${e.index}`;
      if (e.type === 'segment.entered' && p.segmentId && segments.has(p.segmentId)) {
        await eventTasks(
          tx,
          workspaceId,
          { type: 'segment_entered', segmentId: p.segmentId },
          p.customerId,
          occurrence,
          e.occurredAt,
        );
      } else if (e.type === 'tag.added' && p.tagId && tags.has(p.tagId)) {
        await eventTasks(
          tx,
          workspaceId,
          { type: 'tag_added', tagId: p.tagId },
          p.customerId,
          occurrence,
          e.occurredAt,
        );
      }
    }
  };

  return {
    name: 'relationships',
    permissions: {
      // Guides, relationships (a guide: their own customers' only) and the dashboard.
      'relationship.read': ['owner', 'admin', 'operator', 'guide', 'analyst'],
      // Linking guides, resignations, transfers, syncs, notice e-mail.
      'relationship.manage': ['owner', 'admin', 'operator'],
      // Churn names customers a guide no longer owns, so guides see it only as counts on their dashboard.
      'churn.read': ['owner', 'admin', 'operator', 'analyst'],
      'sop.manage': ['owner', 'admin', 'operator'],
      // Tasks (a guide: their own) and reading the script library.
      'task.work': ['owner', 'admin', 'operator', 'guide'],
      'notification.read': ['owner', 'admin', 'operator', 'guide', 'analyst', 'auditor'],
    },
    routes: (r) => {
      relationshipRoutes({ participants, smtp })(r);
      sopRoutes({ smtp })(r);
    },
    subscribers: [
      {
        name: 'relationships.contacts',
        events: CONTACT_EVENTS,
        handle: (event, tx) => handleContactEvent(tx, { participants, now, smtp }, event),
      },
      {
        name: 'relationships.sop-triggers',
        events: ['segment.entered', 'tag.added'],
        handle: (event, tx) => sopTriggers([event], tx),
        handleMany: sopTriggers,
      },
    ],
    jobs: {
      [EMAIL_JOB]: emailJob(smtp, now),
      [SYNC_GUIDE_JOB]: async (job, tx) => {
        const { runId, wecomUserId } = job.payload as { runId: string; wecomUserId: string };
        await syncGuide(tx, { participants, now, smtp }, workspaceOf(job), runId, wecomUserId);
      },
      [JOBS.syncNightly]: fanOut('SELECT DISTINCT workspace_id FROM guides', JOBS.syncWorkspace),
      [JOBS.syncWorkspace]: async (job, tx) => {
        try {
          await startSync(tx, workspaceOf(job), 'schedule', now());
        } catch (err) {
          // A sync started by hand a moment ago covers tonight's.
          if (!(err instanceof AppError && err.code === 'relationship.sync_running')) throw err;
        }
      },
      [JOBS.transfersCheck]: fanOut(
        `SELECT DISTINCT workspace_id FROM customer_transfers WHERE status = 'waiting'`,
        JOBS.transfersCheckWorkspace,
      ),
      [JOBS.transfersCheckWorkspace]: async (job, tx) => {
        await pollTransfers(tx, participants, workspaceOf(job), now(), smtp);
      },
      [JOBS.overdue]: fanOut(
        `SELECT DISTINCT workspace_id FROM sop_tasks WHERE status = 'open'`,
        JOBS.overdueWorkspace,
      ),
      [JOBS.overdueWorkspace]: async (job, tx) => {
        await markOverdue(tx, workspaceOf(job), now(), smtp);
      },
      [JOBS.sopDaily]: fanOut(
        `SELECT DISTINCT workspace_id FROM sop_plans WHERE enabled AND trigger_type IN ('birthday', 'festival')`,
        JOBS.sopDailyWorkspace,
      ),
      [JOBS.sopDailyWorkspace]: async (job, tx) => {
        const workspaceId = workspaceOf(job);
        await dateTriggeredTasks(tx, workspaceId, now(), await workspaceLocale(tx, workspaceId));
      },
    },
    schedules: [
      { name: 'relationships.sync-nightly', cron: '40 3 * * *', timezone: 'Asia/Shanghai', kind: JOBS.syncNightly },
      { name: 'relationships.transfers-check', cron: '*/10 * * * *', kind: JOBS.transfersCheck },
      { name: 'relationships.overdue', cron: '*/15 * * * *', kind: JOBS.overdue },
      { name: 'relationships.sop-daily', cron: '0 6 * * *', timezone: 'Asia/Shanghai', kind: JOBS.sopDaily },
    ],
  };
}
