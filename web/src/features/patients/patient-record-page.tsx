import type { Condition, Encounter, Observation, Patient } from '@medplum/fhirtypes';
import { hubClient } from '../../api/client.js';
import { Link } from '../../app/router.js';
import { useI18n } from '../../i18n/i18n.js';
import { ErrorBox, Loading } from '../layout/status.js';
import { useAsync } from '../layout/use-async.js';
import {
  computeAge,
  findPhone,
  findResidentId,
  formatAddress,
  formatHumanName,
  listOtherIdentifiers,
  maskIdNumber,
} from './fhir-format.js';
import { ConditionsCard, EncountersCard, ObservationsCard } from './record-cards.js';

/** A patient's record as readable cards: demographics, encounters, vital signs, labs, conditions. */
export function PatientRecordPage({ patientId }: { patientId: string }) {
  const { t } = useI18n();
  const subject = `Patient/${patientId}`;
  const patient = useAsync(() => hubClient.readResource<Patient>('Patient', patientId), `patient-${patientId}`);
  const encounters = useAsync(() => hubClient.search<Encounter>('Encounter', { subject, _count: '100' }), `enc-${patientId}`);
  const vitals = useAsync(
    () => hubClient.search<Observation>('Observation', { subject, category: 'vital-signs', _count: '200' }),
    `vitals-${patientId}`,
  );
  const labs = useAsync(
    () => hubClient.search<Observation>('Observation', { subject, category: 'laboratory', _count: '200' }),
    `labs-${patientId}`,
  );
  const conditions = useAsync(() => hubClient.search<Condition>('Condition', { subject, _count: '100' }), `cond-${patientId}`);

  return (
    <section aria-labelledby="record-title">
      <p>
        <Link to="/patients" className="back-link">
          ← {t('common.back')}
        </Link>
      </p>
      {patient.status === 'loading' && <Loading />}
      {patient.status === 'error' && <ErrorBox message={patient.message} onRetry={patient.reload} />}
      {patient.status === 'ready' && <Demographics patient={patient.data} />}
      {/* Without the patient (unknown id, no access) the other cards would only repeat the error. */}
      {patient.status !== 'error' && (
        <>
          <div className="grid-2">
            <EncountersCard state={encounters} />
            <ConditionsCard state={conditions} />
          </div>
          <ObservationsCard state={vitals} title={t('record.vitals')} testId="vitals-table" showLatest />
          <ObservationsCard state={labs} title={t('record.labs')} testId="labs-table" />
        </>
      )}
    </section>
  );
}

function Demographics({ patient }: { patient: Patient }) {
  const { t } = useI18n();
  const age = computeAge(patient.birthDate);
  const name = formatHumanName(patient.name) || t('common.unknown');
  const idNumber = findResidentId(patient.identifier);
  const otherIds = listOtherIdentifiers(patient.identifier);
  const fields: Array<[string, string | undefined, string?]> = [
    [t('record.sex'), t(`sex.${patient.gender ?? 'unknown'}`)],
    [t('record.age'), age !== undefined ? t('record.ageValue', { age }) : undefined],
    [t('record.birthDate'), patient.birthDate],
    [t('record.idNumber'), idNumber ? maskIdNumber(idNumber) : undefined, 'mono'],
    [t('record.mrn'), otherIds.length ? otherIds.join(', ') : undefined, 'mono'],
    [t('record.phone'), findPhone(patient.telecom)],
    [t('record.address'), formatAddress(patient.address) || undefined],
    [t('record.institution'), patient.managingOrganization?.display ?? patient.managingOrganization?.reference],
  ];
  return (
    <div className="card demographics" data-testid="demographics">
      <div className="demographics__head">
        <span className={`avatar avatar--large avatar--${patient.gender ?? 'unknown'}`} aria-hidden="true">
          {name.slice(0, 1)}
        </span>
        <div>
          <h1 id="record-title">{name}</h1>
          <p className="muted">{t('record.title')}</p>
        </div>
      </div>
      <dl className="facts">
        {fields.map(([label, value, className]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd className={className}>{value ?? '—'}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}
