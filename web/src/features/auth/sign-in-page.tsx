import { useState, type FormEvent } from 'react';
import { ApiError } from '../../api/client.js';
import { useI18n } from '../../i18n/i18n.js';
import { LanguageSwitch } from '../layout/language-switch.js';
import { useSession } from './session.js';

export function SignInPage() {
  const { t } = useI18n();
  const { signIn, expired } = useSession();
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
      await signIn(username.trim(), password);
    } catch (err) {
      setError(err instanceof ApiError || err instanceof Error ? err.message : String(err));
      setBusy(false);
    }
  }

  return (
    <div className="sign-in">
      <div className="sign-in__lang">
        <LanguageSwitch />
      </div>
      <form className="card sign-in__card" onSubmit={onSubmit} noValidate aria-labelledby="sign-in-title">
        <div className="brand brand--large">
          <span className="brand__mark" aria-hidden="true">协</span>
          <span>
            <span className="brand__name">{t('app.name')}</span>
            <span className="brand__sub">{t('app.subtitle')}</span>
          </span>
        </div>
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
    </div>
  );
}
