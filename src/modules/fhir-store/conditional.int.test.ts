import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, startTestHub, type TestHub, type TestTenant } from '../../../test/support/app.js';
import { testEngine } from '../../../test/support/db.js';
import { storeResourcesBulk } from './index.js';

const ID_SYSTEM = 'urn:oid:2.16.156.10011.1.3';

describe(`conditional create, update and delete on ${testEngine}`, () => {
  let hub: TestHub;
  let t: TestTenant;
  beforeAll(async () => {
    hub = await startTestHub();
    t = await createTestTenant(hub);
  });
  afterAll(async () => hub?.close());

  const send = (method: string, url: string, body?: unknown, headers: Record<string, string> = {}) =>
    hub.app.inject({
      method: method as 'POST',
      url,
      payload: body === undefined ? undefined : JSON.stringify(body),
      headers: { ...t.headers, ...(body === undefined ? {} : { 'content-type': 'application/fhir+json' }), ...headers },
    });
  const patient = (idNumber: string, extra: Record<string, unknown> = {}) => ({
    resourceType: 'Patient',
    identifier: [{ system: ID_SYSTEM, value: idNumber }],
    name: [{ family: '李', given: ['娜'] }],
    ...extra,
  });

  it('If-None-Exist: creates once, then returns the existing resource', async () => {
    const criteria = `identifier=${ID_SYSTEM}|110101199003070011`;
    const first = await send('POST', '/fhir/Patient', patient('110101199003070011'), { 'if-none-exist': criteria });
    expect(first.statusCode).toBe(201);
    const second = await send('POST', '/fhir/Patient', patient('110101199003070011'), { 'if-none-exist': criteria });
    expect(second.statusCode).toBe(200);
    expect(second.json().id).toBe(first.json().id);
    const search = (await send('GET', `/fhir/Patient?${criteria}`)).json();
    expect(search.entry).toHaveLength(1);
  });

  it('If-None-Exist with several matches is 412', async () => {
    await send('POST', '/fhir/Patient', patient('dup-1'));
    await send('POST', '/fhir/Patient', patient('dup-1'));
    const res = await send('POST', '/fhir/Patient', patient('dup-1'), { 'if-none-exist': `identifier=${ID_SYSTEM}|dup-1` });
    expect(res.statusCode).toBe(412);
    expect(res.json().issue[0].code).toBe('multiple-matches');
  });

  it('conditional update: none creates, one updates, several are 412', async () => {
    const url = `/fhir/Patient?identifier=${ID_SYSTEM}|cu-1`;
    const created = await send('PUT', url, patient('cu-1'));
    expect(created.statusCode).toBe(201);
    const updated = await send('PUT', url, patient('cu-1', { gender: 'female' }));
    expect(updated.statusCode).toBe(200);
    expect(updated.json().id).toBe(created.json().id);
    expect(updated.json().meta.versionId).toBe('2');
    await send('POST', '/fhir/Patient', patient('cu-1'));
    expect((await send('PUT', url, patient('cu-1'))).statusCode).toBe(412);
    expect((await send('PUT', '/fhir/Patient', patient('cu-1'))).statusCode).toBe(400);
  });

  it('conditional delete: one match is deleted, several are 412, none is 204', async () => {
    const created = (await send('POST', '/fhir/Patient', patient('cd-1'))).json();
    const del = await send('DELETE', `/fhir/Patient?identifier=${ID_SYSTEM}|cd-1`);
    expect(del.statusCode).toBe(200);
    expect((await send('GET', `/fhir/Patient/${created.id}`)).statusCode).toBe(410);
    expect((await send('DELETE', `/fhir/Patient?identifier=${ID_SYSTEM}|cd-1`)).statusCode).toBe(204);
    await send('POST', '/fhir/Patient', patient('cd-2'));
    await send('POST', '/fhir/Patient', patient('cd-2'));
    expect((await send('DELETE', `/fhir/Patient?identifier=${ID_SYSTEM}|cd-2`)).statusCode).toBe(412);
  });

  it('bulk store writes versions, history, index and outbox in one go', async () => {
    const bulk = await createTestTenant(hub);
    const stored = await storeResourcesBulk(hub.db, bulk.id, [
      { resourceType: 'Patient', id: 'bulk-p1', name: [{ family: '周' }] },
      { resourceType: 'Observation', status: 'final', code: { text: 'hr' }, subject: { reference: 'Patient/bulk-p1' } },
    ]);
    expect(stored[1].id).toMatch(/^[0-9a-f-]{36}$/);
    const search = await hub.app.inject({ method: 'GET', url: '/fhir/Observation?subject=Patient/bulk-p1', headers: bulk.headers });
    expect(search.json().entry).toHaveLength(1);
    const outbox = await hub.db.query<{ n: number }>('SELECT count(*)::int8 AS n FROM outbox_events WHERE tenant_id = $1', [bulk.id]);
    expect(outbox.rows[0].n).toBe(2);
    await expect(storeResourcesBulk(hub.db, bulk.id, [{ resourceType: 'Patient', id: 'bulk-p2' }, { resourceType: 'Patient', birthDate: 'bad' } as never])).rejects.toThrow();
    const none = await hub.db.query('SELECT 1 FROM fhir_resources WHERE tenant_id = $1 AND id = $2', [bulk.id, 'bulk-p2']);
    expect(none.rows).toHaveLength(0);
  });
});
