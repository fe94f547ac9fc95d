// Member H5: the brand named by `?ws=<slug>`, sign-in with a phone code, joining with consent to the member terms,
// then the member's tabs (card, check-in, mall, coupons, me) and the pages under them. Where the member is lives in
// the URL hash (#mall, #orders …), so a link opens a specific page and the phone's back gesture goes back.
import { type ReactNode, useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { H5Me, H5Terms } from '../../src/contracts/loyalty.ts';
import { H5Error, h5api, onSignedOut } from './api.ts';
import { Icon } from './icons.tsx';
import { Join } from './Join.tsx';
import { MemberHome } from './MemberHome.tsx';
import { SignIn } from './SignIn.tsx';
import { ErrorState, LanguageButton, Loading, ToastHost } from './ui.tsx';

const slug = new URLSearchParams(window.location.search).get('ws');

type Boot =
  | { state: 'loading' }
  | { state: 'failed'; error: unknown }
  | { state: 'ready'; terms: H5Terms; me: H5Me | null };

export function H5App() {
  const { t } = useTranslation('h5');
  const [boot, setBoot] = useState<Boot>({ state: 'loading' });

  const start = useCallback(() => {
    if (!slug) return;
    setBoot({ state: 'loading' });
    Promise.all([
      h5api.terms(slug),
      h5api.me().catch((err: unknown) => {
        if (err instanceof H5Error && err.status === 401) return null;
        throw err;
      }),
    ]).then(
      ([terms, me]) => setBoot({ state: 'ready', terms, me }),
      (error: unknown) => setBoot({ state: 'failed', error }),
    );
  }, []);

  useEffect(() => start(), [start]);
  useEffect(() => {
    onSignedOut(() => setBoot((b) => (b.state === 'ready' ? { ...b, me: null } : b)));
    return () => onSignedOut(null);
  }, []);

  const brand = boot.state === 'ready' ? boot.terms.workspace.name : t('defaultBrand');
  useEffect(() => {
    document.title = brand;
  }, [brand]);

  const refreshMe = useCallback(async () => {
    const me = await h5api.me();
    setBoot((b) => (b.state === 'ready' ? { ...b, me } : b));
  }, []);

  let body: ReactNode;
  if (!slug) {
    body = <Notice title={t('noBrand.title')} text={t('noBrand.text')} />;
  } else if (boot.state === 'loading') {
    body = <Loading />;
  } else if (boot.state === 'failed') {
    body =
      boot.error instanceof H5Error && boot.error.status === 404 ? (
        <Notice title={t('noBrand.title')} text={t('noBrand.unknown')} />
      ) : (
        <ErrorState error={boot.error} onRetry={start} />
      );
  } else if (!boot.me) {
    body = (
      <SignIn
        ws={slug}
        onSignedIn={() => {
          void refreshMe().catch((error: unknown) => setBoot({ state: 'failed', error }));
        }}
      />
    );
  } else if (!boot.me.member) {
    body = (
      <Join
        terms={boot.terms}
        phone={boot.me.phone}
        onJoined={() => void refreshMe().catch((error: unknown) => setBoot({ state: 'failed', error }))}
        onTermsChanged={start}
      />
    );
  } else {
    return (
      <>
        <MemberHome
          brand={brand}
          terms={boot.terms}
          me={boot.me}
          onSignedOut={() => setBoot({ ...boot, me: null })}
          onTermsRenewed={() => void refreshMe()}
        />
        <ToastHost />
      </>
    );
  }

  return (
    <div className="h5 h5-gate">
      <header className="h5-hero h5-hero-compact">
        <div className="h5-topbar">
          <span className="h5-subtitle">{t('memberCenter')}</span>
          <LanguageButton />
        </div>
        <h1 className="h5-brand">{brand}</h1>
      </header>
      <main className="h5-main">{body}</main>
      <ToastHost />
    </div>
  );
}

function Notice({ title, text }: { title: string; text: string }) {
  return (
    <section className="h5-panel h5-notice-panel">
      <Icon name="alert" />
      <h2>{title}</h2>
      <p>{text}</p>
    </section>
  );
}
