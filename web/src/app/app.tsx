import { useEffect } from 'react';
import { SessionProvider, useSession } from '../features/auth/session.js';
import { SignInPage } from '../features/auth/sign-in-page.js';
import { RegionOverviewPage } from '../features/analytics/region-overview-page.js';
import { Shell } from '../features/layout/shell.js';
import { PatientRecordPage } from '../features/patients/patient-record-page.js';
import { PatientSearchPage } from '../features/patients/patient-search-page.js';
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
  }, [session, path, navigate]);

  if (!session) return <SignInPage />;
  const record = /^\/patients\/([^/]+)$/.exec(path);
  let page;
  if (record) page = <PatientRecordPage key={record[1]} patientId={decodeURIComponent(record[1])} />;
  else if (path === '/patients') page = <PatientSearchPage />;
  else if (path === '/' || path === '/login') page = <RegionOverviewPage />;
  else page = <p className="empty">{t('common.notFound', { path })}</p>;
  return <Shell>{page}</Shell>;
}
