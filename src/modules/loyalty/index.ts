// The loyalty module's door: members and enrolment, tiers and growth value, the points ledger, earn rules,
// rewards, and the reports built on them (ARCHITECTURE §9).
import { addMessages } from '../../platform/i18n/index.ts';
import type { SiyuModule } from '../../platform/module.ts';
import type { CustomerParticipants } from '../customers/participants.ts';
import en from './locales/en.json' with { type: 'json' };
import zhCN from './locales/zh-CN.json' with { type: 'json' };

export { type MemberTier, memberTier } from './tiers.ts';

export function loyaltyModule(_deps: { participants: CustomerParticipants }): SiyuModule {
  addMessages('zh-CN', zhCN);
  addMessages('en', en);
  return { name: 'loyalty' };
}
