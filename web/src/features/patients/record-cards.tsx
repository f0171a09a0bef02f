import type { Condition, Encounter, Observation } from '@medplum/fhirtypes';
import { useI18n } from '../../i18n/i18n.js';
import { ErrorBox, Loading } from '../layout/status.js';
import type { AsyncState } from '../layout/use-async.js';
import { formatConcept, formatDate, pickLatestPerItem, sortByDateDesc, toObservationRow } from './fhir-format.js';

type SearchState<T> = AsyncState<{ resources: T[]; total?: number }> & { reload(): void };

function CardBody<T>({ state, render }: { state: SearchState<T>; render(items: T[]): React.ReactNode }) {
  const { t } = useI18n();
  if (state.status === 'loading') return <Loading />;
  if (state.status === 'error') return <ErrorBox message={state.message} onRetry={state.reload} />;
  if (state.data.resources.length === 0) return <p className="empty">{t('common.none')}</p>;
  return <>{render(state.data.resources)}</>;
}

function Count({ state }: { state: SearchState<unknown> }) {
  return state.status === 'ready' ? <span className="count">{state.data.total ?? state.data.resources.length}</span> : null;
}

export function EncountersCard({ state }: { state: SearchState<Encounter> }) {
  const { t, tOptional } = useI18n();
  return (
    <div className="card">
      <h2>
        {t('record.encounters')} <Count state={state} />
      </h2>
      <CardBody
        state={state}
        render={(items) => (
          <ul className="timeline" data-testid="encounters">
            {sortByDateDesc(items, (e) => e.period?.start).map((enc) => {
              const classLabel = (enc.class?.code && tOptional(`class.${enc.class.code}`)) ?? enc.class?.display ?? enc.class?.code ?? '';
              const typeText = formatConcept(enc.type?.[0]) || formatConcept(enc.serviceType) || formatConcept(enc.reasonCode?.[0]);
              return (
                <li key={enc.id}>
                  <span className="timeline__date">{formatDate(enc.period?.start)}</span>
                  <span className="timeline__body">
                    <span>
                      <span className={`badge badge--class-${enc.class?.code ?? 'x'}`}>{classLabel}</span>{' '}
                      {typeText && typeText !== classLabel && <strong>{typeText}</strong>}
                    </span>
                    <span className="muted small">
                      {[enc.serviceProvider?.display, enc.participant?.[0]?.individual?.display, tOptional(`status.${enc.status}`) ?? enc.status]
                        .filter(Boolean)
                        .join(' · ')}
                    </span>
                  </span>
                </li>
              );
            })}
          </ul>
        )}
      />
    </div>
  );
}

export function ConditionsCard({ state }: { state: SearchState<Condition> }) {
  const { t, tOptional } = useI18n();
  return (
    <div className="card">
      <h2>
        {t('record.conditions')} <Count state={state} />
      </h2>
      <CardBody
        state={state}
        render={(items) => (
          <table className="table" data-testid="conditions-table">
            <thead>
              <tr>
                <th>{t('record.col.condition')}</th>
                <th>{t('record.col.clinicalStatus')}</th>
                <th>{t('record.col.onset')}</th>
              </tr>
            </thead>
            <tbody>
              {sortByDateDesc(items, (c) => c.onsetDateTime ?? c.recordedDate).map((cond) => {
                const status = cond.clinicalStatus?.coding?.[0]?.code;
                const icd = cond.code?.coding?.find((c) => c.code)?.code;
                return (
                  <tr key={cond.id}>
                    <td>
                      {formatConcept(cond.code)} {icd && <span className="muted mono small">{icd}</span>}
                    </td>
                    <td>
                      <span className={`badge badge--status-${status ?? 'x'}`}>{(status && tOptional(`status.${status}`)) ?? status ?? '—'}</span>
                    </td>
                    <td className="muted">{formatDate(cond.onsetDateTime ?? cond.recordedDate) || '—'}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      />
    </div>
  );
}

/** Vital signs or lab results as a table: newest first, abnormal rows highlighted with their flags. */
export function ObservationsCard({
  state,
  title,
  testId,
  showLatest = false,
}: {
  state: SearchState<Observation>;
  title: string;
  testId: string;
  /** Vital signs: a strip with the newest value of each sign above the table. */
  showLatest?: boolean;
}) {
  const { t, tOptional } = useI18n();
  const rows = state.status === 'ready' ? state.data.resources.map(toObservationRow) : [];
  const abnormal = rows.filter((r) => r.abnormal).length;
  return (
    <div className="card">
      <h2>
        {title} <Count state={state} />
        {abnormal > 0 && <span className="badge badge--alert">{t('record.abnormalCount', { count: abnormal })}</span>}
      </h2>
      <CardBody
        state={state}
        render={() => (
          <>
            {showLatest && (
              <div className="latest" data-testid={`${testId}-latest`}>
                {pickLatestPerItem(rows).slice(0, 8).map((row) => (
                  <div key={row.item} className={row.abnormal ? 'latest__item latest__item--abnormal' : 'latest__item'}>
                    <span className="latest__label">{row.item}</span>
                    <span className="latest__value">
                      {row.value} <small>{row.unit}</small>
                    </span>
                    <span className="latest__date">{formatDate(row.date)}</span>
                  </div>
                ))}
              </div>
            )}
            <div className="table-scroll">
              <table className="table" data-testid={testId}>
                <thead>
                  <tr>
                    <th>{t('record.col.date')}</th>
                    <th>{t('record.col.item')}</th>
                    <th className="num">{t('record.col.value')}</th>
                    <th>{t('record.col.unit')}</th>
                    <th>{t('record.col.range')}</th>
                    <th>{t('record.col.flag')}</th>
                  </tr>
                </thead>
                <tbody>
                  {sortByDateDesc(rows, (r) => r.date).map((row) => (
                    <tr key={row.id} className={row.abnormal ? 'row--abnormal' : undefined}>
                      <td className="muted nowrap">{formatDate(row.date)}</td>
                      <td>{row.item}</td>
                      <td className="num strong">{row.value}</td>
                      <td className="muted">{row.unit}</td>
                      <td className="muted nowrap">{row.range}</td>
                      <td>
                        {row.flags.map((flag) => (
                          <span key={flag} className={`flag flag--${flag.replace(/[^A-Za-z]/g, '')}`}>
                            {tOptional(`flag.${flag}`) ?? flag}
                          </span>
                        ))}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      />
    </div>
  );
}
