import type { CodeableConcept, Condition, Encounter, Observation, Quantity, Resource } from '@medplum/fhirtypes';
import { ACUTE_CONDITIONS, CHRONIC_CONDITIONS, ICD10_SYSTEM, LABS, LOINC_SYSTEM, UCUM_SYSTEM, VITALS, type LabSpec } from './clinical.data.js';
import type { InstitutionDirectory } from './directory.js';
import { addDays, ageOn, type Person } from './people.js';
import { childHeight, type Physiology } from './physiology.js';
import { createRng, type Rng } from './prng.js';

export interface ClinicalInput {
  seed: number;
  referenceDate: string;
  person: Person;
  physiology: Physiology;
  institution: InstitutionDirectory;
  patientId: string;
  patientDisplay: string;
}

const V3_ACT = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const INTERPRETATION = 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation';
const CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const CONDITION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/condition-category';
const CLINICAL_STATUS = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
const VERIFICATION = 'http://terminology.hl7.org/CodeSystem/condition-ver-status';

type Reason = { code: string; display: string; displayZh: string; department: string; chronic: boolean };
const CHRONIC_BY_CODE = new Map(CHRONIC_CONDITIONS.map((c) => [c.code, c]));

const at = (date: string, minutes: number): string =>
  `${date}T${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}:00+08:00`;
const maxDate = (a: string, b: string): string => (a > b ? a : b);
const round = (value: number, decimals: number): number => Number(value.toFixed(decimals));
const icd = (r: Pick<Reason, 'code' | 'display' | 'displayZh'>): CodeableConcept => ({ coding: [{ system: ICD10_SYSTEM, code: r.code, display: r.display }], text: r.displayZh });
const loinc = (code: string, display: string, text: string): CodeableConcept => ({ coding: [{ system: LOINC_SYSTEM, code, display }], text });
const category = (code: 'vital-signs' | 'laboratory', display: string): CodeableConcept[] => [{ coding: [{ system: CATEGORY, code, display }] }];
const quantity = (value: number, ucum: string, unit = ucum): Quantity => ({ value, unit, system: UCUM_SYSTEM, code: ucum });

function interpret(value: number, range: { low?: number; high?: number }): CodeableConcept[] {
  const [code, display] = range.high !== undefined && value > range.high ? ['H', 'High'] : range.low !== undefined && value < range.low ? ['L', 'Low'] : ['N', 'Normal'];
  return [{ coding: [{ system: INTERPRETATION, code, display }] }];
}

function pickReason(rng: Rng, person: Person, age: number): Reason {
  if (person.conditions.length > 0 && rng.chance(0.7)) {
    const spec = CHRONIC_BY_CODE.get(rng.pick(person.conditions))!;
    return { ...spec, chronic: true };
  }
  const acute = age < 14 ? rng.pick(ACUTE_CONDITIONS.filter((c) => c.code === 'J06' || c.code === 'A09' || c.code === 'J18')) : rng.pick(ACUTE_CONDITIONS);
  return { ...acute, chronic: false };
}

function pickDepartment(rng: Rng, inst: InstitutionDirectory, reason: Reason, age: number, inpatient: boolean): string {
  const has = (d: string) => inst.doctors.has(d);
  if (inst.spec.kind === 'community-health-centre') return (age < 7 || age >= 65) && rng.chance(0.15) ? 'preventive' : 'general-practice';
  if (age < 14) return 'paediatrics';
  if (!reason.chronic && !inpatient && rng.chance(0.2)) return 'emergency';
  if (has(reason.department)) return reason.department;
  return reason.department === 'orthopaedics' ? 'surgery' : 'internal-medicine';
}

/** Which laboratory tests a visit orders, from its reason and the person's conditions. */
function pickLabs(rng: Rng, person: Person, reason: Reason, age: number, inpatient: boolean): LabSpec[] {
  const keys = new Set<string>();
  const has = (c: string) => person.conditions.includes(c);
  if (inpatient) ['glucose', 'haemoglobin', 'creatinine', 'cholesterol'].forEach((k) => keys.add(k));
  if (reason.chronic && reason.code === 'E11') {
    keys.add('glucose');
    if (rng.chance(0.6)) keys.add('hba1c');
  }
  if (reason.chronic && ['I10', 'E78', 'I25'].includes(reason.code)) {
    if (rng.chance(0.5)) keys.add('cholesterol').add('ldl');
    if (rng.chance(0.4)) keys.add('creatinine');
  }
  if (has('N18') && rng.chance(0.7)) keys.add('creatinine').add('haemoglobin');
  if (keys.size === 0 && age >= 18 && rng.chance(0.15)) ['glucose', 'cholesterol', 'haemoglobin'].forEach((k) => keys.add(k));
  if (keys.size === 0 && age < 18 && rng.chance(0.08)) keys.add('haemoglobin');
  return [...keys].map((k) => LABS[k]);
}

/** Visit dates within the three years before the reference date, ascending. */
function pickVisitDates(rng: Rng, count: number, birthDate: string, referenceDate: string): string[] {
  const earliest = Math.max(Date.parse(addDays(referenceDate, -3 * 365)), Date.parse(birthDate));
  const span = Math.max(1, Math.floor((Date.parse(referenceDate) - earliest) / 86_400_000));
  const days = Array.from({ length: count }, () => rng.int(0, span - 1)).sort((a, b) => a - b);
  return days.map((d) => new Date(earliest + d * 86_400_000).toISOString().slice(0, 10));
}

/**
 * Builds one person's clinical record at one institution: encounters with
 * an attending practitioner and the institution as serviceProvider, vital
 * signs at each visit, laboratory results when the visit calls for them,
 * chronic conditions on the problem list and resolved encounter diagnoses.
 */
export function buildClinicalRecord(input: ClinicalInput): Resource[] {
  const { person, institution: inst, patientId, physiology: body } = input;
  const rng = createRng(input.seed, `clinical:${inst.spec.id}:${person.key}`);
  const age = ageOn(person.birthDate, input.referenceDate);
  const chc = inst.spec.kind === 'community-health-centre';
  const chronicCount = person.conditions.length;
  const visits = 1 + rng.int(0, chc ? (chronicCount === 0 ? 1 : Math.min(5, chronicCount * 2)) : chronicCount > 0 ? 2 : 1);
  const dates = pickVisitDates(rng, visits, person.birthDate, input.referenceDate);
  const inpatientVisit = !chc && rng.chance(age >= 65 ? 0.12 : 0.04) ? dates.length - 1 : -1;
  const subject = { reference: `Patient/${patientId}`, display: input.patientDisplay };
  const out: Resource[] = [];
  dates.forEach((date, v) => {
    const inpatient = v === inpatientVisit;
    const reason = pickReason(rng, person, age);
    const dept = pickDepartment(rng, inst, reason, age, inpatient);
    const doctor = rng.pick(inst.doctors.get(dept)!);
    const eid = `${patientId}-e${v + 1}`;
    const start = rng.int(8 * 60, 16 * 60);
    const end = inpatient ? at(addDays(date, rng.int(3, 12)), rng.int(9 * 60, 11 * 60)) : at(date, start + rng.int(10, 40));
    const encounter: Encounter = {
      resourceType: 'Encounter', id: eid, status: 'finished',
      class: inpatient ? { system: V3_ACT, code: 'IMP', display: 'inpatient encounter' } : { system: V3_ACT, code: 'AMB', display: 'ambulatory' },
      type: [{ text: inpatient ? '住院' : '门诊' }],
      subject,
      participant: [{ type: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'ATND', display: 'attender' }] }],
        individual: { reference: `Practitioner/${doctor.practitionerId}`, display: doctor.display } }],
      period: { start: at(date, start), end },
      reasonCode: [icd(reason)],
      location: [{ location: { reference: `Location/loc-${dept}` } }],
      serviceProvider: { reference: `Organization/${inst.spec.id}`, display: inst.spec.name },
    };
    out.push(encounter);
    const when = at(date, start + 5);
    const ageThen = ageOn(person.birthDate, date);
    const base = { status: 'final' as const, subject, encounter: { reference: `Encounter/${eid}` }, effectiveDateTime: when,
      performer: [{ reference: `Practitioner/${doctor.practitionerId}`, display: doctor.display }] };
    out.push(...buildVitals(rng, eid, base, body, age, ageThen, person.sex === 'male'));
    for (const lab of pickLabs(rng, person, reason, age, inpatient)) {
      const value = round(labBaseline(body, lab) * rng.normal(1, lab.key === 'glu' ? 0.1 : 0.06), lab.decimals);
      const range = lab.range[person.sex];
      out.push({ resourceType: 'Observation', id: `${eid}-${lab.key}`, ...base, category: category('laboratory', 'Laboratory'),
        code: loinc(lab.loinc, lab.display, lab.displayZh), issued: at(date, start + 120).replace('+08:00', '.000+08:00'),
        valueQuantity: quantity(value, lab.ucum, lab.unit),
        referenceRange: [{ ...(range.low !== undefined && { low: quantity(range.low, lab.ucum, lab.unit) }), ...(range.high !== undefined && { high: quantity(range.high, lab.ucum, lab.unit) }) }],
        interpretation: interpret(value, range) } satisfies Observation);
    }
    if (!reason.chronic) out.push(encounterDiagnosis(eid, subject, reason, date, encounter.period!.start!));
  });
  for (const code of person.conditions) {
    // Community centres manage chronic disease and list every condition; hospitals list most.
    if (!chc && !rng.chance(0.7)) continue;
    const spec = CHRONIC_BY_CODE.get(code)!;
    const onsetYears = rng.int(1, Math.max(1, Math.min(15, age - 20)));
    const onset = maxDate(addDays(input.referenceDate, -onsetYears * 365 - rng.int(0, 364)), person.birthDate);
    out.push({
      resourceType: 'Condition', id: `${patientId}-c-${code.toLowerCase()}`,
      clinicalStatus: { coding: [{ system: CLINICAL_STATUS, code: 'active', display: 'Active' }] },
      verificationStatus: { coding: [{ system: VERIFICATION, code: 'confirmed', display: 'Confirmed' }] },
      category: [{ coding: [{ system: CONDITION_CATEGORY, code: 'problem-list-item', display: 'Problem List Item' }] }],
      code: icd(spec), subject,
      onsetDateTime: onset,
      recordedDate: maxDate(onset, dates[0]),
    } satisfies Condition);
  }
  return out;
}

function labBaseline(body: Physiology, lab: LabSpec): number {
  const byKey: Record<string, number> = { glu: body.glucose, a1c: body.hba1c, tc: body.cholesterol, ldl: body.ldl, hb: body.haemoglobin, cr: body.creatinine };
  return byKey[lab.key];
}

function encounterDiagnosis(eid: string, subject: Condition['subject'], reason: Reason, date: string, start: string): Condition {
  return {
    resourceType: 'Condition', id: `${eid}-dx`,
    clinicalStatus: { coding: [{ system: CLINICAL_STATUS, code: 'resolved', display: 'Resolved' }] },
    verificationStatus: { coding: [{ system: VERIFICATION, code: 'confirmed', display: 'Confirmed' }] },
    category: [{ coding: [{ system: CONDITION_CATEGORY, code: 'encounter-diagnosis', display: 'Encounter Diagnosis' }] }],
    code: icd(reason), subject, encounter: { reference: `Encounter/${eid}` },
    onsetDateTime: start, abatementDateTime: addDays(date, 7), recordedDate: date,
  };
}

type ObservationBase = Pick<Observation, 'status' | 'subject' | 'encounter' | 'effectiveDateTime' | 'performer'>;

function buildVitals(rng: Rng, eid: string, base: ObservationBase, body: Physiology, ageNow: number, ageThen: number, male: boolean): Observation[] {
  const vital = (id: string, spec: { loinc: string; display: string; displayZh: string }, value: Quantity): Observation => ({
    resourceType: 'Observation', id: `${eid}-${id}`, ...base, category: category('vital-signs', 'Vital Signs'),
    code: loinc(spec.loinc, spec.display, spec.displayZh), valueQuantity: value,
  });
  const height = ageNow < 18 ? (body.heightCm / childHeight(ageNow, male)) * childHeight(ageThen, male) : body.heightCm;
  const heightCm = round(height + rng.normal(0, 0.4), 1);
  const weightKg = round(body.bmi * (heightCm / 100) ** 2 * rng.normal(1, 0.02), 1);
  const out: Observation[] = [];
  if (ageThen >= 3) {
    const systolic = Math.round(body.systolic + rng.normal(0, 7));
    const diastolic = Math.round(Math.min(systolic - 20, body.diastolic + rng.normal(0, 5)));
    out.push({
      resourceType: 'Observation', id: `${eid}-bp`, ...base, category: category('vital-signs', 'Vital Signs'),
      code: loinc(VITALS.panel.loinc, VITALS.panel.display, VITALS.panel.displayZh),
      component: [
        { code: loinc(VITALS.systolic.loinc, VITALS.systolic.display, VITALS.systolic.displayZh), valueQuantity: quantity(systolic, 'mm[Hg]', 'mmHg'),
          interpretation: ageThen >= 18 ? interpret(systolic, { low: 90, high: 139 }) : undefined },
        { code: loinc(VITALS.diastolic.loinc, VITALS.diastolic.display, VITALS.diastolic.displayZh), valueQuantity: quantity(diastolic, 'mm[Hg]', 'mmHg'),
          interpretation: ageThen >= 18 ? interpret(diastolic, { low: 60, high: 89 }) : undefined },
      ].map((c) => (c.interpretation ? c : { code: c.code, valueQuantity: c.valueQuantity })),
    });
  }
  out.push(vital('hr', VITALS.heartRate, quantity(Math.round(body.heartRate + rng.normal(0, 6)), '/min', 'beats/minute')));
  out.push(vital('wt', VITALS.weight, quantity(weightKg, 'kg')));
  out.push(vital('ht', VITALS.height, quantity(heightCm, 'cm')));
  if (ageThen >= 2) out.push(vital('bmi', VITALS.bmi, quantity(round(weightKg / (heightCm / 100) ** 2, 1), 'kg/m2', 'kg/m2')));
  return out;
}
