// Joining: the member terms in force (their version shown), consent by a checkbox the member ticks themselves, an
// optional name and the inviter's code (filled in from an invite link). Also used to consent to newer terms.
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { H5Terms } from '../../src/contracts/loyalty.ts';
import { H5Error, h5api } from './api.ts';
import { useErrorText } from './ui.tsx';

const invited = new URLSearchParams(window.location.search).get('invite')?.toUpperCase() ?? '';

export function Join({
  terms,
  phone,
  onJoined,
  onTermsChanged,
}: {
  terms: H5Terms;
  phone: string | null;
  onJoined(): void;
  onTermsChanged(): void;
}) {
  const { t } = useTranslation('h5');
  const errorText = useErrorText();
  const [name, setName] = useState('');
  const [inviteCode, setInviteCode] = useState(invited);
  const [consent, setConsent] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!consent) {
      setError(t('join.consentRequired'));
      return;
    }
    const code = inviteCode.trim().toUpperCase();
    if (code && !/^[2-9A-HJ-NP-Z]{8}$/.test(code)) {
      setError(t('join.inviteInvalid'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await h5api.join({
        termsVersion: terms.terms.version,
        consent: true,
        ...(name.trim() ? { name: name.trim() } : {}),
        ...(code ? { inviteCode: code } : {}),
      });
      onJoined();
    } catch (err) {
      setBusy(false);
      // New terms were published while the form was open: show them, consent has to be given again.
      if (err instanceof H5Error && err.code === 'loyalty.terms_outdated') onTermsChanged();
      setError(errorText(err));
    }
  };

  return (
    <form className="h5-panel h5-form" onSubmit={submit} noValidate>
      <h2 className="h5-form-title">{t('join.title', { brand: terms.workspace.name })}</h2>
      {phone && <p className="h5-form-hint">{t('join.signedInAs', { phone })}</p>}
      <TermsBox terms={terms} />
      <label className="h5-field">
        <span>{t('join.name')}</span>
        <input
          autoComplete="name"
          placeholder={t('join.namePlaceholder')}
          value={name}
          maxLength={100}
          onChange={(event) => setName(event.target.value)}
        />
      </label>
      <label className="h5-field">
        <span>{t('join.inviteCode')}</span>
        <input
          autoCapitalize="characters"
          placeholder={t('join.invitePlaceholder')}
          value={inviteCode}
          maxLength={8}
          onChange={(event) => setInviteCode(event.target.value)}
        />
      </label>
      <label className="h5-check">
        <input type="checkbox" checked={consent} onChange={(event) => setConsent(event.target.checked)} />
        <span>{t('join.consent', { version: terms.terms.version })}</span>
      </label>
      {error && (
        <p className="h5-form-error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" className="h5-button h5-button-primary h5-button-block" disabled={busy || !consent}>
        {busy ? t('join.joining') : t('join.submit')}
      </button>
    </form>
  );
}

export function TermsBox({ terms }: { terms: H5Terms }) {
  const { t } = useTranslation('h5');
  return (
    <section className="h5-terms" aria-label={t('join.termsTitle')}>
      <div className="h5-terms-head">
        <strong>{t('join.termsTitle')}</strong>
        <span className="h5-chip">{t('join.version', { version: terms.terms.version })}</span>
      </div>
      <div className="h5-terms-text">{terms.terms.text}</div>
    </section>
  );
}
