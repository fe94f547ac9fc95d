// The signed-in member's app: the tab bar (card, check-in, mall, coupons, me), the pages under the tabs, the notice
// of announced rule changes and of newer member terms. The card (tier, growth, balance, expiring points) is loaded
// here and refreshed whenever a page moves points.
import { type ReactNode, useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { H5Card } from '../../src/contracts/h5.ts';
import type { H5Me, H5Terms } from '../../src/contracts/loyalty.ts';
import { h5api } from './api.ts';
import { CheckInTab } from './CheckIn.tsx';
import { CouponsTab } from './Coupons.tsx';
import { date, points, yuan } from './format.ts';
import { Icon, type IconName, TABS, type Tab } from './icons.tsx';
import { TermsBox } from './Join.tsx';
import { LotteryPage } from './Lottery.tsx';
import { MallTab, OrdersPage } from './Mall.tsx';
import { BenefitsPage, InvitePage, LeaderboardPage, NoticesPage, PointsPage } from './Pages.tsx';
import {
  ErrorState,
  LanguageButton,
  type Loaded,
  Loading,
  ProgressBar,
  Sheet,
  toast,
  useErrorText,
  useLoad,
} from './ui.tsx';

const SUBPAGES = ['points', 'orders', 'benefits', 'leaderboard', 'invite', 'lottery', 'notices'] as const;
type SubPageKey = (typeof SUBPAGES)[number];
export type PageKey = Tab | SubPageKey;

function pageFromHash(): PageKey {
  const hash = window.location.hash.slice(1);
  return [...TABS, ...SUBPAGES].find((p) => p === hash) ?? 'card';
}

export interface Nav {
  go(page: PageKey): void;
  back(): void;
  /** Points moved (check-in, redemption, draw): the card reloads. */
  pointsChanged(): void;
}

export function MemberHome({
  brand,
  terms,
  me,
  onSignedOut,
  onTermsRenewed,
}: {
  brand: string;
  terms: H5Terms;
  me: H5Me;
  onSignedOut(): void;
  onTermsRenewed(): void;
}) {
  const { t } = useTranslation('h5');
  const [page, setPage] = useState<PageKey>(pageFromHash);
  const card = useLoad(h5api.card);
  const notices = useLoad(h5api.notices);

  useEffect(() => {
    const onHash = () => setPage(pageFromHash());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new page is the trigger; it opens at its top
  useEffect(() => {
    window.scrollTo(0, 0);
  }, [page]);

  const nav: Nav = {
    go: (next) => {
      if ((TABS as string[]).includes(next)) {
        history.replaceState(null, '', `#${next}`);
        setPage(next);
      } else {
        window.location.hash = next;
      }
    },
    back: () => {
      if (history.length > 1) history.back();
      else {
        history.replaceState(null, '', '#card');
        setPage('card');
      }
    },
    pointsChanged: card.reload,
  };

  const tab: Tab = (TABS as string[]).includes(page)
    ? (page as Tab)
    : page === 'lottery' || page === 'orders'
      ? 'mall'
      : 'me';
  const isTab = (TABS as string[]).includes(page);

  let content: ReactNode;
  switch (page) {
    case 'card':
      content = (
        <CardTab
          card={card}
          brand={brand}
          notices={notices.data?.items.length ?? 0}
          firstNotice={notices.data?.items[0]?.effectiveOn ?? null}
          terms={terms}
          onTermsRenewed={onTermsRenewed}
          nav={nav}
        />
      );
      break;
    case 'checkin':
      content = <CheckInTab nav={nav} />;
      break;
    case 'mall':
      content = <MallTab nav={nav} />;
      break;
    case 'coupons':
      content = <CouponsTab />;
      break;
    case 'me':
      content = <MeTab me={me} card={card.data} nav={nav} onSignedOut={onSignedOut} />;
      break;
    case 'points':
      content = <PointsPage nav={nav} card={card.data} />;
      break;
    case 'orders':
      content = <OrdersPage nav={nav} />;
      break;
    case 'benefits':
      content = <BenefitsPage nav={nav} />;
      break;
    case 'leaderboard':
      content = <LeaderboardPage nav={nav} />;
      break;
    case 'invite':
      content = <InvitePage nav={nav} brand={brand} />;
      break;
    case 'lottery':
      content = <LotteryPage nav={nav} />;
      break;
    case 'notices':
      content = <NoticesPage nav={nav} loaded={notices} />;
      break;
  }

  return (
    <div className="h5">
      {isTab && page !== 'card' && (
        <header className="h5-topnav">
          <h1>{t(`tabs.${page as Tab}`)}</h1>
          <LanguageButton />
        </header>
      )}
      <main className={page === 'card' ? 'h5-main h5-main-card' : isTab ? 'h5-main' : 'h5-main h5-main-sub'}>
        <div id={`panel-${tab}`} role="tabpanel" aria-labelledby={`tab-${tab}`}>
          {content}
        </div>
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
            onClick={() => nav.go(item)}
          >
            <Icon name={item} />
            <span>{t(`tabs.${item}`)}</span>
          </button>
        ))}
      </div>
    </div>
  );
}

function CardTab({
  card,
  brand,
  notices,
  firstNotice,
  terms,
  onTermsRenewed,
  nav,
}: {
  card: Loaded<H5Card>;
  brand: string;
  notices: number;
  firstNotice: string | null;
  terms: H5Terms;
  onTermsRenewed(): void;
  nav: Nav;
}) {
  const { t } = useTranslation('h5');
  const [renewing, setRenewing] = useState(false);
  const data = card.data;
  const outdated = data && data.card.currentTermsVersion !== data.card.termsVersion;

  return (
    <>
      <header className="h5-hero">
        <div className="h5-topbar">
          <span className="h5-subtitle">{t('memberCenter')}</span>
          <LanguageButton />
        </div>
        <h1 className="h5-brand">{brand}</h1>
        {data ? (
          <MemberCardView data={data} brand={brand} nav={nav} />
        ) : (
          <div className="h5-card h5-card-placeholder">
            {card.error ? <ErrorState error={card.error} onRetry={card.reload} /> : <Loading />}
          </div>
        )}
      </header>
      <div className="h5-stack h5-card-stack">
        {notices > 0 && firstNotice && (
          <button type="button" className="h5-banner" onClick={() => nav.go('notices')}>
            <Icon name="bell" />
            <span>{t('notices.banner', { date: firstNotice, count: notices })}</span>
            <Icon name="chevron" />
          </button>
        )}
        {outdated && (
          <button type="button" className="h5-banner h5-banner-info" onClick={() => setRenewing(true)}>
            <Icon name="doc" />
            <span>{t('terms.updated', { version: data.card.currentTermsVersion })}</span>
            <Icon name="chevron" />
          </button>
        )}
        {data && <PointsSummary data={data} nav={nav} />}
        <section className="h5-panel h5-shortcuts" aria-label={t('card.shortcuts')}>
          <Shortcut icon="history" label={t('pages.points')} onClick={() => nav.go('points')} />
          <Shortcut icon="crown" label={t('pages.benefits')} onClick={() => nav.go('benefits')} />
          <Shortcut icon="wheel" label={t('pages.lottery')} onClick={() => nav.go('lottery')} />
          <Shortcut icon="trophy" label={t('pages.leaderboard')} onClick={() => nav.go('leaderboard')} />
          <Shortcut icon="share" label={t('pages.invite')} onClick={() => nav.go('invite')} />
          <Shortcut icon="orders" label={t('pages.orders')} onClick={() => nav.go('orders')} />
        </section>
      </div>
      {renewing && <RenewTermsSheet terms={terms} onClose={() => setRenewing(false)} onRenewed={onTermsRenewed} />}
    </>
  );
}

function MemberCardView({ data, brand, nav }: { data: H5Card; brand: string; nav: Nav }) {
  const { t } = useTranslation('h5');
  const { card } = data;
  const next = card.growth.next;
  return (
    <section className={`h5-card h5-card-rank-${Math.min(card.tier.rank, 3)}`} aria-label={t('memberCard')}>
      <div className="h5-card-top">
        <span className="h5-card-brand">{brand}</span>
        <span className="h5-card-tier">
          <Icon name="crown" />
          {card.tier.name}
        </span>
      </div>
      <button type="button" className="h5-card-balance" onClick={() => nav.go('points')}>
        <span className="h5-card-label">{t('card.balance')}</span>
        <strong data-testid="balance">{points(data.points.balance)}</strong>
        <span className="h5-card-unit">{t('card.points')}</span>
      </button>
      <div className="h5-card-growth">
        <div className="h5-card-growth-row">
          <span>{t('card.growth', { growth: points(card.growth.window) })}</span>
          <span>
            {next ? t('card.toNext', { remaining: points(next.remaining), tier: next.tier.name }) : t('card.topTier')}
          </span>
        </div>
        <ProgressBar
          value={card.growth.window}
          max={next ? next.threshold : Math.max(card.growth.window, 1)}
          label={t('card.growthLabel')}
        />
      </div>
      <div className="h5-card-no">{card.cardNo.replace(/(\d{4})(?=\d)/g, '$1 ')}</div>
      {card.downgrade && (
        <p className="h5-card-warning">
          {t('card.downgrade', { date: date(card.downgrade.dueAt), tier: card.downgrade.toTier?.name ?? '' })}
        </p>
      )}
    </section>
  );
}

function PointsSummary({ data, nav }: { data: H5Card; nav: Nav }) {
  const { t } = useTranslation('h5');
  const soon = data.points.expiringSoon;
  return (
    <section className="h5-panel h5-points-summary">
      <div className="h5-points-row">
        <div>
          <span className="h5-muted">{t('card.worth')}</span>
          <strong>{yuan(data.points.valueFen)}</strong>
        </div>
        <button type="button" className="h5-button h5-button-primary h5-button-small" onClick={() => nav.go('mall')}>
          {t('card.toMall')}
        </button>
      </div>
      {soon.points > 0 && soon.firstAt ? (
        <p className="h5-expiring" role="note">
          <Icon name="alert" />
          {t('card.expiring', { points: points(soon.points), date: date(soon.firstAt) })}
        </p>
      ) : (
        <p className="h5-muted h5-small">{t('card.noneExpiring')}</p>
      )}
      {data.points.debt > 0 && <p className="h5-expiring">{t('card.debt', { debt: points(data.points.debt) })}</p>}
    </section>
  );
}

function Shortcut({ icon, label, onClick }: { icon: IconName; label: string; onClick(): void }) {
  return (
    <button type="button" className="h5-shortcut" onClick={onClick}>
      <span className="h5-shortcut-icon">
        <Icon name={icon} />
      </span>
      <span>{label}</span>
    </button>
  );
}

function RenewTermsSheet({ terms, onClose, onRenewed }: { terms: H5Terms; onClose(): void; onRenewed(): void }) {
  const { t } = useTranslation('h5');
  const errorText = useErrorText();
  const [consent, setConsent] = useState(false);
  const [busy, setBusy] = useState(false);
  const agree = async () => {
    setBusy(true);
    try {
      await h5api.join({ termsVersion: terms.terms.version, consent: true });
      toast(t('terms.renewed'), 'success');
      onRenewed();
      onClose();
    } catch (err) {
      toast(errorText(err), 'error');
      setBusy(false);
    }
  };
  return (
    <Sheet
      title={t('terms.title')}
      onClose={onClose}
      busy={busy}
      footer={
        <button
          type="button"
          className="h5-button h5-button-primary h5-button-block"
          disabled={!consent || busy}
          onClick={() => void agree()}
        >
          {t('terms.agree')}
        </button>
      }
    >
      <TermsBox terms={terms} />
      <label className="h5-check">
        <input type="checkbox" checked={consent} onChange={(event) => setConsent(event.target.checked)} />
        <span>{t('join.consent', { version: terms.terms.version })}</span>
      </label>
    </Sheet>
  );
}

function MeTab({ me, card, nav, onSignedOut }: { me: H5Me; card: H5Card | null; nav: Nav; onSignedOut(): void }) {
  const { t } = useTranslation('h5');
  const errorText = useErrorText();
  const [leaving, setLeaving] = useState(false);
  const signOut = useCallback(async () => {
    setLeaving(true);
    try {
      await h5api.logout();
      onSignedOut();
    } catch (err) {
      toast(errorText(err), 'error');
      setLeaving(false);
    }
  }, [errorText, onSignedOut]);
  const rows: { icon: IconName; page: PageKey; label: string }[] = [
    { icon: 'history', page: 'points', label: t('pages.points') },
    { icon: 'orders', page: 'orders', label: t('pages.orders') },
    { icon: 'crown', page: 'benefits', label: t('pages.benefits') },
    { icon: 'wheel', page: 'lottery', label: t('pages.lottery') },
    { icon: 'trophy', page: 'leaderboard', label: t('pages.leaderboard') },
    { icon: 'share', page: 'invite', label: t('pages.invite') },
    { icon: 'bell', page: 'notices', label: t('pages.notices') },
  ];
  return (
    <div className="h5-stack">
      <section className="h5-panel h5-profile">
        <span className="h5-avatar" aria-hidden="true">
          <Icon name="me" />
        </span>
        <div>
          <strong>{me.phone ?? t('me.member')}</strong>
          {card && (
            <p className="h5-muted h5-small">
              {card.card.tier.name} · {t('me.cardNo', { cardNo: card.card.cardNo })}
            </p>
          )}
        </div>
      </section>
      <ul className="h5-list h5-panel">
        {rows.map((row) => (
          <li key={row.page}>
            <button type="button" className="h5-list-row" onClick={() => nav.go(row.page)}>
              <Icon name={row.icon} />
              <span>{row.label}</span>
              <Icon name="chevron" />
            </button>
          </li>
        ))}
      </ul>
      <button
        type="button"
        className="h5-button h5-button-ghost h5-button-block"
        onClick={() => void signOut()}
        disabled={leaving}
      >
        {t('me.signOut')}
      </button>
    </div>
  );
}
