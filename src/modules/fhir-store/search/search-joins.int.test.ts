import type { Bundle, Encounter, Organization, Practitioner, Provenance, Resource } from '@medplum/fhirtypes';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb } from '../../../../test/support/db.js';
import { HubError } from '../../../platform/errors/index.js';
import type { Db } from '../../../platform/storage/index.js';
import { BODY_TEMPERATURE, HEART_RATE, buildObservation, buildPatient, storeForSearch, testContext } from './search-fixtures.js';
import { searchResources, type SearchOptions, type SearchQuery } from './search.service.js';

// Chaining, reverse chaining, _include/_revinclude, composite parameters and the
// reference :identifier / identifier :of-type modifiers, on a small graph:
//   org1 (Hangzhou General) <- pr1 (Dr Li), org2 <- pr2 (Dr Zhao)
//   p1 (Wang, MR 111, GP pr1, org1), p2 (Wangari, org2), p3 (Müller)
//   o1 HR p1 by pr1; o2 temp p1; o3 HR p2 by pr2; e1 p1 at pr1; prov1 -> o1
const OPTIONS = { defaultPageSize: 20, maxPageSize: 100 };
let db: Db;
const tenant = `t-${randomUUID().slice(0, 12)}`;
const other = `t-${randomUUID().slice(0, 12)}`;
const MR = { system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' };

async function search(type: string, query: SearchQuery, options: Partial<SearchOptions> = {}): Promise<Bundle> {
  return searchResources(db, testContext(tenant), type, query, { ...OPTIONS, ...options });
}

function idsOf(bundle: Bundle, mode: 'match' | 'include'): string[] {
  return (bundle.entry ?? []).filter((e) => e.search?.mode === mode).map((e) => `${e.resource!.resourceType}/${e.resource!.id}`).sort();
}

async function ids(type: string, query: SearchQuery): Promise<string[]> {
  return idsOf(await search(type, query), 'match').map((k) => k.slice(k.indexOf('/') + 1));
}

async function searchError(type: string, query: SearchQuery, options: Partial<SearchOptions> = {}): Promise<HubError> {
  const err = await search(type, query, options).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(HubError);
  return err as HubError;
}

beforeAll(async () => {
  db = await openTestDb();
  const store = (r: Resource): Promise<void> => storeForSearch(db, tenant, r);
  await store({ resourceType: 'Organization', id: 'org1', name: 'Hangzhou General' } satisfies Organization);
  await store({ resourceType: 'Organization', id: 'org2', name: 'Ningbo Clinic' } satisfies Organization);
  await store({ resourceType: 'Practitioner', id: 'pr1', name: [{ family: 'Li' }] } satisfies Practitioner);
  await store({ resourceType: 'Practitioner', id: 'pr2', name: [{ family: 'Zhao' }] } satisfies Practitioner);
  await store(buildPatient('p1', {
    name: [{ family: 'Wang' }], identifier: [{ type: { coding: [MR] }, system: 'urn:h1', value: '111' }],
    generalPractitioner: [{ reference: 'Practitioner/pr1' }], managingOrganization: { reference: 'Organization/org1' },
  }));
  await store(buildPatient('p2', {
    name: [{ family: 'Wangari' }], identifier: [{ system: 'urn:h1', value: '222' }],
    managingOrganization: { reference: 'Organization/org2', identifier: { system: 'urn:org', value: 'NB-1' } },
  }));
  await store(buildPatient('p4', { meta: {
    tag: [{ system: 'urn:tags', code: 'vip' }], security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R' }],
    profile: ['http://hl7.org/fhir/StructureDefinition/Patient'], source: 'urn:his:county-1',
  } }));
  await store(buildPatient('p3', { name: [{ family: 'Müller' }], managingOrganization: { reference: 'http://elsewhere.example/Organization/org1' } }));
  await store(buildObservation('o1', 'Patient/p1', HEART_RATE, {
    performer: [{ reference: 'Practitioner/pr1' }], valueQuantity: { value: 72, system: 'http://unitsofmeasure.org', code: '/min' },
  }));
  await store(buildObservation('o2', 'Patient/p1', BODY_TEMPERATURE, { valueQuantity: { value: 72, system: 'http://unitsofmeasure.org', code: 'Cel' } }));
  await store(buildObservation('o3', 'Patient/p2', HEART_RATE, {
    performer: [{ reference: 'Practitioner/pr2' }], valueQuantity: { value: 110, system: 'http://unitsofmeasure.org', code: '/min' },
  }));
  await store({ resourceType: 'Encounter', id: 'e1', status: 'finished', class: { code: 'AMB' }, subject: { reference: 'Patient/p1' },
    participant: [{ individual: { reference: 'Practitioner/pr1' } }] } satisfies Encounter);
  // Another institution with the same ids and values: ORed alternatives must not leak across tenants.
  await storeForSearch(db, other, buildPatient('p1', { identifier: [{ system: 'urn:h1', value: '111' }] }));
  await storeForSearch(db, other, buildObservation('o1', 'Patient/p1', HEART_RATE, { valueQuantity: { value: 110, system: 'http://unitsofmeasure.org', code: '/min' } }));
  await store({ resourceType: 'Provenance', id: 'prov1', target: [{ reference: 'Observation/o1' }], recorded: '2024-01-01T00:00:00Z',
    agent: [{ who: { reference: 'Practitioner/pr1' } }] } satisfies Provenance);
});

afterAll(async () => {
  await db.close();
});

describe('chaining', () => {
  it('follows a typed chain to the target\'s index', async () => {
    expect(await ids('Observation', { 'subject:Patient.name': 'wang' })).toEqual(['o1', 'o2', 'o3']);
    expect(await ids('Observation', { 'subject:Patient.identifier': 'urn:h1|111' })).toEqual(['o1', 'o2']);
    expect(await ids('Observation', { 'patient.identifier': 'urn:h1|222' })).toEqual(['o3']);
  });

  it('searches every target type that has the parameter when no type is given', async () => {
    // subject can be a Patient, Group, Device or Location: only Patient has "identifier" = urn:h1|111 here.
    expect(await ids('Observation', { 'subject.identifier': 'urn:h1|111' })).toEqual(['o1', 'o2']);
  });

  it('chains several levels', async () => {
    expect(await ids('Observation', { 'subject:Patient.organization.name': 'hangzhou' })).toEqual(['o1', 'o2']);
    expect(await ids('Observation', { 'subject:Patient.organization.name': 'ningbo' })).toEqual(['o3']);
    expect(await ids('Observation', { 'subject:Patient.organization._id': 'org1' })).toEqual(['o1', 'o2']);
  });

  it('does not follow external references of the same shape', async () => {
    // p3's organization is http://elsewhere.example/Organization/org1: not a local reference.
    expect(await ids('Patient', { 'organization.name': 'hangzhou' })).toEqual(['p1']);
  });

  it('ANDs a chain with other parameters', async () => {
    expect(await ids('Observation', { 'subject:Patient.name': 'wang', code: 'http://loinc.org|8867-4' })).toEqual(['o1', 'o3']);
  });

  it('rejects a chain through a non-reference parameter or a wrong type', async () => {
    expect((await searchError('Observation', { 'code.name': 'x' })).code).toBe('SEARCH_INVALID_VALUE');
    expect((await searchError('Observation', { 'subject:Practitioner.name': 'x' })).code).toBe('SEARCH_INVALID_VALUE');
    expect((await searchError('Observation', { 'subject:Patient.birthdate': 'notadate' })).code).toBe('SEARCH_INVALID_VALUE');
  });

  it('reports an unknown chained parameter, or rejects it under strict handling', async () => {
    const bundle = await search('Observation', { 'subject:Patient.nickname': 'x' });
    expect(idsOf(bundle, 'match')).toHaveLength(3);
    expect(bundle.entry!.some((e) => e.search?.mode === 'outcome')).toBe(true);
    expect((await searchError('Observation', { 'subject:Patient.nickname': 'x' }, { strict: true })).code).toBe('SEARCH_UNKNOWN_PARAMETER');
  });
});

describe('reverse chaining (_has)', () => {
  it('finds resources referred to by matching resources', async () => {
    expect(await ids('Patient', { '_has:Observation:patient:code': '8310-5' })).toEqual(['p1']);
    expect(await ids('Patient', { '_has:Observation:subject:code': '8867-4' })).toEqual(['p1', 'p2']);
    expect(await ids('Practitioner', { '_has:Observation:performer:value-quantity': 'gt100' })).toEqual(['pr2']);
  });

  it('nests _has and combines it with chains', async () => {
    // Patients with an Observation that has a Provenance recorded by Dr Li.
    expect(await ids('Patient', { '_has:Observation:patient:_has:Provenance:target:agent': 'Practitioner/pr1' })).toEqual(['p1']);
    expect(await ids('Organization', { '_has:Patient:organization:_has:Observation:patient:performer.name': 'zhao' })).toEqual(['org2']);
  });

  it('rejects malformed _has', async () => {
    expect((await searchError('Patient', { '_has:Observation:code': 'x' })).code).toBe('SEARCH_INVALID_VALUE');
    expect((await searchError('Patient', { '_has:Observation:code:status': 'final' })).code).toBe('SEARCH_INVALID_VALUE');
    expect((await searchError('Patient', { '_has:Nothing:patient:code': 'x' })).code).toBe('SEARCH_INVALID_VALUE');
    // Observation.performer cannot point at an Encounter.
    expect((await searchError('Encounter', { '_has:Observation:performer:code': 'x' })).code).toBe('SEARCH_INVALID_VALUE');
  });
});

describe('_include and _revinclude', () => {
  it('adds referenced resources with search.mode include', async () => {
    const bundle = await search('Observation', { code: '8867-4', _include: 'Observation:performer' });
    expect(idsOf(bundle, 'match')).toEqual(['Observation/o1', 'Observation/o3']);
    expect(idsOf(bundle, 'include')).toEqual(['Practitioner/pr1', 'Practitioner/pr2']);
    expect(bundle.link![0]!.url).toContain('_include=Observation%3Aperformer');
  });

  it('restricts to a target type, or follows every reference with *', async () => {
    const typed = await search('Observation', { _id: 'o1', _include: 'Observation:subject:Patient' });
    expect(idsOf(typed, 'include')).toEqual(['Patient/p1']);
    const wrongType = await search('Observation', { _id: 'o1', _include: 'Observation:performer:Organization' });
    expect(idsOf(wrongType, 'include')).toEqual([]);
    const all = await search('Observation', { _id: 'o1', _include: '*' });
    expect(idsOf(all, 'include')).toEqual(['Patient/p1', 'Practitioner/pr1']);
  });

  it('iterates over included resources only with :iterate', async () => {
    const once = await search('Observation', { _id: 'o1', _include: 'Observation:subject' });
    expect(idsOf(once, 'include')).toEqual(['Patient/p1']);
    const iterated = await search('Observation', { _id: 'o1', _include: 'Observation:subject', '_include:iterate': 'Patient:organization' });
    expect(idsOf(iterated, 'include')).toEqual(['Organization/org1', 'Patient/p1']);
  });

  it('adds referring resources with _revinclude, and iterates', async () => {
    const rev = await search('Patient', { _id: 'p1', _revinclude: 'Observation:subject' });
    expect(idsOf(rev, 'include')).toEqual(['Observation/o1', 'Observation/o2']);
    const deeper = await search('Patient', { _id: 'p1', _revinclude: 'Observation:subject', '_revinclude:iterate': 'Provenance:target' });
    expect(idsOf(deeper, 'include')).toEqual(['Observation/o1', 'Observation/o2', 'Provenance/prov1']);
  });

  it('never repeats a match as an included resource', async () => {
    const bundle = await search('Practitioner', { _revinclude: 'Observation:performer', '_include:iterate': 'Observation:performer' });
    expect(idsOf(bundle, 'match')).toEqual(['Practitioner/pr1', 'Practitioner/pr2']);
    expect(idsOf(bundle, 'include')).toEqual(['Observation/o1', 'Observation/o3']);
  });

  it('leaves out types the caller may not read', async () => {
    const bundle = await search('Observation', { _id: 'o1', _include: '*' }, { canRead: (t) => t !== 'Practitioner' });
    expect(idsOf(bundle, 'include')).toEqual(['Patient/p1']);
  });

  it('rejects malformed include values', async () => {
    for (const value of ['Observation', 'Observation:code', 'Observation:nothing', 'Nothing:subject', 'Patient:organization', 'Observation:performer:Medication']) {
      const err = await searchError('Observation', { _include: value }).catch((e: unknown) => { throw new Error(`${value}: ${String(e)}`); });
      expect(err.code).toBe('SEARCH_INVALID_VALUE');
      expect(err.expression).toEqual(['_include']);
    }
    expect((await searchError('Patient', { _revinclude: '*' })).code).toBe('SEARCH_INVALID_VALUE');
    expect((await searchError('Patient', { _revinclude: 'Observation:performer:Organization' })).code).toBe('SEARCH_INVALID_VALUE');
  });
});

describe('composite parameters', () => {
  it('matches code and value on the same Observation', async () => {
    expect(await ids('Observation', { 'code-value-quantity': 'http://loinc.org|8867-4$gt100' })).toEqual(['o3']);
    expect(await ids('Observation', { 'code-value-quantity': '8867-4$72' })).toEqual(['o1']);
    // o2 has value 72 but another code.
    expect(await ids('Observation', { 'code-value-quantity': '8310-5$72,8867-4$110' })).toEqual(['o2', 'o3']);
  });

  it('rejects a composite value without every component', async () => {
    expect((await searchError('Observation', { 'code-value-quantity': '8867-4' })).code).toBe('SEARCH_INVALID_VALUE');
    expect((await searchError('Observation', { 'code-value-quantity': '8867-4$abc' })).code).toBe('SEARCH_INVALID_VALUE');
  });

  it('reports composites over repeating elements as not supported', async () => {
    expect((await searchError('Observation', { 'component-code-value-quantity': '8480-6$gt100' }, { strict: true })).code).toBe('SEARCH_UNSUPPORTED');
  });
});

describe(':identifier and :of-type', () => {
  it('matches a reference by its identifier', async () => {
    expect(await ids('Patient', { 'organization:identifier': 'urn:org|NB-1' })).toEqual(['p2']);
    expect(await ids('Patient', { 'organization:identifier': 'NB-2' })).toEqual([]);
  });

  it('matches an identifier by its type and value', async () => {
    expect(await ids('Patient', { 'identifier:of-type': `${MR.system}|MR|111` })).toEqual(['p1']);
    expect(await ids('Patient', { 'identifier:of-type': `${MR.system}|MR|222` })).toEqual([]);
    expect((await searchError('Patient', { 'identifier:of-type': 'MR|111' })).code).toBe('SEARCH_INVALID_VALUE');
  });
});

describe('_tag, _profile, _security, _source', () => {
  it('searches the meta elements of any type', async () => {
    expect(await ids('Patient', { _tag: 'urn:tags|vip' })).toEqual(['p4']);
    expect(await ids('Patient', { '_tag:not': 'vip' })).toEqual(['p1', 'p2', 'p3']);
    expect(await ids('Patient', { _security: 'R' })).toEqual(['p4']);
    expect(await ids('Patient', { _profile: 'http://hl7.org/fhir/StructureDefinition/Patient' })).toEqual(['p4']);
    expect(await ids('Patient', { '_source:below': 'urn:his:' })).toEqual(['p4']);
    expect(await ids('Observation', { _tag: 'vip' })).toEqual([]);
  });
});
