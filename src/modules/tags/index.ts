// The tags module's door: tag groups and tags, tagging one or many customers, auto-tag rules, tag history, and
// groups kept equal to WeCom's corp tags (企业客户标签) both ways (wecom.ts).
import { addMessages } from '../../platform/i18n/index.ts';
import type { ClaimedJob } from '../../platform/jobs/index.ts';
import type { SiyuModule } from '../../platform/module.ts';
import type { CustomerParticipants } from '../customers/participants.ts';
import en from './locales/en.json' with { type: 'json' };
import zhCN from './locales/zh-CN.json' with { type: 'json' };
import { tagsMergeParticipant, tagsTimelineSource } from './participants.ts';
import { tagRoutes } from './routes.ts';
import {
  markJob,
  onRelationshipTags,
  onSiyuTagging,
  onWecomNews,
  pushJob,
  syncJob,
  WECOM_MARK_JOB,
  WECOM_PUSH_JOB,
  WECOM_SYNC_JOB,
} from './wecom.ts';

export { setTagRule } from './catalog.ts';
export { customerTags, getTag, syncRuleTag, tagCustomers, untagCustomers } from './tagging.ts';

const workspaceOf = (job: ClaimedJob): string => {
  if (!job.workspaceId) throw new Error(`${job.kind} job ${job.id} has no workspace`);
  return job.workspaceId;
};

export function tagsModule(deps: { participants: CustomerParticipants; now?: () => Date }): SiyuModule {
  addMessages('zh-CN', zhCN);
  addMessages('en', en);
  const now = deps.now ?? (() => new Date());
  deps.participants.addMergeParticipant(tagsMergeParticipant);
  deps.participants.addTimelineSource(tagsTimelineSource);
  return {
    name: 'tags',
    permissions: {
      'tag.read': ['owner', 'admin', 'operator', 'guide', 'analyst'],
      'tag.manage': ['owner', 'admin', 'operator'],
      'tag.apply': ['owner', 'admin', 'operator', 'guide'],
    },
    routes: tagRoutes,
    jobs: {
      [WECOM_SYNC_JOB]: (job, tx) => syncJob(tx, workspaceOf(job), now),
      [WECOM_PUSH_JOB]: (job, tx) => pushJob(tx, workspaceOf(job)),
      [WECOM_MARK_JOB]: (job, tx) => markJob(tx, job, workspaceOf(job), now),
    },
    subscribers: [
      {
        name: 'tags.wecom-news',
        events: ['wecom.settings_saved', 'wecom.tag_changed'],
        handle: (event, tx) => onWecomNews([event], tx, now),
        handleMany: (events, tx) => onWecomNews(events, tx, now),
      },
      {
        name: 'tags.wecom-contact-tags',
        events: ['relationship.wecom_tags_changed', 'relationship.started'],
        handle: (event, tx) => onRelationshipTags([event], tx, now),
        handleMany: (events, tx) => onRelationshipTags(events, tx, now),
      },
      {
        name: 'tags.wecom-marks',
        events: ['tag.added', 'tag.removed'],
        handle: (event, tx) => onSiyuTagging([event], tx),
        handleMany: onSiyuTagging,
      },
    ],
  };
}
