// Member H5 entry. Deliberately free of antd: it opens inside WeChat on phones, where every kilobyte is felt.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { initI18n } from '../src/i18n.ts';
import { H5App } from './App.tsx';
import en from './locales/en.json';
import zhCN from './locales/zh-CN.json';
import './h5.css';

void initI18n('h5', { 'zh-CN': zhCN, en: en satisfies typeof zhCN }).then(() => {
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <H5App />
    </StrictMode>,
  );
});
