// Server-side messages in zh-CN (default) and en, chosen per request from `?lang=` or Accept-Language.
import en from './en.json' with { type: 'json' };
import zhCN from './zh-CN.json' with { type: 'json' };

export type Locale = 'zh-CN' | 'en';
const catalogs: Record<Locale, Record<string, string>> = { 'zh-CN': zhCN, en };

export function pickLocale(acceptLanguage: string | undefined, explicit?: string): Locale {
  const wanted = (explicit || acceptLanguage || '').toLowerCase();
  // Accept-Language lists preferences in order; the first Chinese or English entry decides.
  for (const part of wanted.split(',')) {
    const tag = part.trim();
    if (tag.startsWith('zh')) return 'zh-CN';
    if (tag.startsWith('en')) return 'en';
  }
  return 'zh-CN';
}

export function translate(locale: Locale, code: string, params: Record<string, string | number> = {}): string {
  const template = catalogs[locale][code] ?? catalogs['zh-CN'][code] ?? code;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** Lets modules add their own messages (their locale files) at start-up. */
export function addMessages(locale: Locale, messages: Record<string, string>): void {
  Object.assign(catalogs[locale], messages);
}
