import { useState, type FormEvent } from 'react';
import { useRouter } from '../../app/router.js';
import { useI18n } from '../../i18n/i18n.js';
import { ErrorBox } from '../layout/status.js';
import { referralsApi, SPECIALTIES, type DuplicateWarning, type Recommendation } from './referrals-api.js';

/** The referral form with the routing recommendation: rank receivers, pick one, check duplicates, send. */
export function NewReferralPage() {
  const { t, language } = useI18n();
  const { search, navigate } = useRouter();
  const [patient, setPatient] = useState(search.get('patient') ? `Patient/${search.get('patient')}` : '');
  const [specialty, setSpecialty] = useState(SPECIALTIES[0].code);
  const [priority, setPriority] = useState('routine');
  const [reason, setReason] = useState('');
  const [receiver, setReceiver] = useState('');
  const [recommendations, setRecommendations] = useState<Recommendation[] | null>(null);
  const [duplicates, setDuplicates] = useState<DuplicateWarning[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const spec = SPECIALTIES.find((s) => s.code === specialty)!;
  const name = (s: (typeof SPECIALTIES)[number]) => (language === 'en' ? s.en : s.zh);

  async function guarded(fn: () => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  const recommend = () => guarded(async () => {
    setRecommendations((await referralsApi.recommend(specialty, priority, patient || undefined)).items);
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    void guarded(async () => {
      if (duplicates === null) {
        const check = await referralsApi.checkDuplicate(patient, specialty);
        if (check.duplicate) {
          setDuplicates(check.warnings);
          return;
        }
      }
      const created = await referralsApi.create({ receiver, patient, specialty: { code: spec.code, display: spec.en }, priority, ...(reason && { reason }) });
      navigate(`/referrals/${created.referral.id}`);
    });
  }

  return (
    <section aria-labelledby="new-referral-title">
      <div className="page-header"><h1 id="new-referral-title">{t('referrals.new')}</h1></div>
      <form className="card referral-form" onSubmit={submit}>
        <label>{t('referrals.form.patient')}<input name="patient" value={patient} onChange={(e) => { setPatient(e.target.value.trim()); setDuplicates(null); }} required placeholder="Patient/…" /></label>
        <label>{t('referrals.specialty')}
          <select name="specialty" value={specialty} onChange={(e) => { setSpecialty(e.target.value); setDuplicates(null); setRecommendations(null); }}>
            {SPECIALTIES.map((s) => <option key={s.code} value={s.code}>{name(s)}</option>)}
          </select>
        </label>
        <label>{t('referrals.priority')}
          <select name="priority" value={priority} onChange={(e) => setPriority(e.target.value)}>
            {['routine', 'urgent', 'asap', 'stat'].map((p) => <option key={p} value={p}>{t(`referrals.priority.${p}` as 'referrals.priority.routine')}</option>)}
          </select>
        </label>
        <label>{t('referrals.reason')}<textarea name="reason" value={reason} onChange={(e) => setReason(e.target.value)} rows={2} /></label>
        <div className="referral-actions">
          <button type="button" className="button" onClick={recommend} disabled={busy} data-testid="recommend">{t('referrals.form.recommend')}</button>
        </div>
        {recommendations && (
          <table className="table" data-testid="recommendations">
            <thead><tr><th>{t('referrals.form.receiver')}</th><th className="num">{t('referrals.form.score')}</th><th /><th /></tr></thead>
            <tbody>
              {recommendations.map((rec) => (
                <tr key={rec.institution.id} data-institution={rec.institution.id}>
                  <td><strong>{rec.institution.name}</strong></td>
                  <td className="num">{(rec.score * 100).toFixed(0)}</td>
                  <td><ul className="score-list">{rec.components.filter((c) => c.weight > 0).map((c) => <li key={c.name}>{c.name} {(c.score * 100).toFixed(0)} · {c.explanation}</li>)}</ul></td>
                  <td>
                    <button type="button" className={receiver === rec.institution.id ? 'button button--primary button--small' : 'button button--small'} onClick={() => setReceiver(rec.institution.id)}>
                      {receiver === rec.institution.id ? t('referrals.form.chosen') : t('referrals.form.choose')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {duplicates && duplicates.length > 0 && (
          <div className="error-box" role="alert" data-testid="duplicate-warning">
            <strong>{t('referrals.form.duplicate')}</strong>
            {duplicates.map((d) => <span key={d.referral.id}>{d.message}</span>)}
          </div>
        )}
        <button type="submit" className="button button--primary" disabled={busy || !receiver || !patient} data-testid="send-referral">
          {duplicates && duplicates.length > 0 ? t('referrals.form.sendAnyway') : t('referrals.form.submit')}
        </button>
        {error && <ErrorBox message={error} />}
      </form>
    </section>
  );
}
