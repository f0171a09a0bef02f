import type { ReactNode } from 'react';
import { Link, useRouter } from '../../app/router.js';
import { useI18n } from '../../i18n/i18n.js';
import { describeInstitution, useSession } from '../auth/session.js';
import { LanguageSwitch } from './language-switch.js';

/** The signed-in frame: brand, navigation, who is signed in, language and sign-out. */
export function Shell({ children }: { children: ReactNode }) {
  const { t } = useI18n();
  const { path } = useRouter();
  const { session, signOut } = useSession();
  const nav = [
    { to: '/', label: t('nav.overview'), active: path === '/' },
    { to: '/patients', label: t('nav.patients'), active: path.startsWith('/patients') },
  ];
  return (
    <div className="shell">
      <header className="topbar">
        <Link to="/" className="brand">
          <span className="brand__mark" aria-hidden="true">协</span>
          <span>
            <span className="brand__name">{t('app.name')}</span>
            <span className="brand__sub">{t('app.subtitle')}</span>
          </span>
        </Link>
        <nav className="topbar__nav">
          {nav.map((item) => (
            <Link key={item.to} to={item.to} className={item.active ? 'nav-link nav-link--active' : 'nav-link'}>
              {item.label}
            </Link>
          ))}
        </nav>
        <div className="topbar__user">
          {session && (
            <span className="user-chip" data-testid="current-user">
              <strong>{session.user.displayName}</strong>
              <span>{describeInstitution(session.user.institution)}</span>
            </span>
          )}
          <LanguageSwitch />
          <button type="button" className="button button--ghost" onClick={signOut}>
            {t('nav.signOut')}
          </button>
        </div>
      </header>
      <main className="page">{children}</main>
    </div>
  );
}
