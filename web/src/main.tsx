// Console entry: loads the translations, then hands over to <Root>, which probes the session before routing.
import dayjs from 'dayjs';
import i18next from 'i18next';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { Root } from './App.tsx';
import { initI18n } from './i18n.ts';
import en from './locales/en.json';
import zhCN from './locales/zh-CN.json';
import 'dayjs/locale/zh-cn';
import 'antd/dist/reset.css';
import './console.css';

// antd's date pickers take month and weekday names from dayjs' global locale, not from ConfigProvider. Registered
// before React renders so the pickers already see the new locale when the language change re-renders them.
i18next.on('languageChanged', (lng) => dayjs.locale(lng === 'en' ? 'en' : 'zh-cn'));

// `satisfies` makes a key present in Chinese but missing in English a type error.
void initI18n('console', { 'zh-CN': zhCN, en: en satisfies typeof zhCN }).then(() => {
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <Root />
    </StrictMode>,
  );
});
