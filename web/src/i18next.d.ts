// Types every t('…') call against the Chinese locale files, so a missing or misspelt key fails the typecheck.
import 'i18next';
import type h5 from '../h5/locales/zh-CN.json';
import type consoleStrings from './locales/zh-CN.json';

declare module 'i18next' {
  interface CustomTypeOptions {
    defaultNS: 'console';
    resources: { console: typeof consoleStrings; h5: typeof h5 };
  }
}
