import { useEffect, useState, type FormEvent } from 'react';
import { useI18n } from '../../i18n/i18n.js';
import type { Session } from '../../api/client.js';
import { ErrorBox, Loading } from '../layout/status.js';
import { confirmEnrolment, startEnrolment, type Enrolment } from './auth-api.js';

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * TOTP enrolment: the QR code and the key, then the first code from the app.
 * With `ticket` (sign-in that requires enrolment) confirming also signs in.
 */
export function EnrolmentPanel({ ticket, onConfirmed }: { ticket?: string; onConfirmed(result: { recoveryCodes: string[]; session?: Session }): void }) {
  const { t } = useI18n();
  const [enrolment, setEnrolment] = useState<Enrolment | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let current = true;
    startEnrolment(ticket).then(
      (started) => current && setEnrolment(started),
      (err: unknown) => current && setLoadError(messageOf(err)),
    );
    return () => {
      current = false;
    };
  }, [ticket]);

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    if (!/^\d{6}$/.test(code.trim())) {
      setError(t('mfa.codeRequired'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      onConfirmed(await confirmEnrolment(code.trim(), ticket));
    } catch (err) {
      setError(messageOf(err));
      setBusy(false);
    }
  }

  if (loadError) return <ErrorBox message={loadError} />;
  if (!enrolment) return <Loading />;
  return (
    <form onSubmit={onSubmit} noValidate data-testid="mfa-enrolment">
      <p className="muted">{t('enrol.lead')}</p>
      <img style={{ display: 'block', margin: '8px auto', background: '#fff' }} src={enrolment.qrCodeDataUrl} alt={t('enrol.qrAlt')} width={200} height={200} />
      <p className="small">
        {t('enrol.secret')}: <code className="mono" data-testid="mfa-secret">{enrolment.secret}</code>
      </p>
      <label className="field">
        <span>{t('mfa.code')}</span>
        <input name="code" inputMode="numeric" autoComplete="one-time-code" maxLength={6} value={code} onChange={(e) => setCode(e.target.value)} autoFocus />
      </label>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <button className="button button--primary button--block" type="submit" disabled={busy}>
        {busy ? t('mfa.verifying') : t('enrol.confirm')}
      </button>
    </form>
  );
}

/** The recovery codes, shown once, and a button to go on. */
export function RecoveryCodes({ codes, onDone }: { codes: string[]; onDone(): void }) {
  const { t } = useI18n();
  return (
    <div data-testid="recovery-codes">
      <h2>{t('recovery.title')}</h2>
      <p className="notice">{t('recovery.lead')}</p>
      <ol className="mono" style={{ columns: 2, margin: '12px 0 18px' }}>
        {codes.map((code) => (
          <li key={code}>{code}</li>
        ))}
      </ol>
      <button type="button" className="button button--primary button--block" onClick={onDone}>
        {t('recovery.done')}
      </button>
    </div>
  );
}
