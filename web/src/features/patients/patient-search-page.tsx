import type { Patient } from '@medplum/fhirtypes';
import { useEffect, useState, type FormEvent } from 'react';
import { hubClient } from '../../api/client.js';
import { Link, useRouter } from '../../app/router.js';
import { useI18n } from '../../i18n/i18n.js';
import { ErrorBox, Loading } from '../layout/status.js';
import { useAsync } from '../layout/use-async.js';
import { buildPatientSearch, computeAge, findPhone, findResidentId, formatAddress, formatHumanName, maskIdNumber } from './fhir-format.js';

/** Search box + results. The query lives in the URL (?q=) so back/reload keep the results. */
export function PatientSearchPage() {
  const { t } = useI18n();
  const { search, navigate } = useRouter();
  const query = search.get('q') ?? '';
  const [text, setText] = useState(query);
  useEffect(() => setText(query), [query]);

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    navigate(`/patients?q=${encodeURIComponent(text.trim())}`);
  }

  return (
    <section aria-labelledby="patients-title">
      <div className="page-header">
        <div>
          <h1 id="patients-title">{t('patients.title')}</h1>
          <p className="muted">{t('patients.lead')}</p>
        </div>
      </div>
      <form className="card search-bar" onSubmit={onSubmit} role="search">
        <label className="sr-only" htmlFor="patient-query">
          {t('patients.query')}
        </label>
        <input
          id="patient-query"
          name="q"
          type="search"
          placeholder={t('patients.placeholder')}
          value={text}
          onChange={(e) => setText(e.target.value)}
          autoComplete="off"
          autoFocus
        />
        <button className="button button--primary" type="submit">
          {t('patients.search')}
        </button>
      </form>
      {query && <PatientResults query={query} />}
    </section>
  );
}

function PatientResults({ query }: { query: string }) {
  const { t } = useI18n();
  const plan = buildPatientSearch(query);
  const state = useAsync(async () => {
    if (plan.kind === 'invalid') return { resources: [] as Patient[], total: 0 };
    return hubClient.search<Patient>('Patient', plan.params);
  }, query);

  if (plan.kind === 'invalid') {
    return <p className="error">{t(plan.reason === 'invalidId' ? 'patients.invalidId' : 'patients.tooShort')}</p>;
  }
  if (state.status === 'loading') return <Loading />;
  if (state.status === 'error') return <ErrorBox message={state.message} onRetry={state.reload} />;
  const { resources, total } = state.data;
  const count = total ?? resources.length;
  return (
    <div className="results">
      <p className="muted small">
        {plan.kind === 'identifier' ? t('patients.byIdNumber') : t('patients.byName')} ·{' '}
        {count > resources.length ? t('patients.resultsMore', { shown: resources.length, count }) : t('patients.results', { count })}
      </p>
      {resources.length === 0 ? (
        <p className="empty">{t('patients.noResults')}</p>
      ) : (
        <ul className="result-list" data-testid="patient-results">
          {resources.map((patient) => {
            const age = computeAge(patient.birthDate);
            return (
              <li key={patient.id}>
                <Link to={`/patients/${encodeURIComponent(patient.id ?? '')}`} className="result">
                  <span className={`avatar avatar--${patient.gender ?? 'unknown'}`} aria-hidden="true">
                    {formatHumanName(patient.name).slice(0, 1) || '?'}
                  </span>
                  <span className="result__main">
                    <strong className="result__name">{formatHumanName(patient.name) || t('common.unknown')}</strong>
                    <span className="muted">
                      {t(`sex.${patient.gender ?? 'unknown'}`)}
                      {age !== undefined && ` · ${t('record.ageValue', { age })}`}
                      {patient.birthDate && ` · ${patient.birthDate}`}
                    </span>
                  </span>
                  <span className="result__meta">
                    <span className="mono">{maskIdNumber(findResidentId(patient.identifier))}</span>
                    <span className="muted small">{[findPhone(patient.telecom), formatAddress(patient.address)].filter(Boolean).join(' · ')}</span>
                  </span>
                  <span className="result__open">{t('patients.open')} →</span>
                </Link>
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
