import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, startTestHub, type TestHub, type TestTenant } from '../../../test/support/app.js';
import { testEngine } from '../../../test/support/db.js';

describe(`batch and transaction Bundles on ${testEngine}`, () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub();
  });
  afterAll(async () => hub?.close());

  const post = (t: TestTenant, body: unknown) =>
    hub.app.inject({ method: 'POST', url: '/fhir', payload: JSON.stringify(body), headers: { ...t.headers, 'content-type': 'application/fhir+json' } });
  const get = (t: TestTenant, url: string) => hub.app.inject({ method: 'GET', url, headers: t.headers });
  const count = async (t: TestTenant) =>
    Number((await hub.db.query<{ n: number }>('SELECT count(*)::int8 AS n FROM fhir_resource_history WHERE tenant_id = $1', [t.id])).rows[0].n);

  it('resolves urn:uuid references and returns a transaction-response in entry order', async () => {
    const t = await createTestTenant(hub);
    const res = await post(t, {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: 'urn:uuid:11111111-1111-4111-8111-111111111111',
          resource: { resourceType: 'Observation', status: 'final', code: { text: 'bp' }, subject: { reference: 'urn:uuid:22222222-2222-4222-8222-222222222222' } },
          request: { method: 'POST', url: 'Observation' },
        },
        {
          fullUrl: 'urn:uuid:22222222-2222-4222-8222-222222222222',
          resource: { resourceType: 'Patient', name: [{ family: 'Li' }] },
          request: { method: 'POST', url: 'Patient' },
        },
      ],
    });
    expect(res.statusCode).toBe(200);
    const bundle = res.json();
    expect(bundle.type).toBe('transaction-response');
    expect(bundle.entry[0].response.status).toBe('201 Created');
    const patientId = bundle.entry[1].resource.id;
    expect(bundle.entry[0].resource.subject.reference).toBe(`Patient/${patientId}`);
    const obs = (await get(t, `/fhir/Observation/${bundle.entry[0].resource.id}`)).json();
    expect(obs.subject.reference).toBe(`Patient/${patientId}`);
    const stored = await hub.db.query<{ patient_id: string }>('SELECT patient_id FROM fhir_resources WHERE tenant_id = $1 AND resource_type = $2', [t.id, 'Observation']);
    expect(stored.rows[0].patient_id).toBe(patientId);
  });

  it('is all or nothing: one bad entry leaves no trace', async () => {
    const t = await createTestTenant(hub);
    const res = await post(t, {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: { resourceType: 'Patient', name: [{ family: 'Zhao' }] }, request: { method: 'POST', url: 'Patient' } },
        { resource: { resourceType: 'Patient', birthDate: 'invalid' }, request: { method: 'POST', url: 'Patient' } },
      ],
    });
    expect(res.statusCode).toBe(400);
    const outcome = res.json();
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue[0].details.text).toContain('Bundle.entry[1]');
    expect(await count(t)).toBe(0);
  });

  it('resolves conditional references and conditional creates, and 400s an unresolvable one', async () => {
    const t = await createTestTenant(hub);
    await post(t, {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          resource: { resourceType: 'Practitioner', identifier: [{ system: 'http://hl7.org/fhir/sid/us-npi', value: '999' }] },
          request: { method: 'POST', url: 'Practitioner', ifNoneExist: 'identifier=http://hl7.org/fhir/sid/us-npi|999' },
        },
      ],
    });
    const again = await post(t, {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          resource: { resourceType: 'Practitioner', identifier: [{ system: 'http://hl7.org/fhir/sid/us-npi', value: '999' }] },
          request: { method: 'POST', url: 'Practitioner', ifNoneExist: 'identifier=http://hl7.org/fhir/sid/us-npi|999' },
        },
        {
          resource: {
            resourceType: 'Encounter',
            status: 'finished',
            class: { code: 'AMB' },
            participant: [{ individual: { reference: 'Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|999' } }],
          },
          request: { method: 'POST', url: 'Encounter' },
        },
      ],
    });
    expect(again.statusCode).toBe(200);
    const out = again.json();
    expect(out.entry[0].response.status).toBe('200 OK');
    const practitionerId = out.entry[0].resource.id;
    expect(out.entry[1].resource.participant[0].individual.reference).toBe(`Practitioner/${practitionerId}`);
    const search = (await get(t, '/fhir/Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|999')).json();
    expect(search.entry).toHaveLength(1);

    const missing = await post(t, {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          resource: { resourceType: 'Encounter', status: 'finished', class: { code: 'AMB' }, subject: { reference: 'Patient?identifier=nope|nope' } },
          request: { method: 'POST', url: 'Encounter' },
        },
      ],
    });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().issue[0].code).toBe('not-found');
  });

  it('processes DELETE before POST before PUT before GET', async () => {
    const t = await createTestTenant(hub);
    const created = (await post(t, { resourceType: 'Bundle', type: 'transaction', entry: [
      { resource: { resourceType: 'Patient', id: 'p-order' }, request: { method: 'PUT', url: 'Patient/p-order' } },
    ] })).json();
    expect(created.entry[0].response.status).toBe('201 Created');
    const res = await post(t, {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { request: { method: 'GET', url: 'Patient/p-order' } },
        { resource: { resourceType: 'Patient', id: 'p-order', gender: 'female' }, request: { method: 'PUT', url: 'Patient/p-order' } },
        { request: { method: 'DELETE', url: 'Patient/p-order' } },
      ],
    });
    expect(res.statusCode).toBe(200);
    const entries = res.json().entry;
    expect(entries[2].response.status).toBe('204 No Content');
    expect(entries[1].response.status).toBe('201 Created');
    expect(entries[0].resource.gender).toBe('female');
  });

  it('runs batch entries independently and reports each failure', async () => {
    const t = await createTestTenant(hub);
    const res = await post(t, {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { resource: { resourceType: 'Patient', name: [{ family: 'Sun' }] }, request: { method: 'POST', url: 'Patient' } },
        { resource: { resourceType: 'Patient', birthDate: '31.12.1999' }, request: { method: 'POST', url: 'Patient' } },
        { request: { method: 'GET', url: 'Patient/does-not-exist' } },
        { resource: { resourceType: 'Patient' } },
      ],
    });
    expect(res.statusCode).toBe(200);
    const entries = res.json().entry;
    expect(res.json().type).toBe('batch-response');
    expect(entries[0].response.status).toBe('201 Created');
    expect(entries[1].response.status).toBe('400');
    expect(entries[1].response.outcome.resourceType).toBe('OperationOutcome');
    expect(entries[2].response.status).toBe('404');
    expect(entries[3].response.status).toBe('400');
    expect(entries[3].response.outcome.issue[0].expression).toEqual(['Bundle.entry[3].request']);
    expect(await count(t)).toBe(1);
  });

  it.each([
    ['not a Bundle', { resourceType: 'Patient' }],
    ['a searchset Bundle', { resourceType: 'Bundle', type: 'searchset' }],
    ['an entry without request', { resourceType: 'Bundle', type: 'transaction', entry: [{ resource: { resourceType: 'Patient' } }] }],
    ['an entry with an unknown type', { resourceType: 'Bundle', type: 'transaction', entry: [{ resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Nope' } }] }],
    ['a POST without a resource', { resourceType: 'Bundle', type: 'transaction', entry: [{ request: { method: 'POST', url: 'Patient' } }] }],
  ])('refuses %s with an OperationOutcome', async (_name, body) => {
    const t = await createTestTenant(hub);
    const res = await post(t, body);
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
    expect(res.json().resourceType).toBe('OperationOutcome');
    expect(await count(t)).toBe(0);
  });

  it('checks scopes for every entry', async () => {
    const t = await createTestTenant(hub, 'system/Patient.cruds');
    const res = await post(t, {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient' } },
        { resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' } }, request: { method: 'POST', url: 'Observation' } },
      ],
    });
    expect(res.statusCode).toBe(403);
    expect(await count(t)).toBe(0);
  });
});
