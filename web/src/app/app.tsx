import { useEffect } from 'react';
import { UsersPage } from '../features/admin/users-page.js';
import { SecurityPage } from '../features/auth/security-page.js';
import { canUsePage, landingPath, SessionProvider, useSession } from '../features/auth/session.js';
import { SignInPage } from '../features/auth/sign-in-page.js';
import { RegionOverviewPage } from '../features/analytics/region-overview-page.js';
import { Shell } from '../features/layout/shell.js';
import { PatientRecordPage } from '../features/patients/patient-record-page.js';
import { PatientSearchPage } from '../features/patients/patient-search-page.js';
import { referralRoute } from '../features/referrals/referral-routes.js';
import { privacyRoute } from '../features/privacy/privacy-routes.js';
import { identityRoute } from '../features/identity/identity-review-page.js';
import { I18nProvider, useI18n } from '../i18n/i18n.js';
import { RouterProvider, useRouter } from './router.js';

export function App() {
  return (
    <I18nProvider>
      <RouterProvider>
        <SessionProvider>
          <Routes />
        </SessionProvider>
      </RouterProvider>
    </I18nProvider>
  );
}

function Routes() {
  const { session } = useSession();
  const { path, navigate } = useRouter();
  const { t } = useI18n();

  // /login is only a place to land; once signed in, go to the overview.
  useEffect(() => {
    if (session && path === '/login') navigate('/', { replace: true });
    // Roles without the overview (auditor, patient) land on their first page instead.
    else if (session && path === '/' && !canUsePage(session, 'overview')) navigate(landingPath(session), { replace: true });
  }, [session, path, navigate]);

  if (!session) return <SignInPage />;
  const record = /^\/patients\/([^/]+)$/.exec(path);
  let page;
  if (record) page = <PatientRecordPage key={record[1]} patientId={decodeURIComponent(record[1])} />;
  else if (path === '/patients') page = <PatientSearchPage />;
  else if (path.startsWith('/referrals')) page = referralRoute(path) ?? <p className="empty">{t('common.notFound', { path })}</p>;
  else if (path === '/admin/users') page = canUsePage(session, 'users') ? <UsersPage /> : <p className="empty">{t('page.forbidden')}</p>;
  else if (path.startsWith('/identity')) page = identityRoute(path) ?? <p className="empty">{t('common.notFound', { path })}</p>;
  else if (path === '/account/security') page = <SecurityPage />;
  else if (['/privacy', '/audit', '/consent'].includes(path) || path.startsWith('/regional/')) page = privacyRoute(path) ?? <p className="empty">{t('common.notFound', { path })}</p>;
  else if ((path === '/' || path === '/login') && !canUsePage(session, 'overview')) page = null; // the effect above moves on to the landing page
  else if (path === '/' || path === '/login') page = <RegionOverviewPage />;
  else page = <p className="empty">{t('common.notFound', { path })}</p>;
  if (path.startsWith('/patients') && !canUsePage(session, 'patients')) page = <p className="empty">{t('page.forbidden')}</p>; // the hub refuses too
  return <Shell>{page}</Shell>;
}
