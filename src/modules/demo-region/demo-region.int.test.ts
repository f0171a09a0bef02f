import type { Bundle, Observation, Patient } from '@medplum/fhirtypes';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../../../test/support/app.js';
import { isHubError } from '../../platform/errors/index.js';
import { generateRegion, type GeneratedRegistration } from './generator.js';
import { isRegionSeeded, seedDemoRegion, type SeedProgress, type SeedResult } from './demo-region.service.js';
import { RESIDENT_ID_SYSTEM } from './registrations.js';

const PEOPLE = 24;

describe('seedDemoRegion (through the real FHIR store)', () => {
  let hub: TestHub;
  let prefix: string;
  let result: SeedResult;
  const progress: SeedProgress[] = [];
  let expected: GeneratedRegistration[];

  beforeAll(async () => {
    hub = await startTestHub();
    prefix = `t-${randomUUID().slice(0, 8)}-`;
    result = await seedDemoRegion(hub.db, { patients: PEOPLE, seed: 1, tenantPrefix: prefix, batchSize: 200, onProgress: (p) => progress.push(p) });
    expected = [];
    for (const chunk of generateRegion({ patients: PEOPLE, seed: 1, tenantPrefix: prefix })) if (chunk.kind === 'household') expected.push(...chunk.registrations);
    // Seeding validates and indexes every resource: allow for a busy CI machine.
  }, 300_000);
  afterAll(async () => {
    await hub?.close();
  });

  async function search(tenantId: string, url: string): Promise<Bundle> {
    const { access_token } = await hub.deps.tokens.mint({ tenantId, actor: { kind: 'system', id: 'seed-test' }, scope: 'system/*.rs' });
    const res = await hub.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${access_token}`, accept: 'application/fhir+json' } });
    expect(res.statusCode).toBe(200);
    return res.json() as Bundle;
  }

  it('writes the institutions, every resource and the identity truth, and marks the region seeded', async () => {
    expect(result.people).toBe(PEOPLE);
    expect(result.patientRecords).toBe(expected.length);
    const institutions = await hub.db.query<{ id: string; kind: string }>('SELECT id, kind FROM institutions WHERE id LIKE $1 ORDER BY id', [`${prefix}%`]);
    expect(institutions.rows.map((r) => r.id)).toEqual(result.institutions.map((i) => i.id).sort());
    expect(institutions.rows).toHaveLength(9);
    const stored = await hub.db.query<{ n: number }>('SELECT count(*)::int AS n FROM fhir_resources WHERE tenant_id LIKE $1', [`${prefix}%`]);
    expect(stored.rows[0].n).toBe(result.resources);
    const truth = await hub.db.query<{ person_key: string; tenant_id: string; patient_id: string }>(
      'SELECT person_key, tenant_id, patient_id FROM demo_identity_truth WHERE tenant_id LIKE $1 ORDER BY tenant_id, patient_id', [`${prefix}%`],
    );
    const want = expected.map((r) => ({ person_key: r.personKey, tenant_id: r.tenantId, patient_id: r.patientId }));
    want.sort((a, b) => (a.tenant_id + a.patient_id < b.tenant_id + b.patient_id ? -1 : 1));
    expect(truth.rows).toEqual(want);
    expect(await isRegionSeeded(hub.db, prefix)).toBe(true);
    expect(progress.at(-1)).toEqual({ people: PEOPLE, total: PEOPLE, resources: result.resources });
    // Progress only ever moves forward, and counts people only once all their records are written.
    expect(progress.every((p, i) => i === 0 || (p.people >= progress[i - 1].people && p.resources > progress[i - 1].resources))).toBe(true);
    expect(progress.slice(0, -1).some((p) => p.people < PEOPLE)).toBe(true);
  });

  it('finds a seeded patient by FHIR search on resident id number and on name', async () => {
    const reg = expected.find((r) => r.record.idNumber && /^\p{Script=Han}+$/u.test(r.record.name))!;
    const byId = await search(reg.tenantId, `/fhir/Patient?identifier=${encodeURIComponent(`${RESIDENT_ID_SYSTEM}|${reg.record.idNumber}`)}`);
    expect(byId.entry?.map((e) => e.resource?.id)).toEqual([reg.patientId]);
    const patient = byId.entry![0].resource as Patient;
    expect(patient.name?.[0].text).toBe(reg.record.name);
    const byName = await search(reg.tenantId, `/fhir/Patient?name=${encodeURIComponent(reg.record.name)}`);
    expect(byName.entry?.map((e) => e.resource?.id)).toContain(reg.patientId);
  });

  it("finds a patient's vital signs by subject and category", async () => {
    const reg = expected[0];
    const bundle = await search(reg.tenantId, `/fhir/Observation?subject=Patient/${reg.patientId}&category=vital-signs&_count=100`);
    const got = (bundle.entry ?? []).map((e) => (e.resource as Observation).id).sort();
    const want = reg.resources.filter((r) => r.resourceType === 'Observation' && (r as Observation).category?.[0].coding?.[0].code === 'vital-signs').map((r) => r.id).sort();
    expect(want.length).toBeGreaterThan(0);
    expect(got).toEqual(want);
  });

  it('does not see the region from another tenant', async () => {
    const reg = expected[0];
    const other = result.institutions.find((i) => i.id !== reg.tenantId && !expected.some((r) => r.tenantId === i.id && r.personKey === reg.personKey))!;
    const bundle = await search(other.id, `/fhir/Patient?identifier=${encodeURIComponent(`${RESIDENT_ID_SYSTEM}|${reg.record.idNumber}`)}`);
    expect(bundle.entry ?? []).toEqual([]);
  });

  it('loads only the directory and Patients with clinical: false', async () => {
    const p = `t-${randomUUID().slice(0, 8)}-`;
    const small = await seedDemoRegion(hub.db, { patients: 8, seed: 3, tenantPrefix: p, clinical: false });
    const types = await hub.db.query<{ resource_type: string }>('SELECT DISTINCT resource_type FROM fhir_resources WHERE tenant_id LIKE $1 ORDER BY 1', [`${p}%`]);
    expect(types.rows.map((r) => r.resource_type)).toEqual(['Location', 'Organization', 'Patient', 'Practitioner', 'PractitionerRole']);
    const patients = await hub.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM fhir_resources WHERE tenant_id LIKE $1 AND resource_type = 'Patient'`, [`${p}%`]);
    expect(patients.rows[0].n).toBe(small.patientRecords);
  });

  it('refuses to seed the same region twice (DEMO_ALREADY_SEEDED)', async () => {
    const err = await seedDemoRegion(hub.db, { patients: 5, seed: 2, tenantPrefix: prefix }).catch((e: unknown) => e);
    expect(isHubError(err) && err.code).toBe('DEMO_ALREADY_SEEDED');
    expect(isHubError(err) && err.status).toBe(409);
  });

  it('refuses a half-loaded region (DEMO_PARTIALLY_SEEDED) and reports it not seeded', async () => {
    const other = `t-${randomUUID().slice(0, 8)}-`;
    await hub.db.query(`INSERT INTO demo_region (tenant_prefix, seed, people, status) VALUES ($1, 1, 10, 'loading')`, [other]);
    const err = await seedDemoRegion(hub.db, { patients: 5, seed: 1, tenantPrefix: other }).catch((e: unknown) => e);
    expect(isHubError(err) && err.code).toBe('DEMO_PARTIALLY_SEEDED');
    expect(await isRegionSeeded(hub.db, other)).toBe(false);
  });

  it.each([
    [{ patients: 0 }],
    [{ patients: -3 }],
    [{ patients: 2.5 }],
    [{ seed: -1 }],
    [{ seed: 2 ** 40 }],
    [{ batchSize: 0 }],
    [{ tenantPrefix: 'Bad Prefix!' }],
  ])('rejects bad options %j with DEMO_INVALID_OPTIONS and writes nothing', async (bad) => {
    const p = `t-${randomUUID().slice(0, 8)}-`;
    const err = await seedDemoRegion(hub.db, { patients: 3, seed: 1, tenantPrefix: p, ...bad }).catch((e: unknown) => e);
    expect(isHubError(err) && err.code).toBe('DEMO_INVALID_OPTIONS');
    expect(isHubError(err) && err.status).toBe(400);
    const rows = await hub.db.query('SELECT 1 FROM demo_region WHERE tenant_prefix = $1', [p]);
    expect(rows.rowCount).toBe(0);
  });
});
