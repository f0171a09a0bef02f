import type { Bundle } from '@medplum/fhirtypes';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb } from '../../../../test/support/db.js';
import { HubError } from '../../../platform/errors/index.js';
import type { Db } from '../../../platform/storage/index.js';
import {
  BODY_TEMPERATURE, HEART_RATE, buildObservation, buildPatient, storeForSearch, testContext,
} from './search-fixtures.js';
import { searchResources, type SearchQuery } from './search.service.js';

const OPTIONS = { defaultPageSize: 20, maxPageSize: 100 };
let db: Db;
const tenant = `t-${randomUUID().slice(0, 12)}`;
const other = `t-${randomUUID().slice(0, 12)}`;

async function search(type: string, query: SearchQuery, options: Partial<typeof OPTIONS & { strict: boolean }> = {}): Promise<Bundle> {
  return searchResources(db, testContext(tenant), type, query, { ...OPTIONS, ...options });
}

async function ids(type: string, query: SearchQuery): Promise<string[]> {
  const bundle = await search(type, query);
  return (bundle.entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => e.resource!.id!).sort();
}

async function searchError(type: string, query: SearchQuery, options: Partial<typeof OPTIONS & { strict: boolean }> = {}): Promise<HubError> {
  const err = await search(type, query, options).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(HubError);
  return err as HubError;
}

beforeAll(async () => {
  db = await openTestDb();
  const base = { baseUrl: 'http://hub.test' };
  await storeForSearch(db, tenant, buildPatient('p1', {
    name: [{ family: 'Wang', given: ['Wei'] }, { family: '王', given: ['伟'] }],
    gender: 'male', birthDate: '1980-05-12', active: true,
    identifier: [{ system: 'urn:sys1', value: '111' }],
    address: [{ city: 'Hangzhou' }],
  }));
  await storeForSearch(db, tenant, buildPatient('p2', {
    name: [{ family: 'Wangari', given: ['Ann'] }], gender: 'female', birthDate: '1980', active: false,
    identifier: [{ system: 'urn:sys1', value: '222' }],
  }));
  await storeForSearch(db, tenant, buildPatient('p3', {
    name: [{ family: 'Müller', given: ['Jürgen'] }], gender: 'male', birthDate: '1975-01-01',
    identifier: [{ system: 'urn:sys2', value: '111' }],
  }));
  await storeForSearch(db, tenant, buildPatient('p4', { name: [{ family: 'Wang' }] }), { deleted: true });
  await storeForSearch(db, other, buildPatient('p1', { name: [{ family: 'Wang' }], gender: 'male' }));

  await storeForSearch(db, tenant, buildObservation('o1', 'Patient/p1', HEART_RATE, {
    effectiveDateTime: '2024-03-01T10:00:00Z', valueQuantity: { value: 72, unit: 'beats/min', system: 'http://unitsofmeasure.org', code: '/min' },
  }));
  await storeForSearch(db, tenant, buildObservation('o2', 'Patient/p1', BODY_TEMPERATURE, {
    effectivePeriod: { start: '2024-03-01', end: '2024-03-05' }, valueQuantity: { value: 37.5, unit: '°C', system: 'http://unitsofmeasure.org', code: 'Cel' },
  }));
  await storeForSearch(db, tenant, buildObservation('o3', 'http://hub.test/fhir/Patient/p2', HEART_RATE, {
    effectiveDateTime: '2023-12-31', valueQuantity: { value: 90, unit: 'beats/min', system: 'http://unitsofmeasure.org', code: '/min' },
  }), base);
  await storeForSearch(db, tenant, buildObservation('o4', 'http://other.example/fhir/Patient/p1', HEART_RATE));
});

afterAll(async () => {
  await db.close();
});

describe('string search', () => {
  it('matches the start of any name part, case- and accent-insensitively', async () => {
    expect(await ids('Patient', { family: 'wang' })).toEqual(['p1', 'p2']);
    expect(await ids('Patient', { family: 'WÁNG' })).toEqual(['p1', 'p2']);
    expect(await ids('Patient', { name: 'mull' })).toEqual(['p3']);
    expect(await ids('Patient', { name: '王伟' })).toEqual(['p1']);
  });

  it('supports :exact and :contains', async () => {
    expect(await ids('Patient', { 'family:exact': 'Wang' })).toEqual(['p1']);
    expect(await ids('Patient', { 'family:exact': 'wang' })).toEqual([]);
    expect(await ids('Patient', { 'family:contains': 'ANG' })).toEqual(['p1', 'p2']);
    expect(await ids('Patient', { 'family:contains': '%' })).toEqual([]);
  });

  it('ORs comma-separated values and ANDs repeated parameters', async () => {
    expect(await ids('Patient', { family: 'wangari,muller' })).toEqual(['p2', 'p3']);
    expect(await ids('Patient', { family: 'wang', given: 'ann' })).toEqual(['p2']);
    expect(await ids('Patient', { family: ['wang', 'wangar'] })).toEqual(['p2']);
  });

  it('never returns deleted resources or other tenants', async () => {
    const bundle = await search('Patient', { family: 'wang' });
    expect(bundle.entry!.map((e) => e.resource!.id).sort()).toEqual(['p1', 'p2']);
    const otherBundle = await searchResources(db, testContext(other), 'Patient', { family: 'wang' }, OPTIONS);
    expect(otherBundle.entry!.map((e) => e.fullUrl)).toEqual(['http://hub.test/fhir/Patient/p1']);
    expect((otherBundle.entry![0]!.resource as { gender?: string }).gender).toBe('male');
  });
});

describe('token search', () => {
  it('matches code, system|code, |code and system|', async () => {
    expect(await ids('Patient', { identifier: 'urn:sys1|111' })).toEqual(['p1']);
    expect(await ids('Patient', { identifier: '111' })).toEqual(['p1', 'p3']);
    expect(await ids('Patient', { identifier: '|111' })).toEqual([]);
    expect(await ids('Patient', { gender: '|male' })).toEqual(['p1', 'p3']);
    expect(await ids('Patient', { identifier: 'urn:sys1|' })).toEqual(['p1', 'p2']);
    expect(await ids('Patient', { active: 'true' })).toEqual(['p1']);
  });

  it('supports :not (including resources without the element) and :missing', async () => {
    expect(await ids('Patient', { 'active:not': 'true' })).toEqual(['p2', 'p3']);
    expect(await ids('Patient', { 'identifier:not': 'urn:sys1|111' })).toEqual(['p2', 'p3']);
    expect(await ids('Patient', { 'active:missing': 'true' })).toEqual(['p3']);
    expect(await ids('Patient', { 'active:missing': 'false' })).toEqual(['p1', 'p2']);
  });

  it('supports :text on the display', async () => {
    expect(await ids('Observation', { 'code:text': 'heart' })).toEqual(['o1', 'o3', 'o4']);
    expect(await ids('Observation', { 'code:text': 'temperature' })).toEqual(['o2']);
  });

  it('supports _id', async () => {
    expect(await ids('Patient', { _id: 'p1,p3,p4' })).toEqual(['p1', 'p3']);
  });
});

describe('reference search', () => {
  it('matches Type/id, plain id, :Type and absolute URLs of this hub', async () => {
    expect(await ids('Observation', { subject: 'Patient/p1' })).toEqual(['o1', 'o2']);
    expect(await ids('Observation', { subject: 'p1' })).toEqual(['o1', 'o2']);
    expect(await ids('Observation', { 'subject:Patient': 'p1' })).toEqual(['o1', 'o2']);
    expect(await ids('Observation', { subject: 'http://hub.test/fhir/Patient/p1' })).toEqual(['o1', 'o2']);
    expect(await ids('Observation', { subject: 'Patient/p2' })).toEqual(['o3']);
    expect(await ids('Observation', { patient: 'p2' })).toEqual(['o3']);
  });

  it('keeps external references as sent', async () => {
    expect(await ids('Observation', { subject: 'http://other.example/fhir/Patient/p1' })).toEqual(['o4']);
  });

  it('rejects a :Type that is not a target and a malformed reference', async () => {
    const e1 = await searchError('Observation', { 'subject:Medication': 'x' });
    expect(e1.status).toBe(400);
    expect(e1.expression).toEqual(['subject:Medication']);
    expect((await searchError('Observation', { subject: 'not a ref' })).status).toBe(400);
  });
});

describe('date search', () => {
  it.each([
    ['1980', ['p1', 'p2']],
    ['1980-05', ['p1']],
    ['eq1980-05-12', ['p1']],
    ['ne1980', ['p3']],
    ['lt1980', ['p3']],
    ['gt1980-06', ['p2']],
    ['ge1980-05-01', ['p1', 'p2']],
    ['le1980-05-31', ['p1', 'p2', 'p3']],
    ['sa1979', ['p1', 'p2']],
    ['eb1980', ['p3']],
    ['ap1980-05-12', ['p1', 'p2']],
    ['1975,1980-05-12', ['p1', 'p3']],
  ])('birthdate=%s', async (value, expected) => {
    expect(await ids('Patient', { birthdate: value })).toEqual(expected);
  });

  it('uses range semantics for Periods', async () => {
    expect(await ids('Observation', { date: '2024-03-03' })).toEqual([]);
    expect(await ids('Observation', { date: '2024-03' })).toEqual(['o1', 'o2']);
    expect(await ids('Observation', { date: 'ge2024-03-03' })).toEqual(['o2']);
    expect(await ids('Observation', { date: 'lt2024' })).toEqual(['o3']);
  });

  it('combines subject, code and date', async () => {
    expect(await ids('Observation', { subject: 'Patient/p1', code: 'http://loinc.org|8867-4', date: 'ge2024-01-01' })).toEqual(['o1']);
  });

  it('filters on _lastUpdated', async () => {
    expect(await ids('Patient', { _lastUpdated: 'gt2000-01-01' })).toEqual(['p1', 'p2', 'p3']);
    expect(await ids('Patient', { _lastUpdated: 'lt2000-01-01' })).toEqual([]);
  });

  it.each(['1980-13', 'xx1980', 'yesterday', '1980-01-01T10'])('rejects birthdate=%s with a 400 naming the parameter', async (value) => {
    const err = await searchError('Patient', { birthdate: value });
    expect(err.status).toBe(400);
    expect(err.code).toBe('SEARCH_INVALID_VALUE');
    expect(err.expression).toEqual(['birthdate']);
  });
});

describe('quantity search', () => {
  it('compares values with prefixes and units', async () => {
    expect(await ids('Observation', { 'value-quantity': 'gt80' })).toEqual(['o3']);
    expect(await ids('Observation', { 'value-quantity': '72' })).toEqual(['o1']);
    expect(await ids('Observation', { 'value-quantity': 'le72' })).toEqual(['o1', 'o2']);
    expect(await ids('Observation', { 'value-quantity': '37.5|http://unitsofmeasure.org|Cel' })).toEqual(['o2']);
    expect(await ids('Observation', { 'value-quantity': '72|http://unitsofmeasure.org|Cel' })).toEqual([]);
    expect(await ids('Observation', { 'value-quantity': 'ap80||/min' })).toEqual(['o1']);
    expect(await ids('Observation', { 'value-quantity': 'ap85||beats/min' })).toEqual(['o3']);
    expect(await ids('Observation', { 'value-quantity': 'lt1e2' })).toEqual(['o1', 'o2', 'o3']);
  });

  it.each(['abc', 'gt', 'zz5', '5|x'])('rejects value-quantity=%s', async (value) => {
    const err = await searchError('Observation', { 'value-quantity': value });
    expect(err.status).toBe(400);
    expect(err.expression).toEqual(['value-quantity']);
  });
});

describe('uri and number search', () => {
  beforeAll(async () => {
    await storeForSearch(db, tenant, { resourceType: 'ValueSet', id: 'vs1', status: 'active', url: 'http://acme.org/fhir/ValueSet/123' });
    await storeForSearch(db, tenant, { resourceType: 'RiskAssessment', id: 'ra1', status: 'final', subject: { reference: 'Patient/p1' }, prediction: [{ probabilityDecimal: 0.8 }] });
    await storeForSearch(db, tenant, { resourceType: 'RiskAssessment', id: 'ra2', status: 'final', subject: { reference: 'Patient/p2' }, prediction: [{ probabilityRange: { low: { value: 0.1 }, high: { value: 0.3 } } }] });
  });

  it('matches uri equality, :below and :above', async () => {
    expect(await ids('ValueSet', { url: 'http://acme.org/fhir/ValueSet/123' })).toEqual(['vs1']);
    expect(await ids('ValueSet', { url: 'http://acme.org/fhir/ValueSet/12' })).toEqual([]);
    expect(await ids('ValueSet', { 'url:below': 'http://acme.org/fhir' })).toEqual(['vs1']);
    expect(await ids('ValueSet', { 'url:above': 'http://acme.org/fhir/ValueSet/123/_history/5' })).toEqual(['vs1']);
    expect(await ids('ValueSet', { 'url:above': 'http://acme.org/fhir' })).toEqual([]);
  });

  it('compares numbers and ranges with prefixes and precision', async () => {
    expect(await ids('RiskAssessment', { probability: '0.8' })).toEqual(['ra1']);
    expect(await ids('RiskAssessment', { probability: 'gt0.5' })).toEqual(['ra1']);
    expect(await ids('RiskAssessment', { probability: 'lt0.2' })).toEqual(['ra2']);
    expect(await ids('RiskAssessment', { probability: 'ge0.3' })).toEqual(['ra1', 'ra2']);
    expect(await ids('RiskAssessment', { probability: '1' })).toEqual(['ra1']);
    expect((await searchError('RiskAssessment', { probability: 'gt.5' })).expression).toEqual(['probability']);
  });
});
