import { useState, type FormEvent, type ReactNode } from 'react';
import type { Session } from '../../api/client.js';
import { useI18n } from '../../i18n/i18n.js';
import { LanguageSwitch } from '../layout/language-switch.js';
import { submitPassword, submitSecondFactor } from './auth-api.js';
import { EnrolmentPanel, RecoveryCodes } from './enrolment-panel.js';
import { useSession } from './session.js';

type Step =
  | { kind: 'password' }
  | { kind: 'mfa'; ticket: string }
  | { kind: 'enrol'; ticket: string }
  | { kind: 'recovery'; codes: string[]; session: Session };

/** The ghost button inherits white text from the top bar; here it sits on a white card. */
const LINK_BUTTON = { color: 'var(--green)', padding: 0 } as const;

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Sign-in in up to three steps: password, then the TOTP code, or enrolment (QR, first code, recovery codes) when required. */
export function SignInPage() {
  const { t } = useI18n();
  const { establish, expired } = useSession();
  const [step, setStep] = useState<Step>({ kind: 'password' });

  let body: ReactNode;
  if (step.kind === 'password') {
    body = (
      <PasswordForm
        expired={expired}
        onResult={(result) => (result.kind === 'session' ? establish(result.session) : setStep(result))}
      />
    );
  } else if (step.kind === 'mfa') {
    body = <SecondFactorForm ticket={step.ticket} onSession={establish} onBack={() => setStep({ kind: 'password' })} />;
  } else if (step.kind === 'enrol') {
    body = (
      <>
        <h1 id="sign-in-title">{t('enrol.title')}</h1>
        <EnrolmentPanel
          ticket={step.ticket}
          onConfirmed={({ recoveryCodes, session }) => (session ? setStep({ kind: 'recovery', codes: recoveryCodes, session }) : setStep({ kind: 'password' }))}
        />
      </>
    );
  } else {
    const { session } = step;
    body = <RecoveryCodes codes={step.codes} onDone={() => establish(session)} />;
  }

  return (
    <div className="sign-in">
      <div className="sign-in__lang">
        <LanguageSwitch />
      </div>
      <div className="card sign-in__card" aria-labelledby="sign-in-title" role="group">
        <div className="brand brand--large">
          <span className="brand__mark" aria-hidden="true">协</span>
          <span>
            <span className="brand__name">{t('app.name')}</span>
            <span className="brand__sub">{t('app.subtitle')}</span>
          </span>
        </div>
        {body}
      </div>
    </div>
  );
}

function PasswordForm({ expired, onResult }: { expired: boolean; onResult(result: Awaited<ReturnType<typeof submitPassword>>): void }) {
  const { t } = useI18n();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    if (!username.trim() || !password) {
      setError(t('signIn.required'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      onResult(await submitPassword(username.trim(), password));
    } catch (err) {
      setError(messageOf(err));
      setBusy(false);
    }
  }

  return (
    <form onSubmit={onSubmit} noValidate>
      <h1 id="sign-in-title">{t('signIn.title')}</h1>
      <p className="muted">{t('signIn.lead')}</p>
      {expired && !error && <p className="notice">{t('session.expired')}</p>}
      <label className="field">
        <span>{t('signIn.username')}</span>
        <input name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} autoFocus />
      </label>
      <label className="field">
        <span>{t('signIn.password')}</span>
        <input name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} />
      </label>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <button className="button button--primary button--block" type="submit" disabled={busy}>
        {busy ? t('signIn.submitting') : t('signIn.submit')}
      </button>
      <p className="hint">{t('signIn.demoHint')}</p>
    </form>
  );
}

function SecondFactorForm({ ticket, onSession, onBack }: { ticket: string; onSession(session: Session): void; onBack(): void }) {
  const { t } = useI18n();
  const [useRecovery, setUseRecovery] = useState(false);
  const [value, setValue] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    const entered = value.trim();
    if (!entered) {
      setError(t('mfa.codeRequired'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      onSession(await submitSecondFactor(ticket, useRecovery ? { recoveryCode: entered } : { code: entered }));
    } catch (err) {
      setError(messageOf(err));
      setBusy(false);
    }
  }

  return (
    <form onSubmit={onSubmit} noValidate>
      <h1 id="sign-in-title">{t('mfa.title')}</h1>
      <p className="muted">{t('mfa.lead')}</p>
      <label className="field">
        <span>{useRecovery ? t('mfa.recoveryCode') : t('mfa.code')}</span>
        <input
          name={useRecovery ? 'recovery_code' : 'code'}
          inputMode={useRecovery ? 'text' : 'numeric'}
          autoComplete="one-time-code"
          value={value}
          onChange={(e) => setValue(e.target.value)}
          autoFocus
        />
      </label>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <button className="button button--primary button--block" type="submit" disabled={busy}>
        {busy ? t('mfa.verifying') : t('mfa.verify')}
      </button>
      <p className="hint">
        <button type="button" className="button button--ghost button--small" style={LINK_BUTTON} onClick={() => (setUseRecovery(!useRecovery), setValue(''), setError(null))}>
          {useRecovery ? t('mfa.useCode') : t('mfa.useRecovery')}
        </button>
        {' · '}
        <button type="button" className="button button--ghost button--small" style={LINK_BUTTON} onClick={onBack}>
          {t('mfa.back')}
        </button>
      </p>
    </form>
  );
}
