import { hubClient } from '../../api/client.js';
import { useI18n } from '../../i18n/i18n.js';
import { formatDate } from '../patients/fhir-format.js';
import { ErrorBox, Loading } from '../layout/status.js';
import { useAsync } from '../layout/use-async.js';
import { ActivityChart } from './activity-chart.js';
import type { RegionOverview } from './region-overview.js';

const DAYS = 14;

export function RegionOverviewPage() {
  const { t, tOptional, language } = useI18n();
  const state = useAsync(() => hubClient.getRegionOverview<RegionOverview>(DAYS), `overview-${DAYS}`);
  const number = (n: number) => n.toLocaleString(language);

  return (
    <section aria-labelledby="overview-title">
      <div className="page-header">
        <div>
          <h1 id="overview-title">{t('overview.title')}</h1>
          <p className="muted">{t('overview.lead')}</p>
        </div>
        {state.status === 'ready' && (
          <span className="muted small">{t('overview.generatedAt', { time: formatDate(state.data.generatedAt, true) })}</span>
        )}
      </div>
      {state.status === 'loading' && <Loading />}
      {state.status === 'error' && <ErrorBox message={state.message} onRetry={state.reload} />}
      {state.status === 'ready' && (
        <>
          <div className="tiles" data-testid="overview-totals">
            {(
              [
                ['overview.institutions', state.data.totals.institutions],
                ['overview.patients', state.data.totals.patients],
                ['overview.encounters', state.data.totals.encounters],
                ['overview.observations', state.data.totals.observations],
                ['overview.conditions', state.data.totals.conditions],
              ] as const
            ).map(([key, value]) => (
              <div className="tile" key={key}>
                <span className="tile__value">{number(value)}</span>
                <span className="tile__label">{t(key)}</span>
              </div>
            ))}
          </div>
          <div className="grid-2">
            <div className="card">
              <h2>{t('overview.institutions')}</h2>
              <table className="table" data-testid="institution-table">
                <thead>
                  <tr>
                    <th>{t('overview.table.name')}</th>
                    <th>{t('overview.table.kind')}</th>
                    <th className="num">{t('overview.table.patients')}</th>
                    <th className="num">{t('overview.table.encounters')}</th>
                    <th className="num">{t('overview.table.observations')}</th>
                    <th>{t('overview.table.lastUpdated')}</th>
                  </tr>
                </thead>
                <tbody>
                  {state.data.institutions.map((inst) => (
                    <tr key={inst.id}>
                      <td>{inst.name}</td>
                      <td>
                        <span className={`badge badge--${inst.kind}`}>{tOptional(`kind.${inst.kind}`) ?? inst.kind}</span>
                      </td>
                      <td className="num">{number(inst.patients)}</td>
                      <td className="num">{number(inst.encounters)}</td>
                      <td className="num">{number(inst.observations)}</td>
                      <td className="muted">{inst.lastUpdated ? formatDate(inst.lastUpdated) : '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <div className="card">
              <h2>{t('overview.activity', { days: state.data.activity.length })}</h2>
              <p className="muted small">
                {t('overview.activity.total', {
                  days: state.data.activity.length,
                  count: number(state.data.activity.reduce((sum, d) => sum + d.creates + d.updates + d.deletes, 0)),
                })}
              </p>
              <ActivityChart activity={state.data.activity} />
              <h2>{t('overview.resourceTypes')}</h2>
              <ul className="type-bars">
                {state.data.resourceTypes.slice(0, 8).map((row) => (
                  <li key={row.resourceType}>
                    <span>{row.resourceType}</span>
                    <span className="type-bars__bar">
                      <span style={{ width: `${(row.count / Math.max(state.data.resourceTypes[0].count, 1)) * 100}%` }} />
                    </span>
                    <span className="num">{number(row.count)}</span>
                  </li>
                ))}
              </ul>
            </div>
          </div>
        </>
      )}
    </section>
  );
}
