import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, startTestHub, type TestHub, type TestTenant } from '../../../test/support/app.js';
import { testEngine } from '../../../test/support/db.js';

const FHIR = 'application/fhir+json';

function patient(extra: Record<string, unknown> = {}) {
  return { resourceType: 'Patient', name: [{ family: '王', given: ['小明'] }], gender: 'male', birthDate: '1980-05-01', ...extra };
}

describe(`FHIR CRUD over HTTP on ${testEngine}`, () => {
  let hub: TestHub;
  let a: TestTenant;
  let b: TestTenant;

  beforeAll(async () => {
    hub = await startTestHub({ bodyLimit: 200_000 });
    a = await createTestTenant(hub);
    b = await createTestTenant(hub);
  });
  afterAll(async () => hub?.close());

  const inject = (tenant: TestTenant | undefined, method: string, url: string, payload?: unknown, headers: Record<string, string> = {}) =>
    hub.app.inject({
      method: method as 'GET',
      url,
      payload: payload === undefined ? undefined : typeof payload === 'string' ? payload : JSON.stringify(payload),
      headers: { ...(payload !== undefined ? { 'content-type': FHIR } : {}), ...(tenant?.headers ?? {}), ...headers },
    });

  it('serves a public CapabilityStatement', async () => {
    const res = await inject(undefined, 'GET', '/fhir/metadata');
    expect(res.statusCode).toBe(200);
    const cs = res.json();
    expect(cs.resourceType).toBe('CapabilityStatement');
    expect(cs.fhirVersion).toBe('4.0.1');
    const patientRes = cs.rest[0].resource.find((r: { type: string }) => r.type === 'Patient');
    expect(patientRes.interaction.map((i: { code: string }) => i.code)).toContain('vread');
    expect(patientRes.searchParam.map((p: { name: string }) => p.name)).toContain('family');
  });

  it('creates, reads and vreads with versions, ETag and Location', async () => {
    const created = await inject(a, 'POST', '/fhir/Patient', patient());
    expect(created.statusCode).toBe(201);
    const body = created.json();
    expect(body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.meta.versionId).toBe('1');
    expect(created.headers.etag).toBe('W/"1"');
    expect(created.headers.location).toBe(`http://hub.test/fhir/Patient/${body.id}/_history/1`);
    expect(created.headers['content-type']).toContain('application/fhir+json');

    const read = await inject(a, 'GET', `/fhir/Patient/${body.id}`);
    expect(read.statusCode).toBe(200);
    expect(read.json().name[0].family).toBe('王');
    expect(read.headers.etag).toBe('W/"1"');

    const updated = await inject(a, 'PUT', `/fhir/Patient/${body.id}`, { ...body, gender: 'female' });
    expect(updated.statusCode).toBe(200);
    expect(updated.json().meta.versionId).toBe('2');

    const v1 = await inject(a, 'GET', `/fhir/Patient/${body.id}/_history/1`);
    expect(v1.json().gender).toBe('male');
    const v2 = await inject(a, 'GET', `/fhir/Patient/${body.id}/_history/2`);
    expect(v2.json().gender).toBe('female');
    expect((await inject(a, 'GET', `/fhir/Patient/${body.id}/_history/9`)).statusCode).toBe(404);
  });

  it('keeps each institution to its own data', async () => {
    const created = (await inject(a, 'POST', '/fhir/Patient', patient())).json();
    const other = await inject(b, 'GET', `/fhir/Patient/${created.id}`);
    expect(other.statusCode).toBe(404);
    expect(other.json().resourceType).toBe('OperationOutcome');
    // The same client id may exist in two institutions without collision.
    expect((await inject(a, 'PUT', '/fhir/Patient/shared-id', patient({ id: 'shared-id' }))).statusCode).toBe(201);
    expect((await inject(b, 'PUT', '/fhir/Patient/shared-id', patient({ id: 'shared-id', gender: 'female' }))).statusCode).toBe(201);
    expect((await inject(a, 'GET', '/fhir/Patient/shared-id')).json().gender).toBe('male');
  });

  it('creates on update with a client id, and honours If-Match', async () => {
    const res = await inject(a, 'PUT', '/fhir/Patient/client-chosen-1', patient({ id: 'client-chosen-1' }));
    expect(res.statusCode).toBe(201);
    const stale = await inject(a, 'PUT', '/fhir/Patient/client-chosen-1', patient({ id: 'client-chosen-1' }), { 'if-match': 'W/"7"' });
    expect(stale.statusCode).toBe(412);
    expect(stale.json().issue[0].code).toBe('conflict');
    const fresh = await inject(a, 'PUT', '/fhir/Patient/client-chosen-1', patient({ id: 'client-chosen-1' }), { 'if-match': 'W/"1"' });
    expect(fresh.statusCode).toBe(200);
    const bad = await inject(a, 'PUT', '/fhir/Patient/client-chosen-1', patient({ id: 'client-chosen-1' }), { 'if-match': 'banana' });
    expect(bad.statusCode).toBe(400);
  });

  it('applies JSON Patch, and refuses bad or failing patches', async () => {
    const created = (await inject(a, 'POST', '/fhir/Patient', patient())).json();
    const patchHeaders = { 'content-type': 'application/json-patch+json' };
    const ok = await inject(a, 'PATCH', `/fhir/Patient/${created.id}`, [{ op: 'replace', path: '/gender', value: 'female' }], patchHeaders);
    expect(ok.statusCode).toBe(200);
    expect(ok.json().gender).toBe('female');
    expect(ok.json().meta.versionId).toBe('2');
    const failedTest = await inject(a, 'PATCH', `/fhir/Patient/${created.id}`, [{ op: 'test', path: '/gender', value: 'male' }], patchHeaders);
    expect(failedTest.statusCode).toBe(422);
    const notArray = await inject(a, 'PATCH', `/fhir/Patient/${created.id}`, { op: 'replace' }, patchHeaders);
    expect(notArray.statusCode).toBe(400);
    const invalidResult = await inject(a, 'PATCH', `/fhir/Patient/${created.id}`, [{ op: 'replace', path: '/gender', value: 42 }], patchHeaders);
    expect(invalidResult.statusCode).toBe(400);
    expect((await inject(a, 'GET', `/fhir/Patient/${created.id}`)).json().meta.versionId).toBe('2');
  });

  it('deletes: read gives 410, history keeps the versions', async () => {
    const created = (await inject(a, 'POST', '/fhir/Patient', patient())).json();
    const del = await inject(a, 'DELETE', `/fhir/Patient/${created.id}`);
    expect(del.statusCode).toBe(200);
    const gone = await inject(a, 'GET', `/fhir/Patient/${created.id}`);
    expect(gone.statusCode).toBe(410);
    expect(gone.json().issue[0].code).toBe('deleted');
    expect((await inject(a, 'GET', `/fhir/Patient/${created.id}/_history/1`)).statusCode).toBe(200);
    const history = (await inject(a, 'GET', `/fhir/Patient/${created.id}/_history`)).json();
    expect(history.type).toBe('history');
    expect(history.entry).toHaveLength(2);
    expect(history.entry[0].request.method).toBe('DELETE');
    expect(history.entry[1].resource.meta.versionId).toBe('1');
    expect((await inject(a, 'DELETE', `/fhir/Patient/${created.id}`)).statusCode).toBe(204);
    expect((await inject(a, 'DELETE', '/fhir/Patient/never-existed')).statusCode).toBe(204);
  });

  it('pages type and system history with _since and _count', async () => {
    const t = await createTestTenant(hub);
    const since = new Date().toISOString();
    for (let i = 0; i < 5; i++) await inject(t, 'POST', '/fhir/Observation', { resourceType: 'Observation', status: 'final', code: { text: `obs ${i}` } });
    await inject(t, 'POST', '/fhir/Patient', patient());
    const page1 = (await inject(t, 'GET', `/fhir/Observation/_history?_count=2&_since=${encodeURIComponent(since)}`)).json();
    expect(page1.total).toBe(5);
    expect(page1.entry).toHaveLength(2);
    const next = page1.link.find((l: { relation: string }) => l.relation === 'next').url as string;
    expect(next.startsWith('http://hub.test/fhir/Observation/_history?')).toBe(true);
    const page2 = (await inject(t, 'GET', next.replace('http://hub.test', ''))).json();
    expect(page2.entry).toHaveLength(2);
    expect(page2.entry[0].fullUrl).not.toBe(page1.entry[0].fullUrl);
    const system = (await inject(t, 'GET', '/fhir/_history')).json();
    expect(system.total).toBe(6);
    const future = (await inject(t, 'GET', '/fhir/_history?_since=2999-01-01')).json();
    expect(future.total).toBe(0);
    expect((await inject(t, 'GET', '/fhir/_history?_since=yesterday')).statusCode).toBe(400);
  });

  it('honours Prefer: return=minimal and return=OperationOutcome', async () => {
    const minimal = await inject(a, 'POST', '/fhir/Patient', patient(), { prefer: 'return=minimal' });
    expect(minimal.statusCode).toBe(201);
    expect(minimal.body).toBe('');
    expect(minimal.headers.location).toMatch(/\/fhir\/Patient\/.+\/_history\/1$/);
    const outcome = await inject(a, 'POST', '/fhir/Patient', patient(), { prefer: 'return=OperationOutcome' });
    expect(outcome.statusCode).toBe(201);
    expect(outcome.json().resourceType).toBe('OperationOutcome');
  });

  describe('bad input gets an OperationOutcome with the right status', () => {
    it.each([
      ['an invalid resource', 'POST', '/fhir/Patient', { resourceType: 'Patient', birthDate: 'not-a-date' }, {}, 400, 'Patient.birthDate'],
      ['an unknown element', 'POST', '/fhir/Patient', { resourceType: 'Patient', favouriteColour: 'blue' }, {}, 400, 'Patient.favouriteColour'],
      ['an unknown resource type', 'POST', '/fhir/Spaceship', { resourceType: 'Spaceship' }, {}, 404, undefined],
      ['a type that differs from the URL', 'POST', '/fhir/Patient', { resourceType: 'Observation', status: 'final', code: { text: 'x' } }, {}, 400, 'resourceType'],
      ['malformed JSON', 'POST', '/fhir/Patient', '{"resourceType": "Patient",', {}, 400, undefined],
      ['an unsupported content type', 'POST', '/fhir/Patient', '<Patient/>', { 'content-type': 'application/xml' }, 415, undefined],
      ['an id in the body that differs from the URL', 'PUT', '/fhir/Patient/abc', { resourceType: 'Patient', id: 'xyz' }, {}, 400, 'Patient.id'],
      ['an update without an id in the body', 'PUT', '/fhir/Patient/abc', { resourceType: 'Patient' }, {}, 400, 'Patient.id'],
      ['an invalid id', 'PUT', '/fhir/Patient/bad_id!', { resourceType: 'Patient', id: 'bad_id!' }, {}, 400, undefined],
      ['a missing body', 'POST', '/fhir/Patient', undefined, {}, 400, undefined],
      ['an unknown route', 'GET', '/fhir/Patient/1/2/3/4', undefined, {}, 404, undefined],
    ])('%s', async (_name, method, url, payload, headers, status, expression) => {
      const res = await inject(a, method, url, payload, headers as Record<string, string>);
      expect(res.statusCode).toBe(status);
      const outcome = res.json();
      expect(outcome.resourceType).toBe('OperationOutcome');
      expect(outcome.issue[0].severity).toBe('error');
      expect(outcome.issue[0].details.text.length).toBeGreaterThan(5);
      if (expression) expect(outcome.issue.flatMap((i: { expression?: string[] }) => i.expression ?? [])).toContain(expression);
    });

    it('refuses a body over the configured limit with 413', async () => {
      const big = patient({ text: { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml">${'x'.repeat(250_000)}</div>` } });
      const res = await inject(a, 'POST', '/fhir/Patient', big);
      expect(res.statusCode).toBe(413);
      expect(res.json().resourceType).toBe('OperationOutcome');
    });

    it('stores nothing when a write is refused', async () => {
      const t = await createTestTenant(hub);
      await inject(t, 'POST', '/fhir/Patient', { resourceType: 'Patient', birthDate: 'nope' });
      const rows = await hub.db.query('SELECT count(*)::int8 AS n FROM fhir_resource_history WHERE tenant_id = $1', [t.id]);
      expect(rows.rows[0]).toEqual({ n: 0 });
    });
  });

  describe('authentication and scopes', () => {
    it('401 without a token, with a forged one, and with a malformed header', async () => {
      const none = await inject(undefined, 'GET', '/fhir/Patient/x');
      expect(none.statusCode).toBe(401);
      expect(none.json().issue[0].code).toBe('login');
      expect(none.headers['www-authenticate']).toContain('Bearer');
      const forged = await inject(undefined, 'GET', '/fhir/Patient/x', undefined, { authorization: `Bearer ${a.token.slice(0, -4)}AAAA` });
      expect(forged.statusCode).toBe(401);
      const basic = await inject(undefined, 'GET', '/fhir/Patient/x', undefined, { authorization: 'Basic Zm9vOmJhcg==' });
      expect(basic.statusCode).toBe(401);
    });

    it('401 for an expired token', async () => {
      const issued = await hub.deps.tokens.mint({ tenantId: a.id, actor: { kind: 'system', id: 'c' }, scope: 'system/*.cruds' }, -10);
      const res = await inject(undefined, 'GET', '/fhir/Patient/x', undefined, { authorization: `Bearer ${issued.access_token}` });
      expect(res.statusCode).toBe(401);
    });

    it('403 when the scopes do not grant the interaction', async () => {
      const reader = await createTestTenant(hub, 'system/Patient.rs');
      expect((await inject(reader, 'POST', '/fhir/Patient', patient())).statusCode).toBe(403);
      expect((await inject(reader, 'GET', '/fhir/Observation/x')).statusCode).toBe(403);
      expect((await inject(reader, 'GET', '/fhir/Patient/x')).statusCode).toBe(404);
    });
  });
});

describe(`malformed URLs on ${testEngine}`, () => {
  it('answers a URL that cannot be decoded with a 400 OperationOutcome', async () => {
    const hub = await startTestHub();
    try {
      const res = await hub.app.inject({ method: 'GET', url: '/fhir/Patient/%E0%A4%A' });
      expect(res.statusCode).toBe(400);
      expect(res.json().resourceType).toBe('OperationOutcome');
    } finally {
      await hub.close();
    }
  });
});
