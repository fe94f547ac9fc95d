// The segments module's messages (error codes and rule-validation reasons) in zh-CN and en.
import { addMessages } from '../../platform/i18n/index.ts';
import en from './locales/en.json' with { type: 'json' };
import zhCN from './locales/zh-CN.json' with { type: 'json' };

export function registerSegmentMessages(): void {
  addMessages('zh-CN', zhCN);
  addMessages('en', en);
}
