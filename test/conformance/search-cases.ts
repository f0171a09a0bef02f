import type { Patient, Resource } from '@medplum/fhirtypes';
import { dateMatch, path, quantityMatch, referenceMatch, resolve, stringMatch, tokenMatch, type Loaded } from './expectations.js';

/** One search and the set it must return (matches; plus included resources for _include / _revinclude). */
export interface SearchCase {
  name: string;
  resourceType: string;
  /** Query string parameters, repeated keys as arrays (AND). */
  params: Record<string, string | string[]>;
  matches(resource: Resource): boolean;
  /** For _include / _revinclude: the keys ("Type/id") that must come back with search.mode = include. */
  included?(matches: Resource[]): Set<string>;
  /** Result order that must hold (for _sort). */
  ordered?(a: Resource, b: Resource): number;
}

const LOINC = 'http://loinc.org';
const BODY_HEIGHT = '8302-2';

/** Builds the cases from the loaded data (values are picked from it, never typed in from the hub's answers). */
export function buildSearchCases(loaded: Loaded): SearchCase[] {
  const all = [...loaded.values()];
  const synthea = all.filter((r): r is Patient => r.resourceType === 'Patient' && !!r.identifier?.some((i) => i.system === 'https://github.com/synthetichealth/synthea'));
  if (synthea.length === 0) throw new Error('No Synthea patients loaded');
  const patient = synthea[0];
  const family = patient.name?.[0]?.family as string;
  const mrn = patient.identifier?.find((i) => i.type?.coding?.some((c) => c.code === 'MR'));
  const condition = all.find((r) => r.resourceType === 'Condition' && (r as { code?: { coding?: Array<{ system?: string; code?: string }> } }).code?.coding?.[0]) as
    | { code: { coding: Array<{ system: string; code: string }> } }
    | undefined;
  const conditionToken = `${condition?.code.coding[0].system}|${condition?.code.coding[0].code}`;
  const patientRef = `Patient/${patient.id}`;
  const city = (patient.address?.[0]?.city as string).slice(0, 3).toLowerCase();
  // The most common LOINC code with a quantity value, its median value and its median year: thresholds that split the data.
  const quantities = all.filter((r) => r.resourceType === 'Observation' && typeof (r as { valueQuantity?: { value?: number } }).valueQuantity?.value === 'number') as Array<{
    code: { coding?: Array<{ system?: string; code?: string }> };
    valueQuantity: { value: number; system?: string; code?: string };
    effectiveDateTime?: string;
  }>;
  const counts = new Map<string, number>();
  for (const o of quantities) for (const c of o.code.coding ?? []) if (c.system === LOINC && c.code) counts.set(c.code, (counts.get(c.code) ?? 0) + 1);
  const quantCode = [...counts.entries()].sort((a, b) => b[1] - a[1])[0][0];
  const ofCode = quantities.filter((o) => o.code.coding?.some((c) => c.code === quantCode));
  const median = <T extends number | string>(xs: T[]): T => [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))[Math.floor(xs.length / 2)];
  const threshold = median(ofCode.map((o) => o.valueQuantity.value)).toString();
  const unit = ofCode[0].valueQuantity;
  const year = median(ofCode.map((o) => (o.effectiveDateTime ?? '').slice(0, 4)).filter(Boolean));
  const quantToken = `${LOINC}|${quantCode}`;
  const byType = (type: string) => (r: Resource) => r.resourceType === type;

  const cases: SearchCase[] = [
    { name: 'string: family starts with, any case', resourceType: 'Patient', params: { family: family.slice(0, 4).toUpperCase() }, matches: (r) => byType('Patient')(r) && stringMatch(path(r, 'Patient.name.family'), family.slice(0, 4)) },
    { name: 'string: name (any part)', resourceType: 'Patient', params: { name: 'peter' }, matches: (r) => byType('Patient')(r) && stringMatch(path(r, 'Patient.name'), 'peter') },
    { name: 'string :exact', resourceType: 'Patient', params: { 'family:exact': family }, matches: (r) => byType('Patient')(r) && stringMatch(path(r, 'Patient.name.family'), family, 'exact') },
    { name: 'string :contains', resourceType: 'Patient', params: { 'family:contains': family.slice(1, 4) }, matches: (r) => byType('Patient')(r) && stringMatch(path(r, 'Patient.name.family'), family.slice(1, 4), 'contains') },
    { name: 'string: address city', resourceType: 'Patient', params: { 'address-city': city }, matches: (r) => byType('Patient')(r) && stringMatch(path(r, 'Patient.address.city'), city) },
    { name: 'token: code', resourceType: 'Patient', params: { gender: 'female' }, matches: (r) => byType('Patient')(r) && tokenMatch(path(r, 'Patient.gender'), 'female') },
    { name: 'token: system|code on CodeableConcept', resourceType: 'Observation', params: { code: `${LOINC}|${BODY_HEIGHT}` }, matches: (r) => byType('Observation')(r) && tokenMatch(path(r, 'Observation.code'), `${LOINC}|${BODY_HEIGHT}`) },
    { name: 'token: OR with commas', resourceType: 'Observation', params: { code: `${LOINC}|${BODY_HEIGHT},${LOINC}|29463-7` }, matches: (r) => byType('Observation')(r) && (tokenMatch(path(r, 'Observation.code'), `${LOINC}|${BODY_HEIGHT}`) || tokenMatch(path(r, 'Observation.code'), `${LOINC}|29463-7`)) },
    { name: 'token: category', resourceType: 'Observation', params: { category: 'laboratory' }, matches: (r) => byType('Observation')(r) && tokenMatch(path(r, 'Observation.category'), 'laboratory') },
    { name: 'token :not', resourceType: 'Condition', params: { 'clinical-status:not': 'resolved' }, matches: (r) => byType('Condition')(r) && !tokenMatch(path(r, 'Condition.clinicalStatus'), 'resolved') },
    { name: 'token: identifier system|value', resourceType: 'Patient', params: { identifier: `${mrn?.system}|${mrn?.value}` }, matches: (r) => byType('Patient')(r) && tokenMatch(path(r, 'Patient.identifier'), `${mrn?.system}|${mrn?.value}`) },
    { name: 'token :of-type on identifier', resourceType: 'Patient', params: { 'identifier:of-type': `http://terminology.hl7.org/CodeSystem/v2-0203|MR|${mrn?.value}` }, matches: (r) => byType('Patient')(r) && (r as Patient).identifier?.some((i) => i.value === mrn?.value && i.type?.coding?.some((c) => c.system === 'http://terminology.hl7.org/CodeSystem/v2-0203' && c.code === 'MR')) === true },
    { name: 'token: condition code', resourceType: 'Condition', params: { code: conditionToken }, matches: (r) => byType('Condition')(r) && tokenMatch(path(r, 'Condition.code'), conditionToken) },
    { name: 'date: eq a day', resourceType: 'Patient', params: { birthdate: '1974-12-25' }, matches: (r) => byType('Patient')(r) && dateMatch(path(r, 'Patient.birthDate'), 'eq1974-12-25') },
    { name: 'date: AND of ge and lt (a range)', resourceType: 'Patient', params: { birthdate: ['ge1950', 'lt1990'] }, matches: (r) => byType('Patient')(r) && dateMatch(path(r, 'Patient.birthDate'), 'ge1950') && dateMatch(path(r, 'Patient.birthDate'), 'lt1990') },
    { name: 'date: gt a year on dateTime', resourceType: 'Observation', params: { date: `gt${year}`, code: quantToken }, matches: (r) => byType('Observation')(r) && tokenMatch(path(r, 'Observation.code'), quantToken) && dateMatch(path(r, 'Observation.effective'), `gt${year}`) },
    { name: 'date: le a month on dateTime', resourceType: 'Observation', params: { date: `le${year}-06`, code: quantToken }, matches: (r) => byType('Observation')(r) && tokenMatch(path(r, 'Observation.code'), quantToken) && dateMatch(path(r, 'Observation.effective'), `le${year}-06`) },
    { name: 'date: Period (Encounter) sa', resourceType: 'Encounter', params: { date: 'sa2020-06-01', subject: patientRef }, matches: (r) => byType('Encounter')(r) && referenceMatch(path(r, 'Encounter.subject'), patientRef) && dateMatch(path(r, 'Encounter.period'), 'sa2020-06-01') },
    { name: 'quantity: gt', resourceType: 'Observation', params: { 'value-quantity': `gt${threshold}`, code: quantToken }, matches: (r) => byType('Observation')(r) && tokenMatch(path(r, 'Observation.code'), quantToken) && quantityMatch(path(r, 'Observation.value'), `gt${threshold}`) },
    {
      name: 'quantity: le with system|code',
      resourceType: 'Observation',
      params: { 'value-quantity': `le${threshold}|${unit.system}|${unit.code}` },
      matches: (r) => byType('Observation')(r) && quantityMatch(path(r, 'Observation.value'), `le${threshold}|${unit.system}|${unit.code}`),
    },
    { name: 'reference: subject', resourceType: 'Observation', params: { subject: patientRef }, matches: (r) => byType('Observation')(r) && referenceMatch(path(r, 'Observation.subject'), patientRef) },
    { name: 'reference :[type] (patient)', resourceType: 'Condition', params: { patient: patientRef }, matches: (r) => byType('Condition')(r) && referenceMatch(path(r, 'Condition.subject'), patientRef) },
    { name: '_id with OR', resourceType: 'Patient', params: { _id: `${patient.id},example` }, matches: (r) => byType('Patient')(r) && (r.id === patient.id || r.id === 'example') },
    { name: ':missing=true', resourceType: 'Patient', params: { 'birthdate:missing': 'true' }, matches: (r) => byType('Patient')(r) && path(r, 'Patient.birthDate').length === 0 },
    {
      name: 'chained: subject:Patient.family',
      resourceType: 'Condition',
      params: { 'subject:Patient.family': family },
      matches: (r) => byType('Condition')(r) && resolve(loaded, path(r, 'Condition.subject')).some((p) => p.resourceType === 'Patient' && stringMatch(path(p, 'Patient.name.family'), family)),
    },
    {
      name: 'reverse chained: _has:Observation:subject:code',
      resourceType: 'Patient',
      params: { '_has:Observation:subject:code': `${LOINC}|${BODY_HEIGHT}` },
      matches: (r) =>
        byType('Patient')(r) &&
        all.some((o) => o.resourceType === 'Observation' && tokenMatch(path(o, 'Observation.code'), `${LOINC}|${BODY_HEIGHT}`) && referenceMatch(path(o, 'Observation.subject'), `Patient/${r.id}`)),
    },
    {
      name: '_include: Encounter:participant',
      resourceType: 'Encounter',
      params: { subject: patientRef, _include: 'Encounter:participant' },
      matches: (r) => byType('Encounter')(r) && referenceMatch(path(r, 'Encounter.subject'), patientRef),
      included: (matches) => new Set(matches.flatMap((e) => resolve(loaded, path(e, 'Encounter.participant.individual'))).map((x) => `${x.resourceType}/${x.id}`)),
    },
    {
      name: '_revinclude: Condition:subject',
      resourceType: 'Patient',
      params: { _id: patient.id as string, _revinclude: 'Condition:subject' },
      matches: (r) => byType('Patient')(r) && r.id === patient.id,
      included: () => new Set(all.filter((c) => c.resourceType === 'Condition' && referenceMatch(path(c, 'Condition.subject'), patientRef)).map((c) => `Condition/${c.id}`)),
    },
    {
      name: '_sort on two keys',
      resourceType: 'Patient',
      params: { _sort: 'family,-birthdate', gender: 'male' },
      matches: (r) => byType('Patient')(r) && tokenMatch(path(r, 'Patient.gender'), 'male'),
      ordered: (a, b) => {
        const fa = String((a as Patient).name?.[0]?.family ?? '').toLowerCase();
        const fb = String((b as Patient).name?.[0]?.family ?? '').toLowerCase();
        return fa === fb ? String((b as Patient).birthDate ?? '').localeCompare(String((a as Patient).birthDate ?? '')) : 0;
      },
    },
  ];
  return cases;
}
