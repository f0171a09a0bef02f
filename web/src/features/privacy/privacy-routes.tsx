import type { ReactElement } from 'react';
import { ConsentPage } from '../consent/consent-page.js';
import { AuditPage, PrivacyPage } from './privacy-page.js';
import { RegionalRecordPage } from './regional-record-page.js';

/** The page for /privacy, /audit, /consent and /regional/<institution>/<patient>, or null. */
export function privacyRoute(path: string): ReactElement | null {
  if (path === '/privacy') return <PrivacyPage />;
  if (path === '/audit') return <AuditPage />;
  if (path === '/consent') return <ConsentPage />;
  const regional = /^\/regional\/([^/]+)\/([^/]+)$/.exec(path);
  if (regional) {
    const [tenantId, patientId] = [decodeURIComponent(regional[1]), decodeURIComponent(regional[2])];
    return <RegionalRecordPage key={`${tenantId}/${patientId}`} tenantId={tenantId} patientId={patientId} />;
  }
  return null;
}
