import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, createAppDeps } from '../../../app.js';
import { createTestTenant, startTestHub, type TestHub, type TestTenant } from '../../../../test/support/app.js';
import { getExportRunner } from './bulk-export.routes.js';
import { cancelJob, insertJob, selectExportPage, selectJob, selectVersionsAt } from './export.repo.js';
import { ExportRunner } from './export-runner.js';

let hub: TestHub;
let dataDir: string;
const ASYNC = { prefer: 'respond-async', accept: 'application/fhir+json' };

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'xietong-export-'));
  hub = await startTestHub({ dataDir, subscriptionWorker: false });
});
afterAll(async () => {
  await hub.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function create(t: TestTenant, body: Record<string, unknown>): Promise<{ id: string; meta: { lastUpdated: string } }> {
  const res = await hub.app.inject({ method: 'POST', url: `/fhir/${body.resourceType}`, headers: t.headers, payload: body });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

const patient = (family: string) => ({ resourceType: 'Patient', name: [{ family }] });
const observation = (subject: string, value: number) => ({
  resourceType: 'Observation', status: 'final', code: { text: 'heart rate' }, subject: { reference: `Patient/${subject}` }, valueQuantity: { value },
});

/** A small institution: 2 patients, 3 observations (one deleted later), 1 organization. */
async function seed(t: TestTenant) {
  const p1 = await create(t, patient('Wang'));
  const p2 = await create(t, patient('Li'));
  const o = [await create(t, observation(p1.id, 70)), await create(t, observation(p2.id, 80)), await create(t, observation(p2.id, 90))];
  await create(t, { resourceType: 'Organization', name: 'Ward 3' });
  await hub.app.inject({ method: 'DELETE', url: `/fhir/Observation/${o[2].id}`, headers: t.headers });
  return { p1, p2, o };
}

function kickOff(t: TestTenant, path: string, headers: Record<string, string> = ASYNC) {
  return hub.app.inject({ method: 'GET', url: `/fhir/${path}`, headers: { ...t.headers, ...headers } });
}

/** Kicks off, waits for the job, returns the manifest. */
async function exportAll(t: TestTenant, path: string) {
  const res = await kickOff(t, path);
  expect(res.statusCode, res.body).toBe(202);
  const status = String(res.headers['content-location']);
  expect(status).toMatch(/^http:\/\/hub\.test\/fhir\/bulk-status\//);
  await getExportRunner(hub.deps)!.settled(status.split('/').pop()!);
  const done = await hub.app.inject({ method: 'GET', url: status.replace('http://hub.test', ''), headers: t.headers });
  expect(done.statusCode, done.body).toBe(200);
  return { status, manifest: done.json() as { transactionTime: string; request: string; requiresAccessToken: boolean; output: Array<{ type: string; url: string; count: number }>; error: unknown[] } };
}

async function fetchFile(t: TestTenant, url: string) {
  return hub.app.inject({ method: 'GET', url: url.replace('http://hub.test', ''), headers: t.headers });
}

/** What the files hold: type → sorted ids. */
async function readOutput(t: TestTenant, output: Array<{ type: string; url: string; count: number }>) {
  const got: Record<string, string[]> = {};
  for (const o of output) {
    const res = await fetchFile(t, o.url);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/fhir\+ndjson/);
    const lines = res.body.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(lines).toHaveLength(o.count);
    for (const r of lines) expect(r.resourceType).toBe(o.type);
    got[o.type] = [...(got[o.type] ?? []), ...lines.map((r) => r.id)].sort();
  }
  return got;
}

/** The same, computed straight from the tables (not through the export code). */
async function heldByTenant(t: TestTenant, where = 'true'): Promise<Record<string, string[]>> {
  const { rows } = await hub.db.query<{ resource_type: string; id: string }>(
    `SELECT resource_type, id FROM fhir_resources WHERE tenant_id = $1 AND NOT deleted AND ${where} ORDER BY resource_type, id`, [t.id]);
  const out: Record<string, string[]> = {};
  for (const r of rows) (out[r.resource_type] ??= []).push(r.id);
  return out;
}

describe('Bulk Data export', () => {
  it('system export: 202 + Content-Location, then a manifest whose NDJSON files hold exactly what the institution holds', async () => {
    const a = await createTestTenant(hub, 'system/*.rs'); // the scope the IG's clients ask for
    const issued = await hub.deps.tokens.mint({ tenantId: a.id, actor: { kind: 'system', id: 'his' }, scope: 'system/*.cruds' });
    await seed({ ...a, token: issued.access_token, headers: { authorization: `Bearer ${issued.access_token}` } });
    const other = await createTestTenant(hub);
    await create(other, patient('Zhao'));

    const before = Date.now();
    const { manifest } = await exportAll(a, '$export');
    expect(manifest.requiresAccessToken).toBe(true);
    expect(manifest.request).toBe('http://hub.test/fhir/$export');
    expect(manifest.error).toEqual([]);
    expect(Date.parse(manifest.transactionTime)).toBeGreaterThanOrEqual(before - 1000);
    expect(manifest.output.map((o) => o.type)).toEqual(['Observation', 'Organization', 'Patient']);
    expect(await readOutput(a, manifest.output)).toEqual(await heldByTenant(a));
  });

  it('_type and _since select the types and the changes after the instant', async () => {
    const a = await createTestTenant(hub);
    const { p1 } = await seed(a);
    await new Promise((r) => setTimeout(r, 20));
    const since = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    const late = await create(a, observation(p1.id, 101));
    await create(a, patient('Sun'));
    const { manifest } = await exportAll(a, `$export?_type=Observation&_since=${encodeURIComponent(since)}&_outputFormat=${encodeURIComponent('application/fhir+ndjson')}`);
    expect(await readOutput(a, manifest.output)).toEqual({ Observation: [late.id] });
    expect(await readOutput(a, manifest.output)).toEqual(await heldByTenant(a, `resource_type = 'Observation' AND last_updated > '${since}'`));
  });

  it('Patient-level export holds Patients and resources in a Patient compartment, not the Organization', async () => {
    const a = await createTestTenant(hub);
    await seed(a);
    const { manifest } = await exportAll(a, 'Patient/$export');
    expect(await readOutput(a, manifest.output)).toEqual(await heldByTenant(a, `(patient_id IS NOT NULL OR resource_type = 'Patient')`));
    expect(manifest.output.map((o) => o.type)).toEqual(['Observation', 'Patient']);
  });

  it('exports each resource as it was at the transaction time (later updates and deletes do not leak in)', async () => {
    const a = await createTestTenant(hub);
    const { o } = await seed(a);
    await new Promise((r) => setTimeout(r, 20));
    const at = new Date();
    await new Promise((r) => setTimeout(r, 20));
    const current = (await hub.app.inject({ method: 'GET', url: `/fhir/Observation/${o[0].id}`, headers: a.headers })).json();
    await hub.app.inject({ method: 'PUT', url: `/fhir/Observation/${o[0].id}`, headers: a.headers, payload: { ...current, valueQuantity: { value: 999 } } });
    await hub.app.inject({ method: 'DELETE', url: `/fhir/Observation/${o[1].id}`, headers: a.headers });
    await create(a, observation('p-new', 5));
    const page = await selectExportPage(hub.db, { tenantId: a.id, resourceType: 'Observation', afterId: '', limit: 100, since: null, until: at, patientOnly: false });
    const then = await selectVersionsAt(hub.db, a.id, 'Observation', page.filter((r) => r.json === null).map((r) => r.id), at, null);
    const exported = page.map((r) => r.json ?? then.get(r.id)).filter((j): j is string => j !== undefined).map((j) => JSON.parse(j));
    expect(exported.map((r) => r.id).sort()).toEqual([o[0].id, o[1].id].sort());
    expect(exported.find((r) => r.id === o[0].id).valueQuantity.value).toBe(70);
  });

  it('a job cancelled while it runs stops at its next page and leaves no files', async () => {
    const a = await createTestTenant(hub);
    await seed(a);
    const id = `cancel-${a.id}`;
    await insertJob(hub.db, { id, tenantId: a.id, level: 'system', requestUrl: 'http://hub.test/fhir/$export' });
    await cancelJob(hub.db, a.id, id);
    const runner = new ExportRunner(hub.db, { dir: join(dataDir, 'cancel-test'), pageSize: 1 });
    runner.run({ id, tenantId: a.id, level: 'system', requestUrl: '', types: null, since: null, state: 'in-progress', transactionTime: null, progress: null, output: [], error: null, runs: 1 });
    await runner.settled(id);
    expect(existsSync(runner.jobDir(id))).toBe(false);
    expect((await selectJob(hub.db, a.id, id))?.state).toBe('cancelled');
  });

  it('answers 202 with X-Progress while a job runs', async () => {
    const a = await createTestTenant(hub);
    const id = `job-${a.id}`;
    await insertJob(hub.db, { id, tenantId: a.id, level: 'system', requestUrl: 'http://hub.test/fhir/$export' });
    await hub.db.query(`UPDATE bulk_export_jobs SET progress = 'Patient (1 of 2), 500 resources' WHERE id = $1`, [id]);
    const res = await hub.app.inject({ method: 'GET', url: `/fhir/bulk-status/${id}`, headers: a.headers });
    expect(res.statusCode).toBe(202);
    expect(res.headers['x-progress']).toBe('Patient (1 of 2), 500 resources');
    await hub.db.query(`UPDATE bulk_export_jobs SET state = 'failed' WHERE id = $1`, [id]); // no later hub should take it over
  });

  it('DELETE cancels: the status and the files are gone (404)', async () => {
    const a = await createTestTenant(hub);
    await seed(a);
    const { status, manifest } = await exportAll(a, '$export');
    const path = status.replace('http://hub.test', '');
    const del = await hub.app.inject({ method: 'DELETE', url: path, headers: a.headers });
    expect(del.statusCode).toBe(202);
    expect((await hub.app.inject({ method: 'GET', url: path, headers: a.headers })).statusCode).toBe(404);
    expect((await fetchFile(a, manifest.output[0].url)).statusCode).toBe(404);
    expect((await hub.app.inject({ method: 'DELETE', url: path, headers: a.headers })).statusCode).toBe(404);
  });

  it("another institution's token can neither poll the job nor read its files (404)", async () => {
    const a = await createTestTenant(hub);
    const b = await createTestTenant(hub);
    await seed(a);
    const { status, manifest } = await exportAll(a, '$export');
    const poll = await hub.app.inject({ method: 'GET', url: status.replace('http://hub.test', ''), headers: b.headers });
    expect(poll.statusCode).toBe(404);
    expect(poll.json().resourceType).toBe('OperationOutcome');
    const file = await fetchFile(b, manifest.output[0].url);
    expect(file.statusCode).toBe(404);
    expect(file.body).not.toContain('Observation"');
    expect((await hub.app.inject({ method: 'GET', url: manifest.output[0].url.replace('http://hub.test', '') })).statusCode).toBe(401);
  });

  it('a restarted hub takes over a job whose owner stopped and completes it', async () => {
    const a = await createTestTenant(hub);
    await seed(a);
    const id = `stale-${a.id}`;
    await insertJob(hub.db, { id, tenantId: a.id, level: 'system', requestUrl: 'http://hub.test/fhir/$export', types: ['Patient'] });
    await hub.db.query(`UPDATE bulk_export_jobs SET heartbeat_at = now() - interval '10 minutes' WHERE id = $1`, [id]); // as a crash leaves it
    const deps2 = await createAppDeps(hub.deps.config, hub.db);
    const app2 = await buildApp(deps2);
    await app2.ready(); // resumes stale jobs
    try {
      // On a shared PostgreSQL another test process's hub may take the job over first: poll, do not wait on this runner.
      let res = await app2.inject({ method: 'GET', url: `/fhir/bulk-status/${id}`, headers: a.headers });
      for (let i = 0; res.statusCode === 202 && i < 200; i += 1) {
        await new Promise((r) => setTimeout(r, 50));
        res = await app2.inject({ method: 'GET', url: `/fhir/bulk-status/${id}`, headers: a.headers });
      }
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().output).toEqual([expect.objectContaining({ type: 'Patient', count: 2 })]);
    } finally {
      await app2.close();
    }
  });
});

describe('Bulk Data export: bad requests', () => {
  const cases: Array<[string, string, Record<string, string>, number, string]> = [
    ['no Prefer: respond-async', '$export', { accept: 'application/fhir+json' }, 400, 'BULK_PREFER_ASYNC_REQUIRED'],
    ['an unknown _type', '$export?_type=Patient,Bogus', ASYNC, 400, 'BULK_INVALID_PARAMETER'],
    ['a _since that is not an instant', '$export?_since=yesterday', ASYNC, 400, 'BULK_INVALID_PARAMETER'],
    ['a _since date without time', '$export?_since=2024-01-01', ASYNC, 400, 'BULK_INVALID_PARAMETER'],
    ['an unsupported _outputFormat', '$export?_outputFormat=text/csv', ASYNC, 400, 'BULK_INVALID_PARAMETER'],
    ['an unsupported parameter', '$export?_typeFilter=Patient%3Factive%3Dtrue', ASYNC, 400, 'BULK_UNSUPPORTED_PARAMETER'],
    ['no Prefer on Patient level', 'Patient/$export', {}, 400, 'BULK_PREFER_ASYNC_REQUIRED'],
  ];
  for (const [name, path, headers, status, code] of cases) {
    it(`rejects ${name} with ${status} ${code}`, async () => {
      const a = await createTestTenant(hub);
      const res = await kickOff(a, path, headers);
      expect(res.statusCode, res.body).toBe(status);
      expect(res.json().issue[0].details.coding[0].code).toBe(code);
    });
  }

  it('ignores an unsupported parameter under Prefer: handling=lenient', async () => {
    const a = await createTestTenant(hub);
    const res = await kickOff(a, '$export?_typeFilter=x', { prefer: 'respond-async, handling=lenient' });
    expect(res.statusCode).toBe(202);
    await getExportRunner(hub.deps)!.settled(String(res.headers['content-location']).split('/').pop()!);
  });

  it('needs read on every exported type (403), and never a patient token', async () => {
    const obsOnly = await createTestTenant(hub, 'system/Observation.rs');
    expect((await kickOff(obsOnly, '$export')).statusCode).toBe(403);
    expect((await kickOff(obsOnly, '$export?_type=Patient')).statusCode).toBe(403);
    const ok = await kickOff(obsOnly, '$export?_type=Observation');
    expect(ok.statusCode).toBe(202);
    await getExportRunner(hub.deps)!.settled(String(ok.headers['content-location']).split('/').pop()!);

    const a = await createTestTenant(hub);
    const issued = await hub.deps.tokens.mint({ tenantId: a.id, actor: { kind: 'user', id: 'u-patient' }, scope: 'patient/*.rs', patient: { tenantId: a.id, id: 'p1' } });
    const res = await hub.app.inject({ method: 'GET', url: '/fhir/$export', headers: { ...ASYNC, authorization: `Bearer ${issued.access_token}` } });
    expect(res.statusCode).toBe(403);
  });

  it('the CapabilityStatement announces $export and the websocket channel', async () => {
    const cs = (await hub.app.inject({ method: 'GET', url: '/fhir/metadata' })).json();
    expect(cs.instantiates).toContain('http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data');
    expect(cs.rest[0].operation).toContainEqual({ name: 'export', definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export' });
    expect(cs.rest[0].extension[0].valueUrl).toMatch(/^ws:\/\/.*\/fhir\/ws$/);
  });

  it('404 for an unknown job', async () => {
    const a = await createTestTenant(hub);
    expect((await hub.app.inject({ method: 'GET', url: '/fhir/bulk-status/nope', headers: a.headers })).statusCode).toBe(404);
    expect((await hub.app.inject({ method: 'GET', url: '/fhir/bulk-files/nope/Patient-1.ndjson', headers: a.headers })).statusCode).toBe(404);
  });
});
