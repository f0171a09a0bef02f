import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, startTestHub, type TestHub, type TestTenant } from '../../../test/support/app.js';
import { auditRowsOf } from '../../../test/support/audit.js';

let hub: TestHub;
let tenant: TestTenant;

beforeAll(async () => {
  hub = await startTestHub();
  tenant = await createTestTenant(hub);
});
afterAll(async () => hub?.close());

/** This test client's audit rows (another hub on a shared database may record under the same tenant). */
const auditRows = (agentId = `client-${tenant.id}`) => auditRowsOf(hub.db, tenant.id, agentId);

const json = { 'content-type': 'application/fhir+json' };

describe('every FHIR interaction leaves an AuditEvent', () => {
  it('records creates, reads, searches, history, updates, deletes and bundle entries, with the patient', async () => {
    const created = await hub.app.inject({ method: 'POST', url: '/fhir/Patient', headers: { ...tenant.headers, ...json }, payload: { resourceType: 'Patient', name: [{ family: 'Audit' }] } });
    expect(created.statusCode).toBe(201);
    const patientId = created.json().id as string;
    const obs = await hub.app.inject({
      method: 'POST', url: '/fhir/Observation', headers: { ...tenant.headers, ...json },
      payload: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: `Patient/${patientId}` } },
    });
    const obsId = obs.json().id as string;
    expect((await hub.app.inject({ method: 'GET', url: `/fhir/Observation/${obsId}`, headers: tenant.headers })).statusCode).toBe(200);
    expect((await hub.app.inject({ method: 'GET', url: `/fhir/Observation/${obsId}/_history/1`, headers: tenant.headers })).statusCode).toBe(200);
    expect((await hub.app.inject({ method: 'GET', url: `/fhir/Patient?family=Audit`, headers: tenant.headers })).statusCode).toBe(200);
    expect((await hub.app.inject({ method: 'GET', url: `/fhir/Patient/${patientId}/Observation`, headers: tenant.headers })).statusCode).toBe(200);
    expect((await hub.app.inject({ method: 'GET', url: `/fhir/Patient/${patientId}/_history`, headers: tenant.headers })).statusCode).toBe(200);
    expect((await hub.app.inject({ method: 'PUT', url: `/fhir/Patient/${patientId}`, headers: { ...tenant.headers, ...json }, payload: { resourceType: 'Patient', id: patientId, name: [{ family: 'Audited' }] } })).statusCode).toBe(200);
    expect((await hub.app.inject({ method: 'DELETE', url: `/fhir/Observation/${obsId}`, headers: tenant.headers })).statusCode).toBe(200);
    const batch = await hub.app.inject({
      method: 'POST', url: '/fhir', headers: { ...tenant.headers, ...json },
      payload: { resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'GET', url: `Patient/${patientId}` } }] },
    });
    expect(batch.statusCode).toBe(200);

    const rows = await auditRows();
    expect(rows.map((r) => `${r.action} ${r.subtype}`)).toEqual([
      'C create', 'C create', 'R read', 'R vread', 'R search-type', 'R search-type', 'R history-instance', 'U update', 'D delete', 'R read',
    ]);
    expect(rows.every((r) => r.outcome === '0')).toBe(true);
    // Everything here is about one patient: the record says so, which is what "who accessed my record" reads.
    expect(rows.filter((r) => r.subtype !== 'search-type' || r.patient_id).every((r) => r.patient_id === patientId)).toBe(true);
    expect(rows[2].event.entity?.some((e) => e.what?.reference === `Observation/${obsId}/_history/1`)).toBe(true);
  });

  it('records a refused interaction as a denial', async () => {
    const readOnly = await hub.deps.tokens.mint({ tenantId: tenant.id, actor: { kind: 'system', id: 'reader' }, scope: 'system/Patient.rs' });
    const before = (await auditRows('reader')).length;
    const refused = await hub.app.inject({ method: 'GET', url: '/fhir/Observation?status=final', headers: { authorization: `Bearer ${readOnly.access_token}` } });
    expect(refused.statusCode).toBe(403);
    const rows = (await auditRows('reader')).slice(before);
    expect(rows).toHaveLength(1);
    expect(rows[0].outcome).toBe('4');
  });

  it('keeps nothing of a transaction that fails, its audit records included', async () => {
    const before = (await auditRows()).length;
    const failed = await hub.app.inject({
      method: 'POST', url: '/fhir', headers: { ...tenant.headers, ...json },
      payload: {
        resourceType: 'Bundle', type: 'transaction',
        entry: [
          { request: { method: 'POST', url: 'Patient' }, resource: { resourceType: 'Patient', name: [{ family: 'Rolled' }] } },
          { request: { method: 'PUT', url: 'Patient/x' }, resource: { resourceType: 'Patient', id: 'y' } },
        ],
      },
    });
    expect(failed.statusCode).toBe(400);
    expect((await auditRows()).length).toBe(before);
  });
});
