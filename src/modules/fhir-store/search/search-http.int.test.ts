import type { Bundle, OperationOutcome, Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, startTestHub, type TestHub, type TestTenant } from '../../../../test/support/app.js';

// End to end through the HTTP API: resources written by the store's create route
// are found by GET /fhir/Patient?…, and bad search input is a 400 OperationOutcome.
let hub: TestHub;
let tenant: TestTenant;

async function create(resource: Patient): Promise<Patient> {
  const res = await hub.app.inject({
    method: 'POST', url: '/fhir/Patient', headers: { ...tenant.headers, 'content-type': 'application/fhir+json' }, payload: resource,
  });
  expect(res.statusCode).toBe(201);
  return res.json() as Patient;
}

beforeAll(async () => {
  hub = await startTestHub();
  tenant = await createTestTenant(hub);
  await create({ resourceType: 'Patient', name: [{ family: '王', given: ['秀英'], text: '王秀英' }], gender: 'female', birthDate: '1968-04-12' });
  await create({ resourceType: 'Patient', name: [{ family: 'Wang', given: ['Xiuying'] }], gender: 'female', birthDate: '1968-04-12' });
  await create({ resourceType: 'Patient', name: [{ family: '李', given: ['伟'] }], gender: 'male', birthDate: '1990' });
});

afterAll(async () => {
  await hub?.close();
});

describe('GET /fhir/[type]?…', () => {
  it('finds what the store wrote, with absolute fullUrls and a self link', async () => {
    const res = await hub.app.inject({ method: 'GET', url: '/fhir/Patient?name=王秀英&gender=female', headers: tenant.headers });
    expect(res.statusCode).toBe(200);
    const bundle = res.json() as Bundle;
    expect(bundle.type).toBe('searchset');
    expect(bundle.entry).toHaveLength(1);
    expect(bundle.entry![0]!.fullUrl).toBe(`http://hub.test/fhir/Patient/${bundle.entry![0]!.resource!.id}`);
    expect(bundle.link![0]).toEqual({ relation: 'self', url: `http://hub.test/fhir/Patient?name=${encodeURIComponent('王秀英')}&gender=female` });
  });

  it('applies date prefixes and _total', async () => {
    const res = await hub.app.inject({ method: 'GET', url: '/fhir/Patient?birthdate=lt1980&_total=accurate', headers: tenant.headers });
    const bundle = res.json() as Bundle;
    expect(bundle.total).toBe(2);
  });

  it('answers a malformed value with a 400 OperationOutcome naming the parameter', async () => {
    const res = await hub.app.inject({ method: 'GET', url: '/fhir/Patient?birthdate=gt1968-13', headers: tenant.headers });
    expect(res.statusCode).toBe(400);
    const outcome = res.json() as OperationOutcome;
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue[0]!.code).toBe('invalid');
    expect(outcome.issue[0]!.expression).toEqual(['birthdate']);
  });

  it('reports an unknown parameter in the Bundle, or rejects it with Prefer: handling=strict', async () => {
    const lenient = await hub.app.inject({ method: 'GET', url: '/fhir/Patient?nickname=x', headers: tenant.headers });
    expect(lenient.statusCode).toBe(200);
    const outcome = (lenient.json() as Bundle).entry!.find((e) => e.search?.mode === 'outcome');
    expect(outcome?.resource?.resourceType).toBe('OperationOutcome');
    const strict = await hub.app.inject({ method: 'GET', url: '/fhir/Patient?nickname=x', headers: { ...tenant.headers, prefer: 'handling=strict' } });
    expect(strict.statusCode).toBe(400);
    expect((strict.json() as OperationOutcome).issue[0]!.code).toBe('not-supported');
  });
});
