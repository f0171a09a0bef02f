import type { Patient } from '@medplum/fhirtypes';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, startTestHub, type TestHub, type TestTenant } from '../../../test/support/app.js';
import { testEngine } from '../../../test/support/db.js';
import type { RequestContext } from '../../platform/context/request-context.js';
import { HubError } from '../../platform/errors/index.js';
import { CreateBatcher } from './create-batcher.js';
import { ReadBatcher } from './read-batcher.js';

// Group commit of creates and grouped reads (create-batcher.ts, read-batcher.ts): same results as one at a time.
const FHIR = 'application/fhir+json';

function contextFor(tenant: TestTenant): RequestContext {
  return { tenantId: tenant.id, actor: { kind: 'system', id: 'test' }, scopes: [], requestId: randomUUID(), baseUrl: 'http://hub.test' };
}

function patient(family: string, extra: Partial<Patient> = {}): Patient {
  return { resourceType: 'Patient', name: [{ family, given: ['测试'] }], gender: 'female', birthDate: '1975-03-04', ...extra };
}

async function count(hub: TestHub, sql: string, params: unknown[]): Promise<number> {
  const { rows } = await hub.db.query<{ n: number }>(sql, params);
  return Number(rows[0]!.n);
}

describe(`hot paths (group commit, grouped reads) on ${testEngine}`, () => {
  let hub: TestHub;
  let a: TestTenant;
  let b: TestTenant;

  beforeAll(async () => {
    hub = await startTestHub();
    a = await createTestTenant(hub);
    b = await createTestTenant(hub);
  });
  afterAll(async () => hub?.close());

  const inject = (tenant: TestTenant, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown) =>
    hub.app.inject({
      method,
      url,
      payload: payload === undefined ? undefined : JSON.stringify(payload),
      headers: { ...(payload !== undefined ? { 'content-type': FHIR } : {}), ...tenant.headers },
    });

  it('commits concurrent creates together, each complete: row, history, index, outbox event', async () => {
    const batcher = new CreateBatcher(hub.db, { maxBatch: 64 });
    const family = `组${randomUUID().slice(0, 6)}`;
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => batcher.create(contextFor(a), patient(family, { birthDate: `1990-01-${String(i + 1).padStart(2, '0')}` }), 'Patient')));
    const ids = results.map((r) => r.id);
    expect(new Set(ids).size).toBe(12);
    expect(results.every((r) => r.outcome === 'created' && r.versionId === 1)).toBe(true);
    // Submitted in one tick, so they went as one transaction: one lastUpdated for all.
    expect(new Set(results.map((r) => r.resource!.meta!.lastUpdated)).size).toBe(1);

    expect(await count(hub, 'SELECT count(*)::int8 AS n FROM fhir_resources WHERE tenant_id = $1 AND id = ANY($2::text[]) AND version_id = 1', [a.id, ids])).toBe(12);
    expect(await count(hub, "SELECT count(*)::int8 AS n FROM fhir_resource_history WHERE tenant_id = $1 AND id = ANY($2::text[]) AND method = 'POST'", [a.id, ids])).toBe(12);
    expect(await count(hub, "SELECT count(*)::int8 AS n FROM outbox_events WHERE tenant_id = $1 AND resource_id = ANY($2::text[]) AND event_type = 'fhir.create'", [a.id, ids])).toBe(12);

    const search = await inject(a, 'GET', `/fhir/Patient?family=${encodeURIComponent(family)}&_count=50`);
    expect(search.statusCode).toBe(200);
    expect(search.json().entry.map((e: { resource: { id: string } }) => e.resource.id).sort()).toEqual([...ids].sort());
    const byDate = await inject(a, 'GET', `/fhir/Patient?family=${encodeURIComponent(family)}&birthdate=1990-01-07`);
    expect(byDate.json().entry).toHaveLength(1);
  });

  it('keeps tenants apart inside one batch', async () => {
    const batcher = new CreateBatcher(hub.db, { maxBatch: 64 });
    const family = `混${randomUUID().slice(0, 6)}`;
    const [ra, rb] = await Promise.all([batcher.create(contextFor(a), patient(family), 'Patient'), batcher.create(contextFor(b), patient(family), 'Patient')]);
    expect(ra!.resource!.meta!.lastUpdated).toBe(rb!.resource!.meta!.lastUpdated);
    const inA = await inject(a, 'GET', `/fhir/Patient?family=${encodeURIComponent(family)}`);
    expect(inA.json().entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual([ra!.id]);
    expect((await inject(b, 'GET', `/fhir/Patient/${ra!.id}`)).statusCode).toBe(404);
    expect((await inject(b, 'GET', `/fhir/Patient/${rb!.id}`)).statusCode).toBe(200);
  });

  it('fails an invalid resource alone, before it joins a batch', async () => {
    const batcher = new CreateBatcher(hub.db, { maxBatch: 64 });
    const outcomes = await Promise.allSettled([
      batcher.create(contextFor(a), patient('好'), 'Patient'),
      batcher.create(contextFor(a), { ...patient('坏'), birthDate: 'not-a-date' }, 'Patient'),
      batcher.create(contextFor(a), patient('好'), 'Observation'),
      batcher.create(contextFor(a), patient('好'), 'Patient'),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    const invalid = (outcomes[1] as PromiseRejectedResult).reason as HubError;
    expect(invalid).toBeInstanceOf(HubError);
    expect(invalid.status).toBe(400);
    expect(invalid.message).toContain('Patient');
    expect(((outcomes[2] as PromiseRejectedResult).reason as HubError).status).toBe(400);
  });

  it('retries the members of a failed batch one by one: only the refused resource fails', async () => {
    // A real refusal by the database (a trigger, for this tenant and name only), not a mock.
    const fn = `perf_poison_${randomUUID().replace(/-/g, '').slice(0, 10)}`;
    await hub.db.exec(`CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.tenant_id = '${a.id}' AND NEW.content->'name'->0->>'family' = 'POISON' THEN RAISE EXCEPTION 'refused by test trigger'; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER ${fn} BEFORE INSERT ON fhir_resources FOR EACH ROW EXECUTE FUNCTION ${fn}();`);
    try {
      const batcher = new CreateBatcher(hub.db, { maxBatch: 64 });
      const family = `好${randomUUID().slice(0, 6)}`;
      const outcomes = await Promise.allSettled([
        batcher.create(contextFor(a), patient(family), 'Patient'),
        batcher.create(contextFor(a), patient('POISON'), 'Patient'),
        batcher.create(contextFor(a), patient(family), 'Patient'),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(String((outcomes[1] as PromiseRejectedResult).reason)).toContain('refused by test trigger');
      const ids = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value.id!] : []));
      const search = await inject(a, 'GET', `/fhir/Patient?family=${encodeURIComponent(family)}`);
      expect(search.json().entry.map((e: { resource: { id: string } }) => e.resource.id).sort()).toEqual([...ids].sort());
      expect(await count(hub, "SELECT count(*)::int8 AS n FROM outbox_events WHERE tenant_id = $1 AND resource_id = ANY($2::text[])", [a.id, ids])).toBe(2);
      // Nothing of the refused resource was left behind: no history, no index rows, no event.
      expect(await count(hub, "SELECT count(*)::int8 AS n FROM fhir_resource_history WHERE tenant_id = $1 AND content->'name'->0->>'family' = 'POISON'", [a.id])).toBe(0);
      expect(await count(hub, "SELECT count(*)::int8 AS n FROM search_string WHERE tenant_id = $1 AND value_raw = 'POISON'", [a.id])).toBe(0);
    } finally {
      await hub.db.exec(`DROP TRIGGER ${fn} ON fhir_resources; DROP FUNCTION ${fn}();`);
    }
  });

  it('answers concurrent HTTP creates each with its own 201, Location and body', async () => {
    const family = `并${randomUUID().slice(0, 6)}`;
    const responses = await Promise.all(Array.from({ length: 10 }, () => inject(a, 'POST', '/fhir/Patient', patient(family))));
    expect(responses.map((r) => r.statusCode)).toEqual(Array(10).fill(201));
    const ids = responses.map((r) => r.json().id as string);
    expect(new Set(ids).size).toBe(10);
    responses.forEach((r, i) => {
      expect(r.headers.location).toBe(`http://hub.test/fhir/Patient/${ids[i]}/_history/1`);
      expect(r.headers.etag).toBe('W/"1"');
    });
  });

  it('reads many resources with one statement, each with its own answer: 200, 404, 410, other tenant', async () => {
    const live = (await inject(a, 'POST', '/fhir/Patient', patient('读'))).json() as Patient;
    const gone = (await inject(a, 'POST', '/fhir/Patient', patient('删'))).json() as Patient;
    expect((await inject(a, 'DELETE', `/fhir/Patient/${gone.id}`)).statusCode).toBe(200);
    const foreign = (await inject(b, 'POST', '/fhir/Patient', patient('外'))).json() as Patient;

    const reader = new ReadBatcher(hub.db, { maxBatch: 64 });
    const rows = await Promise.all([
      reader.read(a.id, 'Patient', live.id!),
      reader.read(a.id, 'Patient', gone.id!),
      reader.read(a.id, 'Patient', 'never-there'),
      reader.read(a.id, 'Patient', foreign.id!),
      reader.read(a.id, 'Observation', live.id!),
      reader.read(a.id, 'Patient', live.id!),
    ]);
    expect(JSON.parse(rows[0]!.content!)).toEqual(live);
    expect(rows[0]!.version_id).toBe(1);
    expect(rows[1]).toMatchObject({ deleted: true, content: null, version_id: 2 });
    expect(rows[2]).toBeUndefined();
    expect(rows[3]).toBeUndefined();
    expect(rows[4]).toBeUndefined();
    expect(rows[5]).toEqual(rows[0]);

    const responses = await Promise.all([
      inject(a, 'GET', `/fhir/Patient/${live.id}`),
      inject(a, 'GET', `/fhir/Patient/${gone.id}`),
      inject(a, 'GET', '/fhir/Patient/never-there'),
      inject(a, 'GET', `/fhir/Patient/${foreign.id}`),
      inject(a, 'GET', '/fhir/Patient/bad$id'),
    ]);
    expect(responses.map((r) => r.statusCode)).toEqual([200, 410, 404, 404, 400]);
    expect(responses[0]!.json()).toEqual(live);
    expect(responses[0]!.headers['content-type']).toContain(FHIR);
    expect(responses[0]!.headers.etag).toBe('W/"1"');
    expect(responses[0]!.headers['last-modified']).toBe(new Date(live.meta!.lastUpdated!).toUTCString());
    expect(responses[1]!.headers.etag).toBe('W/"2"');
    for (const r of responses.slice(1)) expect(r.json().resourceType).toBe('OperationOutcome');
  });

  it('reads a change committed before the read arrived', async () => {
    const created = (await inject(a, 'POST', '/fhir/Patient', patient('前'))).json() as Patient;
    const updated = await hub.app.inject({
      method: 'PUT',
      url: `/fhir/Patient/${created.id}`,
      payload: JSON.stringify({ ...created, gender: 'male' }),
      headers: { 'content-type': FHIR, ...a.headers },
    });
    expect(updated.statusCode).toBe(200);
    const read = await inject(a, 'GET', `/fhir/Patient/${created.id}`);
    expect(read.json().gender).toBe('male');
    expect(read.headers.etag).toBe('W/"2"');
  });
});
