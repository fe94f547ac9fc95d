// Sign-in with a phone number and the code texted to it: the code is valid five minutes, and can be sent again
// when the server says so (a minute between sends).
import { type FormEvent, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { h5api } from './api.ts';
import { useErrorText } from './ui.tsx';

export function SignIn({ ws, onSignedIn }: { ws: string; onSignedIn(): void }) {
  const { t } = useTranslation('h5');
  const errorText = useErrorText();
  const [phone, setPhone] = useState('');
  const [code, setCode] = useState('');
  const [sentTo, setSentTo] = useState<string | null>(null);
  const [wait, setWait] = useState(0);
  const [busy, setBusy] = useState<'send' | 'verify' | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (wait <= 0) return;
    const timer = setTimeout(() => setWait((w) => w - 1), 1000);
    return () => clearTimeout(timer);
  }, [wait]);

  const phoneOk = /^\+?[0-9\s-]{5,32}$/.test(phone.trim());

  const send = async () => {
    if (!phoneOk) {
      setError(t('signIn.phoneInvalid'));
      return;
    }
    setBusy('send');
    setError(null);
    try {
      const result = await h5api.sendCode(ws, phone.trim());
      setSentTo(result.phone);
      setWait(result.resendInSeconds);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(null);
    }
  };

  const verify = async (event: FormEvent) => {
    event.preventDefault();
    if (!/^[0-9]{6}$/.test(code)) {
      setError(t('signIn.codeInvalid'));
      return;
    }
    setBusy('verify');
    setError(null);
    try {
      await h5api.verify(ws, phone.trim(), code);
      onSignedIn();
    } catch (err) {
      setError(errorText(err));
      setBusy(null);
    }
  };

  return (
    <form className="h5-panel h5-form" onSubmit={verify} noValidate>
      <h2 className="h5-form-title">{t('signIn.title')}</h2>
      <p className="h5-form-hint">{t('signIn.hint')}</p>
      <label className="h5-field">
        <span>{t('signIn.phone')}</span>
        <input
          type="tel"
          inputMode="tel"
          autoComplete="tel"
          placeholder={t('signIn.phonePlaceholder')}
          value={phone}
          maxLength={32}
          onChange={(event) => setPhone(event.target.value)}
        />
      </label>
      <div className="h5-field">
        <label htmlFor="h5-code">{t('signIn.code')}</label>
        <div className="h5-field-row">
          <input
            id="h5-code"
            inputMode="numeric"
            autoComplete="one-time-code"
            placeholder={t('signIn.codePlaceholder')}
            value={code}
            maxLength={6}
            onChange={(event) => setCode(event.target.value.replace(/\D/g, ''))}
          />
          <button
            type="button"
            className="h5-button h5-button-ghost h5-code-button"
            onClick={() => void send()}
            disabled={busy !== null || wait > 0}
          >
            {busy === 'send'
              ? t('signIn.sending')
              : wait > 0
                ? t('signIn.resendIn', { seconds: wait })
                : sentTo
                  ? t('signIn.resend')
                  : t('signIn.send')}
          </button>
        </div>
      </div>
      {sentTo && !error && <p className="h5-form-note">{t('signIn.sent', { phone: sentTo })}</p>}
      {error && (
        <p className="h5-form-error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" className="h5-button h5-button-primary h5-button-block" disabled={busy !== null || !sentTo}>
        {busy === 'verify' ? t('signIn.verifying') : t('signIn.submit')}
      </button>
    </form>
  );
}
