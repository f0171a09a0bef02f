import { useState, type FormEvent } from 'react';
import { useI18n } from '../../i18n/i18n.js';
import { ErrorBox, Loading } from '../layout/status.js';
import { useAsync } from '../layout/use-async.js';
import { BREAK_GLASS_REASONS, breakGlass, readRegionalRecord } from './privacy-api.js';

/** A patient's regional record, institution by institution, with the break-the-glass dialog. */
export function RegionalRecordPage({ tenantId, patientId }: { tenantId: string; patientId: string }) {
  const { t } = useI18n();
  const record = useAsync(() => readRegionalRecord(tenantId, patientId), `regional:${tenantId}/${patientId}`);
  const [dialog, setDialog] = useState(false);
  return (
    <section aria-labelledby="regional-title">
      <div className="page-header">
        <div>
          <h1 id="regional-title">{t('regional.title')}</h1>
          <p className="muted">{t('regional.lead')}</p>
        </div>
        <button type="button" className="button" onClick={() => setDialog(true)}>{t('regional.breakGlass')}</button>
      </div>
      {dialog && <BreakGlassDialog patient={{ tenantId, id: patientId }} onClose={() => setDialog(false)} onGranted={() => { setDialog(false); record.reload(); }} />}
      {record.status === 'loading' && <Loading />}
      {record.status === 'error' && <ErrorBox message={record.message} onRetry={record.reload} />}
      {record.status === 'ready' && record.data.institutions.map((inst) => (
        <div key={inst.tenantId} className="card" data-institution={inst.tenantId} data-access={inst.access}>
          <h2>
            {inst.name ?? inst.tenantId} {inst.own && <span className="badge">{t('regional.own')}</span>}{' '}
            {inst.breakGlass && <span className="badge badge--alert">{t('regional.breakGlass.active')}</span>}
          </h2>
          {inst.hint && <p className="notice">{t(inst.hint === 'no-care-relationship' ? 'regional.hint.no-care-relationship' : 'regional.hint.consent-denied')}</p>}
          <ul className="result-list">
            {inst.resources.map((r) => (
              <li key={`${r.resourceType}/${r.id}`} className="result" data-resource={`${r.resourceType}/${r.id}`}>
                <span className="mono small">{r.resourceType}</span> {describe(r as unknown as { resourceType: string; [key: string]: unknown })}
              </li>
            ))}
          </ul>
          {inst.withheld > 0 && <p className="muted" data-testid="withheld">{t('regional.withheld', { count: inst.withheld })}</p>}
        </div>
      ))}
    </section>
  );
}

function describe(resource: { resourceType: string; [key: string]: unknown }): string {
  const code = resource.code as { text?: string; coding?: Array<{ display?: string; code?: string }> } | undefined;
  if (code) return code.text ?? code.coding?.[0]?.display ?? code.coding?.[0]?.code ?? '';
  const name = (resource.name as Array<{ text?: string; family?: string; given?: string[] }> | undefined)?.[0];
  if (name) return name.text ?? `${name.family ?? ''}${(name.given ?? []).join('')}`;
  return String(resource.id ?? '');
}

function BreakGlassDialog({ patient, onClose, onGranted }: { patient: { tenantId: string; id: string }; onClose(): void; onGranted(): void }) {
  const { t, tOptional } = useI18n();
  const [code, setCode] = useState<string>(BREAK_GLASS_REASONS[0]);
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      await breakGlass(patient, { code, text });
      onGranted();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  }
  return (
    <div role="dialog" aria-modal="true" aria-labelledby="break-glass-title" className="card" style={{ borderColor: '#c0392b' }}>
      <form onSubmit={submit}>
        <h2 id="break-glass-title">{t('regional.breakGlass.title')}</h2>
        <p className="notice">{t('regional.breakGlass.warning')}</p>
        {error && <ErrorBox message={error} />}
        <label className="field">
          <span>{t('regional.breakGlass.reason')}</span>
          <select name="reason" value={code} onChange={(e) => setCode(e.target.value)}>
            {BREAK_GLASS_REASONS.map((r) => <option key={r} value={r}>{tOptional(`regional.reason.${r}`) ?? r}</option>)}
          </select>
        </label>
        <label className="field">
          <span>{t('regional.breakGlass.text')}</span>
          <textarea name="text" required minLength={10} rows={3} value={text} onChange={(e) => setText(e.target.value)} />
        </label>
        <button type="submit" className="button button--primary">{t('regional.breakGlass.confirm')}</button>{' '}
        <button type="button" className="button button--ghost" onClick={onClose}>{t('regional.breakGlass.cancel')}</button>
      </form>
    </div>
  );
}
