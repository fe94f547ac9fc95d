// The community module's door: customer groups (社群) with members and roles, group live codes, keyword auto-reply,
// moderation, group SOP, check-in, group statistics and KOC discovery (ARCHITECTURE §4, §11). Groups follow WeCom's
// change_external_chat callbacks (wecom.chat_* events) and a full sync; messages come from the session archive
// through POST /api/community/messages. Design and decisions: README.md in this folder.
import { addMessages } from '../../platform/i18n/index.ts';
import type { SiyuModule } from '../../platform/module.ts';
import type { CustomerParticipants } from '../customers/participants.ts';
import type { AudienceEngine } from '../segments/index.ts';
import { groupCondition } from './group-condition.ts';
import { groupsSubscriber, REFRESH_JOB, refreshJob, SYNC_ALL_JOB, SYNC_JOB, syncAllJob, syncJob } from './groups.ts';
import { DELETE_JOIN_WAY_JOB, deleteJoinWayJob, PUSH_JOB, pushJob } from './live-codes.ts';
import en from './locales/en.json' with { type: 'json' };
import zhCN from './locales/zh-CN.json' with { type: 'json' };
import { messagesSubscriber } from './messages.ts';
import { communityMergeParticipant, communityTimelineSource } from './participants.ts';
import { NOTIFY_REMOVAL_JOB, notifyRemovalJob } from './removals.ts';
import { communityRoutes } from './routes.ts';
import { RESULTS_ALL_JOB, RESULTS_JOB, resultsAllJob, resultsJob, SEND_JOB, sendJob } from './sends.ts';
import { SOP_DUE_JOB, SOP_TICK_JOB, sopDueJob, sopTickJob } from './sop.ts';

export type { MemberChanged, MemberCheckedIn, MessagePosted } from '../../contracts/community.ts';

export function communityModule(deps: {
  participants: CustomerParticipants;
  engine: AudienceEngine;
  now?: () => Date;
}): SiyuModule {
  addMessages('zh-CN', zhCN);
  addMessages('en', en);
  const community = { participants: deps.participants, now: deps.now ?? (() => new Date()) };
  deps.participants.addMergeParticipant(communityMergeParticipant);
  deps.participants.addTimelineSource(communityTimelineSource);
  deps.engine.registry.register(groupCondition);
  return {
    name: 'community',
    permissions: {
      // Groups show customers' names and what they write: operators and analysts, not guides (whose scope is
      // their own customers, which a group does not respect).
      'community.read': ['owner', 'admin', 'operator', 'analyst'],
      'community.manage': ['owner', 'admin', 'operator'],
    },
    routes: communityRoutes,
    subscribers: [groupsSubscriber(community), messagesSubscriber(community)],
    jobs: {
      [SYNC_JOB]: syncJob(community),
      [REFRESH_JOB]: refreshJob(community),
      [SYNC_ALL_JOB]: syncAllJob,
      [PUSH_JOB]: pushJob,
      [DELETE_JOIN_WAY_JOB]: deleteJoinWayJob,
      [NOTIFY_REMOVAL_JOB]: notifyRemovalJob(community),
      [SEND_JOB]: sendJob(community),
      [RESULTS_JOB]: resultsJob(community),
      [RESULTS_ALL_JOB]: resultsAllJob,
      [SOP_TICK_JOB]: sopTickJob(community),
      [SOP_DUE_JOB]: sopDueJob(community),
    },
    schedules: [
      { name: 'community.sync-nightly', cron: '40 3 * * *', timezone: 'Asia/Shanghai', kind: SYNC_ALL_JOB },
      { name: 'community.sop', cron: '* * * * *', kind: SOP_TICK_JOB },
      { name: 'community.send-results', cron: '25 * * * *', kind: RESULTS_ALL_JOB },
    ],
  };
}
