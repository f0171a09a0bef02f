import type { Bundle, OperationOutcome, Resource } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, startTestHub, type TestHub, type TestTenant } from '../../../test/support/app.js';

// Patient/[id]/$everything and compartment search (Patient/[id]/[type]) over HTTP.
let hub: TestHub;
let tenant: TestTenant;
let other: TestTenant;

async function put(t: TestTenant, resource: Resource): Promise<void> {
  const res = await hub.app.inject({
    method: 'PUT', url: `/fhir/${resource.resourceType}/${resource.id}`,
    headers: { ...t.headers, 'content-type': 'application/fhir+json' }, payload: resource,
  });
  expect(res.statusCode, res.body).toBeLessThan(300);
}

async function get(url: string, t: TestTenant = tenant, headers: Record<string, string> = {}): Promise<{ status: number; body: Bundle & Pick<OperationOutcome, 'issue'> }> {
  const res = await hub.app.inject({ method: 'GET', url, headers: { ...t.headers, ...headers } });
  return { status: res.statusCode, body: res.json() };
}

async function tokenFor(tenantId: string, scope: string): Promise<TestTenant> {
  const issued = await hub.deps.tokens.mint({ tenantId, actor: { kind: 'system', id: `client-${tenantId}-limited` }, scope });
  return { id: tenantId, token: issued.access_token, headers: { authorization: `Bearer ${issued.access_token}` } };
}

const keys = (bundle: Bundle): string[] => (bundle.entry ?? []).map((e) => `${e.resource!.resourceType}/${e.resource!.id}`);

let beforeSecondBatch = '';

beforeAll(async () => {
  hub = await startTestHub();
  tenant = await createTestTenant(hub);
  other = await createTestTenant(hub);
  await put(tenant, { resourceType: 'Organization', id: 'org1', name: 'County Hospital' });
  await put(tenant, { resourceType: 'Practitioner', id: 'dr1', name: [{ family: 'Li' }] });
  await put(tenant, { resourceType: 'Location', id: 'loc1', name: 'Ward 3' });
  await put(tenant, { resourceType: 'Patient', id: 'p1', name: [{ family: 'Wang' }], managingOrganization: { reference: 'Organization/org1' } });
  await put(tenant, { resourceType: 'Patient', id: 'p2', name: [{ family: 'Zhao' }] });
  await put(tenant, { resourceType: 'Encounter', id: 'e1', status: 'finished', class: { code: 'AMB' }, subject: { reference: 'Patient/p1' },
    participant: [{ individual: { reference: 'Practitioner/dr1' } }], location: [{ location: { reference: 'Location/loc1' } }] });
  await put(tenant, { resourceType: 'Observation', id: 'o1', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] }, subject: { reference: 'Patient/p1' } });
  await put(tenant, { resourceType: 'Observation', id: 'o2', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '8310-5' }] }, subject: { reference: 'Patient/p2' } });
  await new Promise((r) => setTimeout(r, 20));
  beforeSecondBatch = new Date().toISOString();
  await new Promise((r) => setTimeout(r, 20));
  await put(tenant, { resourceType: 'Condition', id: 'c1', subject: { reference: 'Patient/p1' }, code: { text: 'hypertension' } });
  await put(tenant, { resourceType: 'Observation', id: 'o3', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '8310-5' }] }, subject: { reference: 'Patient/p1' } });
  // Another institution's record with the same ids must never show.
  await put(other, { resourceType: 'Patient', id: 'p1', name: [{ family: 'Other' }] });
  await put(other, { resourceType: 'Observation', id: 'ox', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient/p1' } });
});

afterAll(async () => {
  await hub?.close();
});

describe('GET /fhir/Patient/[id]/$everything', () => {
  it('returns the patient first, the compartment, and the directory resources they refer to', async () => {
    const { status, body } = await get('/fhir/Patient/p1/$everything');
    expect(status).toBe(200);
    expect(body.type).toBe('searchset');
    expect(keys(body)[0]).toBe('Patient/p1');
    expect(keys(body).sort()).toEqual([
      'Condition/c1', 'Encounter/e1', 'Location/loc1', 'Observation/o1', 'Observation/o3', 'Organization/org1', 'Patient/p1', 'Practitioner/dr1',
    ]);
    expect(body.total).toBe(8);
  });

  it('pages with _count and next links until the end', async () => {
    const seen: string[] = [];
    let url: string | undefined = '/fhir/Patient/p1/$everything?_count=3';
    let pages = 0;
    while (url && pages < 10) {
      const { body } = await get(url.replace('http://hub.test', ''));
      seen.push(...keys(body));
      url = body.link?.find((l) => l.relation === 'next')?.url;
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen).toHaveLength(8);
    expect(new Set(seen).size).toBe(8);
  });

  it('filters by _type and _since', async () => {
    expect(keys((await get('/fhir/Patient/p1/$everything?_type=Observation,Condition')).body).sort()).toEqual(['Condition/c1', 'Observation/o1', 'Observation/o3']);
    const since = (await get(`/fhir/Patient/p1/$everything?_since=${encodeURIComponent(beforeSecondBatch)}`)).body;
    expect(keys(since).sort()).toEqual(['Condition/c1', 'Observation/o3']);
  });

  it('leaves out types the token may not read', async () => {
    const limited = await tokenFor(tenant.id, 'system/Patient.rs system/Observation.rs');
    const { status, body } = await get('/fhir/Patient/p1/$everything', limited);
    expect(status).toBe(200);
    expect(keys(body).sort()).toEqual(['Observation/o1', 'Observation/o3', 'Patient/p1']);
    const noPatient = await tokenFor(tenant.id, 'system/Observation.rs');
    expect((await get('/fhir/Patient/p1/$everything', noPatient)).status).toBe(403);
  });

  it('answers 404 for an unknown patient and 400 for bad parameters', async () => {
    expect((await get('/fhir/Patient/nobody/$everything')).status).toBe(404);
    for (const query of ['_since=yesterday', '_type=Nothing', '_count=-1', '_count=1&_count=2']) {
      const { status, body } = await get(`/fhir/Patient/p1/$everything?${query}`);
      expect(status, query).toBe(400);
      expect(body.resourceType).toBe('OperationOutcome');
      expect(body.issue[0]!.expression![0]).toBe(query.slice(0, query.indexOf('=')));
    }
  });
});

describe('GET /fhir/Patient/[id]/[type] (compartment search)', () => {
  it('finds only the resources in that patient\'s compartment, with other parameters ANDed', async () => {
    const all = (await get('/fhir/Patient/p1/Observation')).body;
    expect(keys(all).sort()).toEqual(['Observation/o1', 'Observation/o3']);
    expect(all.link![0]!.url).toBe('http://hub.test/fhir/Patient/p1/Observation');
    const coded = (await get('/fhir/Patient/p1/Observation?code=8310-5')).body;
    expect(keys(coded)).toEqual(['Observation/o3']);
    expect(coded.link![0]!.url).toBe('http://hub.test/fhir/Patient/p1/Observation?code=8310-5');
    expect(keys((await get('/fhir/Patient/p2/Observation')).body)).toEqual(['Observation/o2']);
    expect(keys((await get('/fhir/Patient/p1/Observation', other)).body)).toEqual(['Observation/ox']);
  });

  it('rejects a type outside the compartment, another compartment, and an unknown type', async () => {
    const outside = await get('/fhir/Patient/p1/Organization');
    expect(outside.status).toBe(400);
    expect(outside.body.issue[0]!.code).toBe('invalid');
    const encounter = await get('/fhir/Encounter/e1/Observation');
    expect(encounter.status).toBe(400);
    expect(encounter.body.issue[0]!.code).toBe('not-supported');
    expect((await get('/fhir/Patient/p1/Nothing')).status).toBe(404);
  });
});

describe('search result shaping over HTTP', () => {
  it('POST _search with a form body gives the same bundle as GET', async () => {
    const res = await hub.app.inject({
      method: 'POST', url: '/fhir/Observation/_search', payload: 'subject=Patient/p1&code=8310-5',
      headers: { ...tenant.headers, 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.statusCode).toBe(200);
    expect(keys(res.json() as Bundle)).toEqual(['Observation/o3']);
  });

  it('POST _search with a JSON body is a 400', async () => {
    const res = await hub.app.inject({
      method: 'POST', url: '/fhir/Observation/_search', payload: { subject: 'Patient/p1' },
      headers: { ...tenant.headers, 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(400);
    expect((res.json() as OperationOutcome).resourceType).toBe('OperationOutcome');
  });

  it('a chain or _has into a type the token may not search is a 403', async () => {
    const scoped = await tokenFor(tenant.id, 'system/Observation.rs');
    expect((await get('/fhir/Observation?subject:Patient.name=wang', scoped)).status).toBe(403);
    expect((await get('/fhir/Observation?code=8310-5', scoped)).status).toBe(200);
    const patients = await tokenFor(tenant.id, 'system/Patient.rs');
    expect((await get('/fhir/Patient?_has:Observation:patient:code=8310-5', patients)).status).toBe(403);
  });

  it('_summary=count, _summary=true and _elements', async () => {
    expect((await get('/fhir/Observation?subject=Patient/p1&_summary=count')).body.total).toBe(2);
    const summary = (await get('/fhir/Patient?_id=p1&_summary=true')).body;
    expect(summary.entry![0]!.resource!.meta!.tag).toContainEqual(expect.objectContaining({ code: 'SUBSETTED' }));
    const elements = (await get('/fhir/Patient?_id=p1&_elements=name')).body;
    expect(Object.keys(elements.entry![0]!.resource!).sort()).toEqual(['id', 'meta', 'name', 'resourceType']);
    expect(elements.link![0]!.url).toContain('_elements=name');
  });

  it('_include and _revinclude in one request, included types filtered by the token scopes', async () => {
    const url = '/fhir/Encounter?_id=e1&_include=Encounter:practitioner&_include=Encounter:subject&_revinclude=Observation:encounter';
    const included = (bundle: Bundle): string[] => (bundle.entry ?? []).filter((e) => e.search?.mode === 'include').map((e) => `${e.resource!.resourceType}/${e.resource!.id}`).sort();
    expect(included((await get(url)).body)).toEqual(['Patient/p1', 'Practitioner/dr1']);
    const scoped = await tokenFor(tenant.id, 'system/Encounter.rs system/Patient.r');
    expect(included((await get(url, scoped)).body)).toEqual(['Patient/p1']);
  });
});
