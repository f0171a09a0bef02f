import { useState, type FormEvent } from 'react';
import { useI18n } from '../../i18n/i18n.js';
import { changePassword, renewRecoveryCodes } from './auth-api.js';

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Change one's own password with the current one. */
export function PasswordForm() {
  const { t } = useI18n();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setResult(null);
    try {
      await changePassword(current, next);
      setCurrent('');
      setNext('');
      setResult({ ok: true, text: t('password.done') });
    } catch (err) {
      setResult({ ok: false, text: messageOf(err) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card" style={{ maxWidth: 460 }} onSubmit={onSubmit} noValidate aria-labelledby="password-title">
      <h2 id="password-title">{t('password.title')}</h2>
      <label className="field">
        <span>{t('password.current')}</span>
        <input name="current-password" type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} />
      </label>
      <label className="field">
        <span>{t('password.new')}</span>
        <input name="new-password" type="password" autoComplete="new-password" value={next} onChange={(e) => setNext(e.target.value)} />
      </label>
      {result && (
        <p className={result.ok ? 'notice' : 'error'} role={result.ok ? 'status' : 'alert'}>
          {result.text}
        </p>
      )}
      <button className="button button--primary" type="submit" disabled={busy || !current || !next}>
        {t('password.submit')}
      </button>
    </form>
  );
}

/** New recovery codes for a current TOTP code; shows them once. */
export function RenewRecoveryCodesForm({ onRenewed }: { onRenewed(codes: string[]): void }) {
  const { t } = useI18n();
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    if (!/^\d{6}$/.test(code.trim())) {
      setError(t('mfa.codeRequired'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      onRenewed(await renewRecoveryCodes(code.trim()));
    } catch (err) {
      setError(messageOf(err));
      setBusy(false);
    }
  }

  return (
    <form onSubmit={onSubmit} noValidate aria-labelledby="renew-title">
      <h2 id="renew-title">{t('recovery.renew.title')}</h2>
      <p className="muted small">{t('recovery.renew.lead')}</p>
      <label className="field">
        <span>{t('mfa.code')}</span>
        <input name="renew-code" inputMode="numeric" autoComplete="one-time-code" maxLength={6} value={code} onChange={(e) => setCode(e.target.value)} />
      </label>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <button className="button" type="submit" disabled={busy}>
        {t('recovery.renew.submit')}
      </button>
    </form>
  );
}
