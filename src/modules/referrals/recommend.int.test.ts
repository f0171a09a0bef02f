import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../../../test/support/app.js';
import { call, CARDIOLOGY, createReferralRegion, personToken, postPatient, postResource, type Party, type Json } from './test-support/referral-fixtures.js';

let hub: TestHub;
beforeAll(async () => { hub = await startTestHub(); });
afterAll(async () => { await hub.close(); });

const SNOMED = 'http://snomed.info/sct';
const H = 3_600_000;

async function site(party: Party, latitude: number, longitude: number): Promise<void> {
  await postResource(hub, party, {
    resourceType: 'Location', status: 'active', name: 'site', position: { latitude, longitude },
    physicalType: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/location-physical-type', code: 'si' }] },
  });
}

async function cardiologySchedule(party: Party, freeSlotsInHours: number[], busy = 0): Promise<void> {
  const scheduleId = await postResource(hub, party, {
    resourceType: 'Schedule', active: true, actor: [{ display: '心内科门诊' }],
    specialty: [{ coding: [{ system: SNOMED, code: CARDIOLOGY.code, display: CARDIOLOGY.display }] }],
  });
  const slot = (h: number, status: string) => ({
    resourceType: 'Slot', schedule: { reference: `Schedule/${scheduleId}` }, status,
    start: new Date(Date.now() + h * H).toISOString(), end: new Date(Date.now() + h * H + 0.5 * H).toISOString(),
  });
  for (const h of freeSlotsInHours) await postResource(hub, party, slot(h, 'free'));
  for (let i = 0; i < busy; i++) await postResource(hub, party, slot(2 + i, 'busy'));
  await postResource(hub, party, slot(-5, 'free')); // in the past: not capacity
}

async function beds(party: Party, free: number, occupied: number): Promise<void> {
  for (const [code, n] of [['U', free], ['O', occupied]] as const) {
    for (let i = 0; i < n; i++) {
      await postResource(hub, party, {
        resourceType: 'Location', status: 'active', name: `床位 ${code}${i}`, operationalStatus: { system: 'http://terminology.hl7.org/CodeSystem/v2-0116', code },
        physicalType: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/location-physical-type', code: 'bd' }] },
      });
    }
  }
}

describe('$recommend', () => {
  it('ranks receivers by specialty, capacity, wait, distance, agreements and previous care, and explains each score', async () => {
    const r = await createReferralRegion(hub);
    const district = await personToken(hub, r.other, ['institution-admin'], '区医院管理员');
    const tertiary = await personToken(hub, r.hospital, ['institution-admin'], '三甲医院管理员');
    await site(r.chcDoctor, 30.0, 120.0);
    await site(tertiary, 30.2, 120.0); // ~22 km
    await site(district, 30.02, 120.0); // ~2 km
    await cardiologySchedule(tertiary, [20, 26, 30, 44, 50, 70, 90, 100, 120, 140], 3);
    await cardiologySchedule(district, [230]);
    await beds(tertiary, 2, 8);

    const plain = await call(hub, r.chcDoctor, 'POST', '/api/referrals/$recommend', { specialty: CARDIOLOGY.code, priority: 'urgent', limit: 50 });
    expect(plain.status, JSON.stringify(plain.body)).toBe(200);
    const mine = plain.body.items.filter((i: Json) => [r.hospital, r.other].includes(i.institution.id));
    expect(mine.map((i: Json) => i.institution.id)).toEqual([r.hospital, r.other]);
    expect(plain.body.items.some((i: Json) => i.institution.id === r.chc)).toBe(false);
    const top = mine[0];
    const byName = Object.fromEntries(top.components.map((c: Json) => [c.name, c]));
    expect(byName.capacity.explanation).toBe('10 free slot(s) in the next 14 days; 2 of 10 bed(s) free');
    expect(byName.capacity.score).toBe(0.5);
    expect(byName.wait.explanation).toMatch(/^Earliest free slot in 20\.0 h/);
    expect(byName.distance.explanation).toMatch(/^22\.\d km away/);
    expect(byName.agreement.score).toBe(0);
    expect(byName.previousCare.explanation).toBe('No patient given: not counted');
    for (const c of top.components) expect(typeof c.explanation).toBe('string');

    // A consortium agreement with the near district hospital, plus the patient's history there, turn the order.
    const admin = await personToken(hub, r.chc, ['institution-admin'], '社区管理员');
    const agreed = await call(hub, admin, 'PUT', '/api/referrals/agreements', { receiver: r.other, specialty: '*', note: '东湖医联体' });
    expect(agreed.status).toBe(200);
    const residentId = '339002198001011234';
    const patientId = await postPatient(hub, r.chcDoctor, residentId);
    const districtPatient = await postPatient(hub, r.outsider, residentId);
    for (let i = 0; i < 2; i++) {
      await postResource(hub, r.outsider, { resourceType: 'Encounter', status: 'finished', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' }, subject: { reference: `Patient/${districtPatient}` } });
    }
    const withPatient = await call(hub, r.chcDoctor, 'POST', '/api/referrals/$recommend', { specialty: CARDIOLOGY, patient: `Patient/${patientId}`, priority: 'routine', limit: 50 });
    const mine2 = withPatient.body.items.filter((i: Json) => [r.hospital, r.other].includes(i.institution.id));
    expect(mine2.map((i: Json) => i.institution.id)).toEqual([r.other, r.hospital]);
    const districtRec = Object.fromEntries(mine2[0].components.map((c: Json) => [c.name, c]));
    expect(districtRec.agreement).toMatchObject({ score: 1, explanation: 'Consortium agreement with your institution covers this' });
    expect(districtRec.previousCare.explanation).toMatch(/^The patient has 2 encounter\(s\) there/);

    const list = await call(hub, r.chcDoctor, 'GET', '/api/referrals/agreements');
    expect(list.body.items).toEqual([{ sender: r.chc, receiver: r.other, specialty: '*', note: '东湖医联体' }]);
  });

  it('refuses bad input and people who may not refer', async () => {
    const r = await createReferralRegion(hub);
    const cases: Array<[unknown, number]> = [
      [{}, 400], [{ specialty: '' }, 400], [{ specialty: CARDIOLOGY.code, priority: 'whenever' }, 400],
      [{ specialty: CARDIOLOGY.code, limit: 0 }, 400], [{ specialty: CARDIOLOGY.code, limit: 'ten' }, 400],
      [{ specialty: CARDIOLOGY.code, patient: 'Patient/none' }, 422], [{ specialty: CARDIOLOGY.code, patient: 'someone' }, 400],
    ];
    for (const [body, status] of cases) {
      const res = await call(hub, r.chcDoctor, 'POST', '/api/referrals/$recommend', body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(res.body.resourceType).toBe('OperationOutcome');
    }
    const nurse = await personToken(hub, r.chc, ['nurse'], '护士');
    expect((await call(hub, nurse, 'POST', '/api/referrals/$recommend', { specialty: CARDIOLOGY.code })).status).toBe(403);
    expect((await call(hub, r.chcDoctor, 'PUT', '/api/referrals/agreements', { receiver: r.other })).status).toBe(403);
    const admin = await personToken(hub, r.chc, ['institution-admin'], '社区管理员');
    expect((await call(hub, admin, 'PUT', '/api/referrals/agreements', { sender: r.hospital, receiver: r.other })).status).toBe(403);
    expect((await call(hub, admin, 'PUT', '/api/referrals/agreements', { receiver: r.chc })).status).toBe(400);
    expect((await call(hub, admin, 'PUT', '/api/referrals/agreements', { receiver: 'nowhere' })).status).toBe(422);
    expect((await call(hub, admin, 'PUT', '/api/referrals/agreements', { receiver: r.other, specialty: 'a b' })).status).toBe(400);
    await postPatient(hub, r.chcDoctor);
  });

  it('documents the referral API in OpenAPI, lists the coded decline reasons and removes agreements', async () => {
    const docs = await hub.app.inject({ method: 'GET', url: '/docs/json' });
    expect(docs.statusCode).toBe(200);
    const paths = docs.json().paths as Record<string, Record<string, { tags?: string[]; summary?: string }>>;
    for (const [path, method] of [['/api/referrals/', 'post'], ['/api/referrals/$recommend', 'post'], ['/api/referrals/$check-duplicate', 'post'], ['/api/referrals/{id}/transitions', 'post'], ['/api/referrals/measures', 'get']] as const) {
      const op = paths[path]?.[method] ?? paths[path.replace(/\/$/, '')]?.[method];
      expect(op, path).toBeDefined();
      expect(op.tags).toEqual(['referrals']);
      expect(op.summary, path).toBeTruthy();
    }
    const r = await createReferralRegion(hub);
    const reasons = await call(hub, r.coordinator, 'GET', '/api/referrals/decline-reasons');
    expect(reasons.body.items.map((i: Json) => i.code)).toEqual(['no-capacity', 'not-indicated', 'wrong-specialty', 'incomplete-information', 'patient-declined', 'better-elsewhere', 'other']);
    const admin = await personToken(hub, r.chc, ['institution-admin'], '社区管理员');
    await call(hub, admin, 'PUT', '/api/referrals/agreements', { receiver: r.hospital, specialty: CARDIOLOGY.code });
    expect((await call(hub, admin, 'GET', '/api/referrals/agreements')).body.items).toHaveLength(1);
    const removed = await call(hub, admin, 'PUT', '/api/referrals/agreements', { receiver: r.hospital, specialty: CARDIOLOGY.code, remove: true });
    expect(removed.body.removed).toBe(true);
    expect((await call(hub, admin, 'GET', '/api/referrals/agreements')).body.items).toEqual([]);
  });
});
