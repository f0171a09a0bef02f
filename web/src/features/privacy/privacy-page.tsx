import { useState } from 'react';
import { useI18n } from '../../i18n/i18n.js';
import { ErrorBox, Loading } from '../layout/status.js';
import { useAsync } from '../layout/use-async.js';
import { AuditSearchPanel, VerifyPanel } from './audit-panels.js';
import { listAlerts, listPendingGrants, resolveAlert, reviewGrant } from './privacy-api.js';

/** The privacy officer's workspace: alerts, break-the-glass reviews, audit search, verify. */
export function PrivacyPage() {
  const { t, tOptional } = useI18n();
  const alerts = useAsync(listAlerts, 'alerts');
  const grants = useAsync(listPendingGrants, 'grants');
  const [error, setError] = useState<string | null>(null);
  async function act(run: () => Promise<unknown>, reload: () => void) {
    setError(null);
    try {
      await run();
      reload();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  }
  return (
    <section aria-labelledby="privacy-title">
      <div className="page-header">
        <div>
          <h1 id="privacy-title">{t('privacy.title')}</h1>
          <p className="muted">{t('privacy.lead')}</p>
        </div>
      </div>
      {error && <ErrorBox message={error} />}
      <div className="grid-2">
        <div className="card">
          <h2>{t('privacy.alerts')}</h2>
          {alerts.status === 'loading' && <Loading />}
          {alerts.status === 'error' && <ErrorBox message={alerts.message} onRetry={alerts.reload} />}
          {alerts.status === 'ready' && (alerts.data.length === 0 ? <p className="empty">{t('privacy.alerts.none')}</p> : (
            <table className="table" data-testid="alerts">
              <thead><tr><th>{t('privacy.col.when')}</th><th>{t('privacy.col.user')}</th><th>{t('privacy.col.detail')}</th><th /></tr></thead>
              <tbody>
                {alerts.data.map((a) => (
                  <tr key={a.id} data-rule={a.rule}>
                    <td className="nowrap">{new Date(a.windowStart).toLocaleString()}</td>
                    <td className="mono">{a.agentId}<br /><span className="muted small">{a.tenantId}</span></td>
                    <td><strong>{tOptional(`privacy.alert.rule.${a.rule}`) ?? a.rule}</strong><br /><span className="small">{a.detail}</span></td>
                    <td className="nowrap">
                      <button type="button" className="button button--small" onClick={() => act(() => resolveAlert(a.id, 'confirmed'), alerts.reload)}>{t('privacy.alert.confirm')}</button>{' '}
                      <button type="button" className="button button--small button--ghost" onClick={() => act(() => resolveAlert(a.id, 'dismissed'), alerts.reload)}>{t('privacy.alert.dismiss')}</button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ))}
        </div>
        <div className="card">
          <h2>{t('privacy.reviews')}</h2>
          {grants.status === 'loading' && <Loading />}
          {grants.status === 'error' && <ErrorBox message={grants.message} onRetry={grants.reload} />}
          {grants.status === 'ready' && (grants.data.length === 0 ? <p className="empty">{t('privacy.reviews.none')}</p> : (
            <table className="table" data-testid="break-glass-reviews">
              <thead><tr><th>{t('privacy.col.when')}</th><th>{t('privacy.col.user')}</th><th>{t('privacy.col.reason')}</th><th /></tr></thead>
              <tbody>
                {grants.data.map((g) => (
                  <tr key={g.id} data-grant={g.id}>
                    <td className="nowrap">{new Date(g.grantedAt).toLocaleString()}</td>
                    <td>{g.actorDisplay ?? g.actorId}<br /><span className="muted small mono" style={{ wordBreak: 'break-all' }}>{g.tenantId} → {g.patient.tenantId}/{g.patient.id}</span></td>
                    <td style={{ minWidth: '12em' }}>
                      <strong>{tOptional(`regional.reason.${g.reasonCode}`) ?? g.reasonCode}</strong><br />
                      <span className="small">{g.reasonText}</span><br />
                      <span className="muted small">{t('privacy.review.uses', { count: g.uses ?? 0 })}</span>
                    </td>
                    <td className="nowrap">
                      <button type="button" className="button button--small" onClick={() => act(() => reviewGrant(g.id, 'justified'), grants.reload)}>{t('privacy.review.justified')}</button>{' '}
                      <button type="button" className="button button--small button--ghost" onClick={() => act(() => reviewGrant(g.id, 'unjustified'), grants.reload)}>{t('privacy.review.unjustified')}</button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ))}
        </div>
      </div>
      <div className="grid-2">
        <AuditSearchPanel />
        <VerifyPanel />
      </div>
    </section>
  );
}

/** The auditor's page: audit search and verify only. */
export function AuditPage() {
  const { t } = useI18n();
  return (
    <section aria-labelledby="audit-title">
      <div className="page-header">
        <div>
          <h1 id="audit-title">{t('audit.title')}</h1>
          <p className="muted">{t('audit.lead')}</p>
        </div>
      </div>
      <div className="grid-2">
        <AuditSearchPanel />
        <VerifyPanel />
      </div>
    </section>
  );
}
