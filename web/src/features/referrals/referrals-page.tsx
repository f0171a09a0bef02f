import { Link, useRouter } from '../../app/router.js';
import { useI18n } from '../../i18n/i18n.js';
import { ErrorBox, Loading } from '../layout/status.js';
import { useAsync } from '../layout/use-async.js';
import { DirectionBadge, formatTime, PriorityBadge, StateBadge } from './referral-badges.js';
import { referralsApi } from './referrals-api.js';

/** Worklists: incoming (the receiver's triage) and outgoing (the sender's referrals). Box and status live in the URL. */
export function ReferralsPage() {
  const { t, language } = useI18n();
  const { search } = useRouter();
  const box = search.get('box') === 'outgoing' ? 'outgoing' : 'incoming';
  const status = (['open', 'closed', 'all'] as const).find((s) => s === search.get('status')) ?? 'open';
  const state = useAsync(() => referralsApi.list(box, status), `${box}:${status}`);
  const tab = (b: string, s: string, label: string, active: boolean) => (
    <Link to={`/referrals?box=${b}&status=${s}`} className={active ? 'nav-link nav-link--active button button--small' : 'button button--small'}>{label}</Link>
  );
  return (
    <section aria-labelledby="referrals-title">
      <div className="page-header">
        <div>
          <h1 id="referrals-title">{t('referrals.title')}</h1>
          <p className="muted">{t('referrals.lead')}</p>
        </div>
        <div className="referral-actions">
          <Link to="/referrals/new" className="button button--primary">{t('referrals.new')}</Link>
          <Link to="/referrals/measures" className="button">{t('referrals.measures')}</Link>
        </div>
      </div>
      <div className="card referral-tabs" role="tablist">
        {tab('incoming', status, t('referrals.incoming'), box === 'incoming')}
        {tab('outgoing', status, t('referrals.outgoing'), box === 'outgoing')}
        <span className="muted"> | </span>
        {tab(box, 'open', t('referrals.open'), status === 'open')}
        {tab(box, 'closed', t('referrals.closed'), status === 'closed')}
        {tab(box, 'all', t('referrals.all'), status === 'all')}
      </div>
      {state.status === 'loading' && <Loading />}
      {state.status === 'error' && <ErrorBox message={state.message} onRetry={state.reload} />}
      {state.status === 'ready' && (state.data.items.length === 0 ? <p className="empty">{t('referrals.empty')}</p> : (
        <div className="card table-scroll">
          <table className="table" data-testid="referral-worklist">
            <thead>
              <tr>
                <th>{t('referrals.patient')}</th><th>{t('referrals.specialty')}</th><th>{t('referrals.priority')}</th><th>{t('referrals.direction')}</th>
                <th>{box === 'incoming' ? t('referrals.from') : t('referrals.to')}</th><th>{t('referrals.requestedAt')}</th><th>{t('referrals.state')}</th>
              </tr>
            </thead>
            <tbody>
              {state.data.items.map((r) => (
                <tr key={r.id} data-referral-id={r.id}>
                  <td><Link to={`/referrals/${r.id}`}>{r.patient.display ?? '—'}</Link></td>
                  <td>{r.specialty.display ?? r.specialty.code}</td>
                  <td><PriorityBadge priority={r.priority} /></td>
                  <td><DirectionBadge direction={r.direction} /></td>
                  <td>{box === 'incoming' ? r.sender.name : r.receiver.name}</td>
                  <td>{formatTime(r.requestedAt, language)}{r.overdue && <> <span className="badge badge--alert">{t('referrals.overdue')}</span></>}</td>
                  <td><StateBadge state={r.state} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ))}
    </section>
  );
}
