import { useState, type FormEvent } from 'react';
import { useI18n } from '../../i18n/i18n.js';
import { ErrorBox, Loading } from '../layout/status.js';
import { searchAudit, verifyLog, type AuditEntry, type VerifyReport } from './privacy-api.js';

/** Audit search by patient, user and time (privacy officers, auditors). */
export function AuditSearchPanel() {
  const { t } = useI18n();
  const [filter, setFilter] = useState({ patient: '', user: '', from: '', to: '' });
  const [state, setState] = useState<{ status: 'idle' | 'loading' } | { status: 'error'; message: string } | { status: 'ready'; entries: AuditEntry[] }>({ status: 'idle' });

  async function submit(event: FormEvent) {
    event.preventDefault();
    setState({ status: 'loading' });
    try {
      const toInstant = (v: string) => (v ? new Date(v).toISOString() : '');
      setState({ status: 'ready', entries: await searchAudit({ ...filter, from: toInstant(filter.from), to: toInstant(filter.to) }) });
    } catch (err) {
      setState({ status: 'error', message: err instanceof Error ? err.message : String(err) });
    }
  }
  const field = (name: keyof typeof filter, label: string, type = 'text') => (
    <label className="field">
      <span>{label}</span>
      <input name={name} type={type} value={filter[name]} onChange={(e) => setFilter({ ...filter, [name]: e.target.value })} />
    </label>
  );

  return (
    <div className="card">
      <h2>{t('audit.search')}</h2>
      <form onSubmit={submit} role="search" aria-label={t('audit.search')}>
        {field('patient', t('audit.search.patient'))}
        {field('user', t('audit.search.user'))}
        {field('from', t('audit.search.from'), 'datetime-local')}
        {field('to', t('audit.search.to'), 'datetime-local')}
        <button type="submit" className="button button--primary">{t('audit.search.submit')}</button>
      </form>
      {state.status === 'loading' && <Loading />}
      {state.status === 'error' && <ErrorBox message={state.message} />}
      {state.status === 'ready' && (state.entries.length === 0 ? <p className="empty">{t('audit.search.none')}</p> : (
        <div className="table-scroll">
          <table className="table" data-testid="audit-results">
            <thead><tr><th>{t('privacy.col.when')}</th><th>{t('privacy.col.user')}</th><th>{t('privacy.col.action')}</th><th>{t('privacy.col.patient')}</th><th>{t('privacy.col.outcome')}</th><th>{t('privacy.col.basis')}</th></tr></thead>
            <tbody>
              {state.entries.map((e, i) => (
                <tr key={`${e.seq ?? 'q'}-${i}`}>
                  <td className="nowrap">{new Date(e.recorded).toLocaleString()}</td>
                  <td>{e.agentDisplay ?? e.agentId}<br /><span className="muted small mono">{e.tenantId}</span></td>
                  <td className="mono">{e.subtype}</td>
                  <td className="mono small">{e.patient ? `${e.patient.tenantId}/${e.patient.id}` : '—'}</td>
                  <td>{e.outcome}</td>
                  <td>{e.basis ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ))}
    </div>
  );
}

/** "Verify the log": recomputes the whole Merkle log on the hub and shows the report. */
export function VerifyPanel() {
  const { t } = useI18n();
  const [state, setState] = useState<{ status: 'idle' | 'loading' } | { status: 'error'; message: string } | { status: 'ready'; report: VerifyReport }>({ status: 'idle' });
  async function run() {
    setState({ status: 'loading' });
    try {
      setState({ status: 'ready', report: await verifyLog() });
    } catch (err) {
      setState({ status: 'error', message: err instanceof Error ? err.message : String(err) });
    }
  }
  return (
    <div className="card">
      <h2>{t('audit.verify')}</h2>
      <button type="button" className="button button--primary" onClick={run} disabled={state.status === 'loading'}>{t('audit.verify.run')}</button>
      {state.status === 'loading' && <Loading />}
      {state.status === 'error' && <ErrorBox message={state.message} />}
      {state.status === 'ready' && (
        <div data-testid="verify-report" data-ok={String(state.report.ok)}>
          <p className={state.report.ok ? 'notice' : 'error'}>
            {state.report.ok
              ? t('audit.verify.ok', { leaves: state.report.leavesChecked ?? 0, heads: state.report.treeHeadsChecked ?? 0 })
              : t('audit.verify.bad', { count: state.report.problems?.length ?? 0, seq: state.report.problems?.[0]?.seq ?? '?', kind: state.report.problems?.[0]?.kind ?? '?' })}
          </p>
          <pre className="small mono" style={{ whiteSpace: 'pre-wrap' }}>{JSON.stringify(state.report, null, 2)}</pre>
        </div>
      )}
    </div>
  );
}
