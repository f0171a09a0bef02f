import type { ReactNode } from 'react';
import { Link, useRouter } from '../../app/router.js';
import { useI18n } from '../../i18n/i18n.js';
import { canUsePage, describeInstitution, useSession } from '../auth/session.js';
import { LanguageSwitch } from './language-switch.js';
import { isSteward } from '../identity/identity-review-page.js';

/** The signed-in frame: brand, navigation, who is signed in, language and sign-out. */
export function Shell({ children }: { children: ReactNode }) {
  const { t } = useI18n();
  const { path } = useRouter();
  const { session, signOut } = useSession();
  // `page` names the console page of the role policy (GET /auth/me pages); entries without one show for everyone.
  const nav: Array<{ to: string; label: string; active: boolean; page?: string }> = [
    { to: '/', label: t('nav.overview'), active: path === '/', page: 'overview' },
    { to: '/patients', label: t('nav.patients'), active: path.startsWith('/patients'), page: 'patients' },
    { to: '/referrals', label: t('nav.referrals'), active: path.startsWith('/referrals'), page: 'referrals' },
    // Regional analysts see the region's referral measures (aggregates only), not the worklists.
    { to: '/referrals/measures', label: t('nav.referralMeasures'), active: path === '/referrals/measures', page: 'analytics' },
    { to: '/privacy', label: t('nav.privacy'), active: path === '/privacy', page: 'privacy' },
    { to: '/audit', label: t('nav.audit'), active: path === '/audit', page: 'audit' },
    { to: '/consent', label: t('nav.consent'), active: path === '/consent', page: 'consent' },
    ...(isSteward(session?.user.roles) ? [{ to: '/identity', label: t('nav.identity'), active: path.startsWith('/identity') }] : []),
    { to: '/admin/users', label: t('nav.users'), active: path.startsWith('/admin/users'), page: 'users' },
    { to: '/account/security', label: t('nav.security'), active: path === '/account/security', page: 'security' },
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
          {nav.filter((item) => item.page === undefined || canUsePage(session, item.page)).map((item) => (
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
