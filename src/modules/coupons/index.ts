// The coupons module's door: coupon templates, issuance, unique codes, and validate / redeem / unredeem for POS
// and e-commerce.
import { addMessages } from '../../platform/i18n/index.ts';
import type { SiyuModule } from '../../platform/module.ts';
import type { CustomerParticipants } from '../customers/participants.ts';
import en from './locales/en.json' with { type: 'json' };
import zhCN from './locales/zh-CN.json' with { type: 'json' };

export function couponsModule(_deps: { participants: CustomerParticipants }): SiyuModule {
  addMessages('zh-CN', zhCN);
  addMessages('en', en);
  return { name: 'coupons' };
}
