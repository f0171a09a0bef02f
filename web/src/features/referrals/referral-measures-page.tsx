import { useI18n } from '../../i18n/i18n.js';
import { ErrorBox, Loading } from '../layout/status.js';
import { useAsync } from '../layout/use-async.js';
import { DeclineReasonChart, MonthlyReferralChart } from './measures-chart.js';
import { DeclineReasonTable, PerInstitutionTable } from './measures-tables.js';
import { referralsApi } from './referrals-api.js';

const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);
const hours = (x: number | null) => (x === null ? '—' : x.toFixed(1));

const STAT_ROW = { display: 'flex', flexWrap: 'wrap', gap: '12px 40px' } as const;
const STAT = { display: 'flex', flexDirection: 'column', gap: 4, fontSize: 13 } as const;

function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** The China Standard Time day of an instant (the API's days are CST days). */
const cstDay = (iso: string, minusMs = 0) => new Date(Date.parse(iso) - minusMs + 8 * 3_600_000).toISOString().slice(0, 10);
const COUNTS = ['accepted', 'declined', 'loopClosed', 'open', 'expired', 'cancelled'] as const;

/** Referral measures over the last 180 days: closure, times, SLA, decline reasons, monthly up/down. */
export function ReferralMeasuresPage() {
  const { t } = useI18n();
  // The hub's default end is now; the start a day earlier than needed so the CST/UTC day boundary never cuts a referral off.
  const from = new Date(Date.now() - 181 * 86_400_000);
  const state = useAsync(() => referralsApi.measures(isoDay(from)), 'measures');
  return (
    <section aria-labelledby="measures-title">
      <div className="page-header">
        <div>
          <h1 id="measures-title">{t('referrals.measures')}</h1>
          <p className="muted">{t('referrals.measures.lead')}</p>
        </div>
      </div>
      {state.status === 'loading' && <Loading />}
      {state.status === 'error' && <ErrorBox message={state.message} onRetry={state.reload} />}
      {state.status === 'ready' && (
        <>
          <div className="card" data-testid="referral-measures" style={STAT_ROW}>
            <div style={STAT}><span className="muted">{t('referrals.measures.total')}</span><strong data-testid="measure-total">{state.data.counts.total}</strong></div>
            <div style={STAT}><span className="muted">{t('referrals.measures.closure')}</span><strong data-testid="measure-closure">{pct(state.data.loopClosureRate)}</strong></div>
            <div style={STAT}><span className="muted">{t('referrals.measures.closureAccepted')}</span><strong data-testid="measure-closure-accepted">{pct(state.data.loopClosureRateOfAccepted)}</strong></div>
            <div style={STAT}><span className="muted">{t('referrals.measures.sla')}</span><strong data-testid="measure-sla">{pct(state.data.sla.adherence)}</strong></div>
            <div style={STAT}><span className="muted">{t('referrals.measures.breaches')}</span><strong data-testid="measure-breaches">{state.data.sla.breaches}</strong></div>
            {COUNTS.map((k) => (
              <div key={k} style={STAT}><span className="muted">{t(`referrals.measures.${k}`)}</span><strong data-testid={`measure-${k}`}>{state.data.counts[k] ?? 0}</strong></div>
            ))}
            <div style={STAT}>
              <span className="muted">{t('referrals.measures.window')}</span>
              <strong data-testid="measure-window">{cstDay(state.data.from)} – {cstDay(state.data.to, 1)}</strong>
            </div>
          </div>
          <div className="card">
            <h2>{t('referrals.measures.times')}</h2>
            <table className="table" data-testid="measures-times">
              <thead><tr><th /><th className="num">n</th><th className="num">{t('referrals.measures.median')}</th><th className="num">{t('referrals.measures.p90')}</th></tr></thead>
              <tbody>
                {(['toAcceptance', 'toAppointment', 'toReportReturned'] as const).map((k) => (
                  <tr key={k} data-measure={k}>
                    <td>{t(`referrals.measures.${k}`)}</td>
                    <td className="num" data-cell="n">{state.data.timesHours[k]?.n ?? 0}</td>
                    <td className="num" data-cell="median">{hours(state.data.timesHours[k]?.median ?? null)}</td>
                    <td className="num" data-cell="p90">{hours(state.data.timesHours[k]?.p90 ?? null)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="card"><h2>{t('referrals.measures.monthly')}</h2><MonthlyReferralChart monthly={state.data.monthly} institutionScope={state.data.scope.institution !== undefined} /></div>
          <div className="card"><h2>{t('referrals.measures.perInstitution')}</h2><PerInstitutionTable monthly={state.data.monthly} /></div>
          <div className="card">
            <h2>{t('referrals.measures.declines')}</h2>
            {state.data.declineReasons.length === 0 ? <p className="empty">{t('common.none')}</p> : <><DeclineReasonChart reasons={state.data.declineReasons} /><DeclineReasonTable reasons={state.data.declineReasons} /></>}
          </div>
        </>
      )}
    </section>
  );
}
