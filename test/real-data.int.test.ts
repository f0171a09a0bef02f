import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, startTestHub, type TestHub, type TestTenant } from './support/app.js';
import { testEngine } from './support/db.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

/**
 * Real data through the public HTTP API: every official R4 example resource
 * (../shared/data/fhir-examples/resources, copied into test/fixtures) and the
 * Synthea bundles (hospitals and practitioners first, then the patients).
 */
describe(`real data loads on ${testEngine}`, () => {
  let hub: TestHub;
  let tenant: TestTenant;
  beforeAll(async () => {
    hub = await startTestHub({ bodyLimit: 32 * 1024 * 1024 });
    tenant = await createTestTenant(hub);
  });
  afterAll(async () => hub?.close());

  const send = (method: 'POST' | 'PUT', url: string, body: unknown) =>
    hub.app.inject({ method, url, payload: JSON.stringify(body), headers: { ...tenant.headers, 'content-type': 'application/fhir+json' } });

  it('loads every official R4 example resource with its own id', { timeout: 300_000 }, async () => {
    const dir = join(FIXTURES, 'fhir-examples');
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(270);
    const failures: string[] = [];
    for (const file of files) {
      const resource = readJson(join(dir, file));
      const res = await send('PUT', `/fhir/${resource.resourceType}/${resource.id}`, resource);
      if (res.statusCode !== 201) failures.push(`${file}: ${res.statusCode} ${res.body.slice(0, 300)}`);
    }
    expect(failures).toEqual([]);
    const back = await hub.app.inject({ method: 'GET', url: '/fhir/Patient/example', headers: tenant.headers });
    expect(back.json().name[0].family).toBe('Chalmers');
  });

  it('loads the Synthea hospital and practitioner batches, then every patient transaction', { timeout: 900_000 }, async () => {
    tenant = await createTestTenant(hub);
    const dir = join(FIXTURES, 'synthea');
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    const ordered = [
      ...files.filter((f) => f.startsWith('hospitalInformation')),
      ...files.filter((f) => f.startsWith('practitionerInformation')),
      ...files.filter((f) => !f.startsWith('hospital') && !f.startsWith('practitioner')),
    ];
    expect(ordered.length).toBe(9);
    for (const file of ordered) {
      const bundle = readJson(join(dir, file));
      const started = performance.now();
      const res = await send('POST', '/fhir', bundle);
      console.log(`${file}: ${bundle.entry.length} entries in ${Math.round(performance.now() - started)} ms`);
      expect(res.statusCode, `${file}: ${res.body.slice(0, 400)}`).toBe(200);
      const out = res.json();
      const failed = out.entry.filter((e: { response: { status: string } }) => !/^20[01]/.test(e.response.status));
      expect(failed.map((e: { response: { outcome?: unknown } }) => JSON.stringify(e.response.outcome)).slice(0, 3)).toEqual([]);
      expect(out.entry).toHaveLength(bundle.entry.length);
    }
    const patients = await hub.db.query<{ n: number }>(
      `SELECT count(*)::int8 AS n FROM fhir_resources WHERE tenant_id = $1 AND resource_type = 'Patient'`,
      [tenant.id],
    );
    expect(patients.rows[0].n).toBe(7);
    // Intra-bundle urn:uuid references were rewritten to the server ids.
    const encounters = await hub.db.query<{ ref: string }>(
      `SELECT content->'subject'->>'reference' AS ref FROM fhir_resources WHERE tenant_id = $1 AND resource_type = 'Encounter' LIMIT 20`,
      [tenant.id],
    );
    for (const row of encounters.rows) expect(row.ref).toMatch(/^Patient\/[0-9a-f-]{36}$/);
  });
});
