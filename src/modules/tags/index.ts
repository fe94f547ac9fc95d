// The tags module's door: tag groups and tags, tagging one or many customers, auto-tag rules, tag history.
import { addMessages } from '../../platform/i18n/index.ts';
import type { SiyuModule } from '../../platform/module.ts';
import type { CustomerParticipants } from '../customers/participants.ts';
import en from './locales/en.json' with { type: 'json' };
import zhCN from './locales/zh-CN.json' with { type: 'json' };
import { tagsMergeParticipant, tagsTimelineSource } from './participants.ts';
import { tagRoutes } from './routes.ts';

export { setTagRule } from './catalog.ts';
export { customerTags, getTag, syncRuleTag, tagCustomers, untagCustomers } from './tagging.ts';

export function tagsModule(deps: { participants: CustomerParticipants }): SiyuModule {
  addMessages('zh-CN', zhCN);
  addMessages('en', en);
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
  };
}
