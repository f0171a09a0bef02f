import type { Bundle, Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, startTestHub, type TestHub, type TestTenant } from '../../../test/support/app.js';
import { findLinkedPatientRecords } from '../access/index.js';
import { findLinkedRecords } from './linked-records.service.js';
import { PATIENT_RECORD_SYSTEM, REGIONAL_ID_SYSTEM } from './patient-person.js';
import { buildPatient, randomPerson, residentId, slipBirthDate } from './test-support.js';

async function post(hub: TestHub, t: TestTenant, patient: Patient): Promise<string> {
  const res = await hub.app.inject({ method: 'POST', url: '/fhir/Patient', headers: t.headers, payload: patient });
  expect(res.statusCode).toBe(201);
  return res.json().id;
}

async function read(hub: TestHub, t: TestTenant, id: string): Promise<Patient> {
  const res = await hub.app.inject({ method: 'GET', url: `/fhir/Patient/${id}`, headers: t.headers });
  expect(res.statusCode).toBe(200);
  return res.json();
}

const regional = (p: Patient) => p.identifier?.find((i) => i.system === REGIONAL_ID_SYSTEM)?.value;

describe('online matching (outbox consumer)', () => {
  let hub: TestHub;
  let a: TestTenant;
  let b: TestTenant;
  let c: TestTenant;
  beforeAll(async () => {
    hub = await startTestHub({ identityOnlineMatch: true });
    await hub.deps.events.drain(); // the index's consumer starts at the end of the log: place its cursor now
    a = await createTestTenant(hub, 'system/*.cruds', 'City Hospital');
    b = await createTestTenant(hub, 'system/*.cruds', 'Community Centre');
    c = await createTestTenant(hub, 'system/*.cruds', 'County Hospital');
  }, 300_000);
  afterAll(async () => hub?.close());

  it('gives the same person at three institutions one regional id and seealso links to the others', async () => {
    const p = randomPerson('张晓明');
    const pa = await post(hub, a, buildPatient(p));
    const pb = await post(hub, b, buildPatient({ ...p, name: '張曉明' }));
    const pc = await post(hub, c, buildPatient({ ...p, name: 'ZHANG Xiaoming', residentId: undefined }));
    await hub.deps.events.drain();
    const [ra, rb, rc] = [await read(hub, a, pa), await read(hub, b, pb), await read(hub, c, pc)];
    expect(regional(ra)).toBeDefined();
    expect(regional(rb)).toBe(regional(ra));
    expect(regional(rc)).toBe(regional(ra));
    const links = (ra.link ?? []).map((l) => [l.type, l.other.identifier?.system, l.other.identifier?.value]);
    expect(links).toEqual(
      expect.arrayContaining([
        ['seealso', PATIENT_RECORD_SYSTEM, `${b.id}/${pb}`],
        ['seealso', PATIENT_RECORD_SYSTEM, `${c.id}/${pc}`],
      ]),
    );
    expect(ra.link).toHaveLength(2);
    // The contract other modules use: every record of the same person, the given one included.
    const linked = await findLinkedRecords(hub.db, b.id, pb);
    expect(linked.map((r) => `${r.tenantId}/${r.patientId}`).sort()).toEqual([`${a.id}/${pa}`, `${b.id}/${pb}`, `${c.id}/${pc}`].sort());
    expect(new Set(linked.map((r) => r.regionalId))).toEqual(new Set([regional(ra)]));
    // The index's own writes come back as fhir.update events and change nothing more (no loop).
    const version = ra.meta?.versionId;
    await hub.deps.events.drain();
    expect((await read(hub, a, pa)).meta?.versionId).toBe(version);
  });

  it('lets access count a registration the index has not handled yet as the same person, by resident id', async () => {
    const p = randomPerson('刘洋');
    const pa = await post(hub, a, buildPatient(p));
    await hub.deps.events.drain();
    // b registers the same person, c someone else, and a a newborn on the mother's id; the index's consumer
    // has not run since.
    const pb = await post(hub, b, buildPatient({ ...p, phone: undefined, address: undefined }));
    await post(hub, c, buildPatient(randomPerson('刘洋')));
    await post(hub, a, buildPatient({ ...p, name: '刘小宝', birthDate: '2026-11-01' }));
    const names = (records: Array<{ tenantId: string; id: string }>) => records.map((r) => `${r.tenantId}/${r.id}`);
    expect(names(await findLinkedPatientRecords(hub.db, { tenantId: a.id, id: pa }))).toEqual([`${a.id}/${pa}`, `${b.id}/${pb}`]);
    // Once indexed, the index itself says so, and b's record is listed once.
    await hub.deps.events.drain();
    expect(names(await findLinkedPatientRecords(hub.db, { tenantId: a.id, id: pa }))).toEqual([`${a.id}/${pa}`, `${b.id}/${pb}`]);
  });

  it('keeps twins of one household apart (different ids, given names and sexes)', async () => {
    const brother = randomPerson('李明', 'male');
    const sister = { ...brother, name: '李丽', gender: 'female' as const, residentId: residentId('330106', brother.birthDate.replaceAll('-', ''), '022') };
    const p1 = await post(hub, a, buildPatient(brother));
    const p2 = await post(hub, a, buildPatient(sister));
    await hub.deps.events.drain();
    expect(regional(await read(hub, a, p1))).not.toBe(regional(await read(hub, a, p2)));
  });

  it('re-matches a Patient whose update changes its person fields, and drops the regional id a client forged', async () => {
    const p = randomPerson('王芳', 'female');
    const q = randomPerson('陈静', 'female');
    const pa = await post(hub, a, buildPatient(p));
    const pb = await post(hub, b, buildPatient(q));
    await hub.deps.events.drain();
    const before = await read(hub, b, pb);
    // Institution b corrects its record: it was the same person as a's all along; it also sends a fake regional id.
    const corrected: Patient = { ...buildPatient(p), id: pb, identifier: [...(buildPatient(p).identifier ?? []), { system: REGIONAL_ID_SYSTEM, value: 'forged' }] };
    const res = await hub.app.inject({ method: 'PUT', url: `/fhir/Patient/${pb}`, headers: b.headers, payload: corrected });
    expect(res.statusCode).toBe(200);
    await hub.deps.events.drain();
    const after = await read(hub, b, pb);
    expect(regional(after)).toBe(regional(await read(hub, a, pa)));
    expect(regional(after)).not.toBe(regional(before));
    expect(after.identifier?.filter((i) => i.system === REGIONAL_ID_SYSTEM)).toHaveLength(1);
  });

  it('removes a deleted Patient from its person: the other record loses the link', async () => {
    const p = randomPerson('赵强');
    const pa = await post(hub, a, buildPatient(p));
    const pb = await post(hub, b, buildPatient(p));
    await hub.deps.events.drain();
    expect((await read(hub, a, pa)).link).toHaveLength(1);
    expect((await hub.app.inject({ method: 'DELETE', url: `/fhir/Patient/${pb}`, headers: b.headers })).statusCode).toBeLessThan(300);
    await hub.deps.events.drain();
    expect((await read(hub, a, pa)).link).toBeUndefined();
  });

  it('sends an uncertain pair to the review queue and gives each record its own id meanwhile', async () => {
    // Same name and sex, birth dates one digit apart, no id, different phone and address: moved, or a namesake.
    const p = randomPerson('周建国');
    const base = { name: p.name, gender: p.gender, birthDate: p.birthDate };
    const pa = await post(hub, a, buildPatient({ ...base, phone: p.phone, address: p.address }));
    const pb = await post(hub, c, buildPatient({ ...base, birthDate: slipBirthDate(p.birthDate), phone: randomPerson('x').phone, address: '宁波市海曙区中山西路88号' }));
    await hub.deps.events.drain();
    expect(regional(await read(hub, a, pa))).not.toBe(regional(await read(hub, c, pb)));
    const { rows } = await hub.db.query<{ status: string; probability: number }>(
      `SELECT status, probability FROM identity_pairs WHERE (a_tenant_id, a_patient_id, b_tenant_id, b_patient_id) IN (($1, $2, $3, $4), ($3, $4, $1, $2))`,
      [a.id, pa, c.id, pb],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].status).toBe('open');
    expect(rows[0].probability).toBeGreaterThan(0.1);
    expect(rows[0].probability).toBeLessThan(0.99);
  });

  it('answers $match with the own record in full and another institution only by regional id', async () => {
    const p = randomPerson('孙伟');
    const pa = await post(hub, a, buildPatient(p));
    await post(hub, b, buildPatient(p));
    await hub.deps.events.drain();
    const res = await hub.app.inject({
      method: 'POST',
      url: '/fhir/Patient/$match',
      headers: a.headers,
      payload: { resourceType: 'Parameters', parameter: [{ name: 'resource', resource: buildPatient({ ...p, phone: undefined, address: undefined }) }] },
    });
    expect(res.statusCode).toBe(200);
    const bundle = res.json() as Bundle;
    expect(bundle.type).toBe('searchset');
    const own = bundle.entry?.find((e) => e.resource?.id === pa);
    expect(own?.search?.extension?.[0]).toEqual({ url: 'http://hl7.org/fhir/StructureDefinition/match-grade', valueCode: 'certain' });
    const rid = regional(own!.resource as Patient);
    const others = bundle.entry?.filter((e) => e.resource?.id !== pa) ?? [];
    for (const e of others) expect(Object.keys(e.resource!).sort()).toEqual(['identifier', 'resourceType']);
    expect(bundle.entry?.every((e) => JSON.stringify(e).indexOf(p.residentId) === -1 || e.resource?.id === pa)).toBe(true);
    expect(rid).toBeDefined();
  });
});
