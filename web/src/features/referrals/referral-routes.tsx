import type { ReactElement } from 'react';
import { NewReferralPage } from './new-referral-page.js';
import { ReferralDetailPage } from './referral-detail-page.js';
import { ReferralMeasuresPage } from './referral-measures-page.js';
import { ReferralsPage } from './referrals-page.js';

/** The page for a /referrals… path, or null when none matches. */
export function referralRoute(path: string): ReactElement | null {
  if (path === '/referrals') return <ReferralsPage />;
  if (path === '/referrals/new') return <NewReferralPage />;
  if (path === '/referrals/measures') return <ReferralMeasuresPage />;
  const one = /^\/referrals\/([0-9a-f-]{36})$/.exec(path);
  return one ? <ReferralDetailPage key={one[1]} referralId={one[1]} /> : null;
}
