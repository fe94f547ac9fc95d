// i18next setup shared by the console and the member H5: zh-CN by default, English on request, the choice kept in
// localStorage so both apps on this origin open in the language the user last picked.
import i18next, { type ResourceKey } from 'i18next';
import { initReactI18next } from 'react-i18next';

export const LANGUAGES = ['zh-CN', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

const STORAGE_KEY = 'siyu.lang';

function isLanguage(value: unknown): value is Language {
  return LANGUAGES.includes(value as Language);
}

function storedLanguage(): Language {
  try {
    const value = localStorage.getItem(STORAGE_KEY);
    return isLanguage(value) ? value : 'zh-CN';
  } catch {
    // Storage is unavailable in some embedded WebViews and private modes; the default language still works.
    return 'zh-CN';
  }
}

export function currentLanguage(): Language {
  return isLanguage(i18next.language) ? i18next.language : 'zh-CN';
}

/** Each app loads only its own namespace (`console` or `h5`), so neither bundle carries the other's strings. */
export async function initI18n(namespace: string, translations: Record<Language, ResourceKey>): Promise<void> {
  const lng = storedLanguage();
  document.documentElement.lang = lng;
  await i18next.use(initReactI18next).init({
    resources: {
      'zh-CN': { [namespace]: translations['zh-CN'] },
      en: { [namespace]: translations.en },
    },
    ns: [namespace],
    defaultNS: namespace,
    lng,
    fallbackLng: 'zh-CN',
    interpolation: { escapeValue: false },
  });
}

export async function changeLanguage(lng: Language): Promise<void> {
  try {
    localStorage.setItem(STORAGE_KEY, lng);
  } catch {
    // See storedLanguage: the switch still applies for this page view.
  }
  document.documentElement.lang = lng;
  await i18next.changeLanguage(lng);
}
