import { useState, type FormEvent } from 'react';
import { useI18n } from '../../i18n/i18n.js';
import { useSession } from '../auth/session.js';
import { ErrorBox, Loading } from '../layout/status.js';
import { useAsync } from '../layout/use-async.js';
import { grantConsent, listAccesses, listConsents, listInstitutions, SENSITIVE, withdrawConsent, type ConsentSummary } from './consent-api.js';

/** The patient's own page: consents (view, grant, withdraw) and who accessed the record. */
export function ConsentPage() {
  const { t, tOptional } = useI18n();
  const { session } = useSession();
  const consents = useAsync(listConsents, 'consents');
  const accesses = useAsync(listAccesses, 'accesses');
  const [error, setError] = useState<string | null>(null);
  if (!session?.user.roles.includes('patient')) return <p className="notice">{t('consent.notPatient')}</p>;

  async function withdraw(grantId: string) {
    setError(null);
    try {
      await withdrawConsent(grantId);
      consents.reload();
      accesses.reload();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  }

  return (
    <section aria-labelledby="consent-title">
      <div className="page-header">
        <div>
          <h1 id="consent-title">{t('consent.title')}</h1>
          <p className="muted">{t('consent.lead')}</p>
        </div>
      </div>
      <div className="grid-2">
        <div className="card">
          <h2>{t('consent.list')}</h2>
          {error && <ErrorBox message={error} />}
          {consents.status === 'loading' && <Loading />}
          {consents.status === 'error' && <ErrorBox message={consents.message} onRetry={consents.reload} />}
          {consents.status === 'ready' && <ConsentTable consents={consents.data} onWithdraw={withdraw} />}
        </div>
        <GrantForm onGranted={() => { consents.reload(); accesses.reload(); }} />
      </div>
      <div className="card">
        <h2>{t('consent.accessLog')}</h2>
        {accesses.status === 'loading' && <Loading />}
        {accesses.status === 'error' && <ErrorBox message={accesses.message} onRetry={accesses.reload} />}
        {accesses.status === 'ready' && (accesses.data.length === 0 ? <p className="empty">{t('consent.accessLog.none')}</p> : (
          <div className="table-scroll">
            <table className="table" data-testid="access-log">
              <thead><tr><th>{t('consent.col.when')}</th><th>{t('consent.col.who')}</th><th>{t('consent.col.what')}</th><th>{t('consent.col.outcome')}</th></tr></thead>
              <tbody>
                {accesses.data.map((e, i) => (
                  <tr key={`${e.seq ?? 'q'}-${i}`}>
                    <td className="nowrap">{new Date(e.recorded).toLocaleString()}</td>
                    <td>{e.agentDisplay ?? e.agentId}<br /><span className="muted small mono">{e.tenantId}</span></td>
                    <td className="mono">{e.subtype}</td>
                    <td>{tOptional(`consent.outcome.${e.outcome}`) ?? e.outcome}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
      </div>
    </section>
  );
}

function ConsentTable({ consents, onWithdraw }: { consents: ConsentSummary[]; onWithdraw(grantId: string): void }) {
  const { t, tOptional } = useI18n();
  if (consents.length === 0) return <p className="empty">{t('consent.none')}</p>;
  return (
    <div className="table-scroll">
      <table className="table" data-testid="consent-table">
        <thead>
          <tr><th>{t('consent.col.institutions')}</th><th>{t('consent.col.purposes')}</th><th>{t('consent.col.sensitive')}</th><th>{t('consent.col.status')}</th><th /></tr>
        </thead>
        <tbody>
          {consents.map((c) => (
            <tr key={c.grantId} data-status={c.status}>
              <td>{c.organizations.map((o) => o.name ?? o.id).join('、')}</td>
              <td>{c.purposes.map((p) => tOptional(`consent.purpose.${p}`) ?? p).join('、')}</td>
              <td>{c.sensitiveCategories.length ? c.sensitiveCategories.map((s) => tOptional(`consent.sensitive.${s}`) ?? s).join('、') : t('consent.none.sensitive')}</td>
              <td>{t(c.status === 'active' ? 'consent.status.active' : 'consent.status.inactive')}</td>
              <td>
                {c.status === 'active' && (
                  <button type="button" className="button button--small" onClick={() => onWithdraw(c.grantId)}>{t('consent.withdraw')}</button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function GrantForm({ onGranted }: { onGranted(): void }) {
  const { t, tOptional } = useI18n();
  const institutions = useAsync(listInstitutions, 'institutions');
  const [chosen, setChosen] = useState<string[]>([]);
  const [sensitive, setSensitive] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const toggle = (list: string[], value: string) => (list.includes(value) ? list.filter((v) => v !== value) : [...list, value]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    if (chosen.length === 0) return setError(t('consent.grant.pickOne'));
    try {
      await grantConsent({ organizations: chosen, sensitiveCategories: sensitive });
      setChosen([]);
      setSensitive([]);
      onGranted();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  }

  return (
    <form className="card" onSubmit={submit} aria-labelledby="grant-title">
      <h2 id="grant-title">{t('consent.grant')}</h2>
      {error && <ErrorBox message={error} />}
      <fieldset className="field">
        <legend>{t('consent.grant.institutions')}</legend>
        {institutions.status === 'loading' && <Loading />}
        {institutions.status === 'error' && <ErrorBox message={institutions.message} onRetry={institutions.reload} />}
        {institutions.status === 'ready' && institutions.data.map((inst) => (
          <label key={inst.id} style={{ display: 'block' }}>
            <input type="checkbox" name="institution" value={inst.id} checked={chosen.includes(inst.id)} onChange={() => setChosen(toggle(chosen, inst.id))} /> {inst.name}
          </label>
        ))}
      </fieldset>
      <fieldset className="field">
        <legend>{t('consent.grant.sensitive')}</legend>
        {SENSITIVE.map((s) => (
          <label key={s} style={{ display: 'block' }}>
            <input type="checkbox" name="sensitive" value={s} checked={sensitive.includes(s)} onChange={() => setSensitive(toggle(sensitive, s))} /> {tOptional(`consent.sensitive.${s}`) ?? s}
          </label>
        ))}
      </fieldset>
      <button type="submit" className="button button--primary">{t('consent.grant.submit')}</button>
    </form>
  );
}
