import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../../../test/support/app.js';
import { buildRegion, userToken, type Region } from '../../../test/support/region-fixtures.js';
import { indexPatient } from '../identity/index.js';

let hub: TestHub;
let region: Region;
beforeAll(async () => {
  hub = await startTestHub();
  region = await buildRegion(hub);
});
afterAll(async () => {
  await hub.close();
});

describe('patient-facing consent API', () => {
  it('a patient sign-in grants, sees and withdraws consents for all their records', async () => {
    // The person's records at A and B as the regional index links them (by their valid resident id). Without
    // this, on a shared PostgreSQL another test process's identity consumer could have indexed A and not yet
    // B, and B's record was then not found as the same person's (neither indexed: the resident-id fallback
    // finds both).
    await hub.db.transaction(async (tx) => {
      for (const [tenantId, patientId] of [[region.a.id, region.patientA], [region.b.id, region.patientB]] as const) {
        await indexPatient(tx, { tenantId, patientId }, { baseUrl: hub.deps.config.baseUrl, requestId: 'test-region-index' });
      }
    });
    const me = await userToken(hub, region.a.id, ['patient'], { patient: { tenantId: region.a.id, id: region.patientA } });
    const granted = await hub.app.inject({
      method: 'POST', url: '/api/patient/consents', headers: me,
      payload: { organizations: [region.c.id], purposes: ['TREAT', 'CAREMGT'], classes: ['Observation'], sensitiveCategories: ['genetics'], period: { start: '2026-01-01', end: '2030-12-31' } },
    });
    expect(granted.statusCode, granted.body).toBe(201);
    const summary = granted.json();
    expect(summary).toMatchObject({
      status: 'active', organizations: [{ id: region.c.id, name: '西城社区卫生服务中心' }], purposes: ['TREAT', 'CAREMGT'], classes: ['Observation'],
      sensitiveCategories: ['genetics'], period: { start: '2026-01-01', end: '2030-12-31' },
    });
    // One copy per institution holding a record of the person (A and B share the resident id).
    expect(summary.copies.map((c: { tenantId: string }) => c.tenantId).sort()).toEqual([region.a.id, region.b.id].sort());

    // The copies are real FHIR Consents in each institution's store.
    const copyAtB = summary.copies.find((c: { tenantId: string }) => c.tenantId === region.b.id);
    const read = await hub.app.inject({ method: 'GET', url: `/fhir/Consent/${copyAtB.id}`, headers: region.b.headers });
    expect(read.statusCode).toBe(200);
    expect(read.json()).toMatchObject({ resourceType: 'Consent', status: 'active', patient: { reference: `Patient/${region.patientB}` }, scope: { coding: [{ code: 'patient-privacy' }] } });

    const list = await hub.app.inject({ method: 'GET', url: '/api/patient/consents', headers: me });
    expect(list.json().consents.map((c: { grantId: string }) => c.grantId)).toContain(summary.grantId);

    const withdrawn = await hub.app.inject({ method: 'POST', url: `/api/patient/consents/${summary.grantId}/withdraw`, headers: me });
    expect(withdrawn.statusCode, withdrawn.body).toBe(200);
    expect(withdrawn.json().status).toBe('inactive');
    const again = await hub.app.inject({ method: 'GET', url: `/fhir/Consent/${copyAtB.id}`, headers: region.b.headers });
    expect(again.json().status).toBe('inactive');
  });

  it('a patient cannot act for another record', async () => {
    const me = await userToken(hub, region.a.id, ['patient'], { patient: { tenantId: region.a.id, id: region.patientA } });
    const res = await hub.app.inject({ method: 'GET', url: '/api/patient/consents?patient=someone-else', headers: me });
    expect(res.statusCode).toBe(403);
  });

  it('who accessed my record lists accesses to any of my records', async () => {
    const me = await userToken(hub, region.b.id, ['patient'], { patient: { tenantId: region.b.id, id: region.patientB } });
    const clinician = await userToken(hub, region.b.id, ['clinician'], { id: 'dr-wang' });
    await hub.app.inject({ method: 'GET', url: `/api/sharing/patients/${region.patientB}/record`, headers: clinician });
    const res = await hub.app.inject({ method: 'GET', url: '/api/patient/access-log', headers: me });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.records.map((r: { tenantId: string }) => r.tenantId).sort()).toEqual([region.a.id, region.b.id].sort());
    expect(body.entries.some((e: { agentId: string; subtype: string }) => e.agentId === 'dr-wang' && e.subtype === '$regional-record')).toBe(true);
  });

  it.each([
    [{}, 'organizations'],
    [{ organizations: [] }, 'organizations'],
    [{ organizations: 'x' }, 'organizations'],
    [{ organizations: ['no-such-institution'] }, 'organizations'],
    [{ organizations: ['A'], purposes: ['SHOPPING'] }, 'purposes'],
    [{ organizations: ['A'], classes: ['not a type'] }, 'classes'],
    [{ organizations: ['A'], sensitiveCategories: ['everything'] }, 'sensitiveCategories'],
    [{ organizations: ['A'], period: { start: 'tomorrow' } }, 'period'],
    [{ organizations: ['A'], period: { start: '2027-01-01', end: '2026-01-01' } }, 'period.end'],
    [[1, 2], undefined],
  ])('grant %j → 400 at %s', async (payload, expression) => {
    const body = JSON.parse(JSON.stringify(payload).replaceAll('"A"', JSON.stringify(region.c.id)));
    const res = await hub.app.inject({ method: 'POST', url: `/api/patient/consents?patient=${region.patientA}`, headers: region.a.headers, payload: body });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().resourceType).toBe('OperationOutcome');
    if (expression) expect(res.json().issue[0].expression).toEqual([expression]);
  });

  it('refuses callers who are not the patient (or the institution holding the record)', async () => {
    const clinician = await userToken(hub, region.a.id, ['clinician']);
    expect((await hub.app.inject({ method: 'GET', url: `/api/patient/consents?patient=${region.patientA}`, headers: clinician })).statusCode).toBe(403);
    // A system token must name the patient, and only one of its own.
    expect((await hub.app.inject({ method: 'GET', url: '/api/patient/consents', headers: region.a.headers })).statusCode).toBe(400);
    expect((await hub.app.inject({ method: 'GET', url: `/api/patient/consents?patient=${region.patientA}`, headers: region.b.headers })).statusCode).toBe(404);
    expect((await hub.app.inject({ method: 'GET', url: '/api/patient/consents' })).statusCode).toBe(401);
  });

  it('withdrawing an unknown consent is 404', async () => {
    const res = await hub.app.inject({ method: 'POST', url: `/api/patient/consents/nope/withdraw?patient=${region.patientA}`, headers: region.a.headers });
    expect(res.statusCode).toBe(404);
    expect(res.json().issue[0].details.coding[0].code).toBe('ACCESS_CONSENT_NOT_FOUND');
  });
});
