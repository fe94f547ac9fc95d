// The acquisition module's door: channel live codes with guide rotation, welcome messages, trackable links and
// source attribution (ARCHITECTURE §4, §11).
import { addMessages } from '../../platform/i18n/index.ts';
import type { SiyuModule } from '../../platform/module.ts';
import type { CustomerParticipants } from '../customers/participants.ts';
import en from './locales/en.json' with { type: 'json' };
import zhCN from './locales/zh-CN.json' with { type: 'json' };

export function acquisitionModule(_deps: { participants: CustomerParticipants }): SiyuModule {
  addMessages('zh-CN', zhCN);
  addMessages('en', en);
  return { name: 'acquisition' };
}
