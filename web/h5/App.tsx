// Member home: the brand's name on a member-card header and a tab bar for the member features, each a placeholder
// until its module ships. The active tab lives in the URL hash so a link can open a specific tab.
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { changeLanguage, currentLanguage } from '../src/i18n.ts';
import { type Tab, TabIcon } from './icons.tsx';

const TABS: Tab[] = ['card', 'checkin', 'points', 'coupons', 'me'];

function tabFromHash(): Tab {
  const hash = window.location.hash.slice(1);
  return TABS.find((tab) => tab === hash) ?? 'card';
}

/**
 * The brand name comes from the workspace named by `?ws=<slug>`. Until that endpoint exists, or when it fails, the
 * page still works under the generic title, so a failure here is shown as the fallback rather than as an error.
 */
function useBrandName(): string | null {
  const [name, setName] = useState<string | null>(null);
  useEffect(() => {
    const slug = new URLSearchParams(window.location.search).get('ws');
    if (!slug) return;
    const controller = new AbortController();
    fetch(`/api/h5/workspace?ws=${encodeURIComponent(slug)}`, {
      credentials: 'same-origin',
      headers: { Accept: 'application/json' },
      signal: controller.signal,
    })
      .then((response) => (response.ok ? (response.json() as Promise<{ name?: unknown }>) : null))
      .then((workspace) => {
        if (typeof workspace?.name === 'string' && workspace.name) setName(workspace.name);
      })
      .catch(() => setName(null));
    return () => controller.abort();
  }, []);
  return name;
}

export function H5App() {
  const { t } = useTranslation('h5');
  const brandName = useBrandName();
  const brand = brandName ?? t('defaultBrand');
  const [tab, setTab] = useState<Tab>(tabFromHash);

  useEffect(() => {
    document.title = brand;
  }, [brand]);

  useEffect(() => {
    const onHashChange = () => setTab(tabFromHash());
    window.addEventListener('hashchange', onHashChange);
    return () => window.removeEventListener('hashchange', onHashChange);
  }, []);

  const select = (next: Tab) => {
    setTab(next);
    history.replaceState(null, '', `#${next}`);
  };

  const otherLanguage = currentLanguage() === 'en' ? 'zh-CN' : 'en';

  return (
    <div className="h5">
      <header className="h5-hero">
        <div className="h5-topbar">
          {/* Without a brand the title already reads "member center"; saying it twice looks broken. */}
          <span className="h5-subtitle">{brandName ? t('memberCenter') : ''}</span>
          <button
            type="button"
            className="h5-lang"
            aria-label={t('switchLanguageLabel')}
            onClick={() => void changeLanguage(otherLanguage)}
          >
            {t('switchLanguage')}
          </button>
        </div>
        <h1 className="h5-brand">{brand}</h1>
        <div className="h5-card">
          <div className="h5-card-brand">{brand}</div>
          <div className="h5-card-title">{t('memberCard')}</div>
          <div className="h5-card-hint">{t('memberCardHint')}</div>
        </div>
      </header>

      <main className="h5-main" role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        <section className="h5-panel">
          <div className="h5-panel-icon">
            <TabIcon tab={tab} />
          </div>
          <h2 className="h5-panel-title">{t(`tabs.${tab}`)}</h2>
          <p className="h5-panel-text">{t(`descriptions.${tab}`)}</p>
          <p className="h5-soon">{t('comingSoon')}</p>
        </section>
      </main>

      <div className="h5-tabbar" role="tablist" aria-label={t('memberCenter')}>
        {TABS.map((item) => (
          <button
            key={item}
            type="button"
            role="tab"
            id={`tab-${item}`}
            aria-selected={item === tab}
            aria-controls={item === tab ? `panel-${item}` : undefined}
            className={item === tab ? 'h5-tab h5-tab-active' : 'h5-tab'}
            onClick={() => select(item)}
          >
            <TabIcon tab={item} />
            <span>{t(`tabs.${item}`)}</span>
          </button>
        ))}
      </div>
    </div>
  );
}
