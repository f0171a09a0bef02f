import type { Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, startTestHub, type TestHub, type TestTenant } from '../../../test/support/app.js';
import { decodeLeafEvent } from '../audit/index.js';
import { REGIONAL_ID_SYSTEM } from './patient-person.js';
import { buildPatient, randomPerson, slipBirthDate } from './test-support.js';

const regional = (p: Patient) => p.identifier?.find((i) => i.system === REGIONAL_ID_SYSTEM)?.value;

describe('identity review queue API', () => {
  let hub: TestHub;
  let a: TestTenant;
  let c: TestTenant;
  let outsider: TestTenant;

  beforeAll(async () => {
    hub = await startTestHub({ identityOnlineMatch: true });
    await hub.deps.events.drain(); // places the index consumer's cursor (it starts at the end of the log)
    a = await createTestTenant(hub, 'system/*.cruds', 'City Hospital');
    c = await createTestTenant(hub, 'system/*.cruds', 'County Hospital');
    outsider = await createTestTenant(hub, 'system/*.cruds', 'Elsewhere');
  }, 300_000);
  afterAll(async () => hub?.close());

  async function post(t: TestTenant, patient: Patient): Promise<string> {
    const res = await hub.app.inject({ method: 'POST', url: '/fhir/Patient', headers: t.headers, payload: patient });
    expect(res.statusCode).toBe(201);
    return res.json().id;
  }
  const read = async (t: TestTenant, id: string): Promise<Patient> => (await hub.app.inject({ method: 'GET', url: `/fhir/Patient/${id}`, headers: t.headers })).json();
  const decide = (t: { headers: Record<string, string> }, id: string, payload: unknown) =>
    hub.app.inject({ method: 'POST', url: `/api/identity/pairs/${id}/decision`, headers: t.headers, payload: payload as object });

  /** Two records of one person that the matcher is unsure about: same name, sex and birth date, nothing else. */
  const NAMES = ['周建国', '吴志强', '郑海燕', '冯秀兰', '褚卫东', '蒋文华', '沈玉梅', '韩国栋'];
  let calls = 0;
  async function uncertainPair(): Promise<{ pairId: string; pa: string; pc: string }> {
    // A different name each time, so two calls' records never pair up with each other.
    const p = randomPerson(NAMES[calls++ % NAMES.length]);
    const base = { name: p.name, gender: p.gender, birthDate: p.birthDate };
    const pa = await post(a, buildPatient({ ...base, phone: p.phone, address: p.address }));
    const pc = await post(c, buildPatient({ ...base, birthDate: slipBirthDate(p.birthDate), phone: randomPerson('x').phone, address: '宁波市海曙区中山西路88号' }));
    await hub.deps.events.drain();
    const list = await hub.app.inject({ method: 'GET', url: '/api/identity/pairs?limit=100', headers: a.headers });
    expect(list.statusCode).toBe(200);
    const pair = list.json().pairs.find((x: { a: { patientId: string }; b: { patientId: string } }) => [x.a.patientId, x.b.patientId].sort().join() === [pa, pc].sort().join());
    expect(pair).toBeDefined();
    return { pairId: pair.id, pa, pc };
  }

  it('lists open pairs highest score first, paged, and shows one side by side with field weights', async () => {
    const { pairId } = await uncertainPair();
    await uncertainPair();
    const page = (await hub.app.inject({ method: 'GET', url: '/api/identity/pairs?limit=1', headers: a.headers })).json();
    expect(page.pairs).toHaveLength(1);
    expect(page.total).toBeGreaterThanOrEqual(2);
    const all = (await hub.app.inject({ method: 'GET', url: '/api/identity/pairs?limit=100', headers: a.headers })).json();
    const scores = all.pairs.map((p: { probability: number }) => p.probability);
    expect(scores).toEqual([...scores].sort((x, y) => y - x));
    const detail = await hub.app.inject({ method: 'GET', url: `/api/identity/pairs/${pairId}`, headers: a.headers });
    expect(detail.statusCode).toBe(200);
    const d = detail.json();
    expect(d.a.name).toBe('周建国');
    expect(d.b.name).toBe('周建国');
    expect(d.allowed).toEqual(['link', 'keep-apart', 'merge']);
    const byField = Object.fromEntries(d.fields.map((f: { field: string; agreement: string }) => [f.field, f.agreement]));
    expect(byField).toMatchObject({ family: 'agree', given: 'agree', birthDate: 'partial', sex: 'agree', idNumber: 'missing', contact: 'differ' });
    const sum = d.prior + d.fields.reduce((s: number, f: { weight: number }) => s + f.weight, 0);
    expect(sum).toBeCloseTo(d.logOdds, 6);
  });

  it('links a pair (one regional id, audited), refuses a second decision with 409, and relinks it back', async () => {
    const { pairId, pa, pc } = await uncertainPair();
    const before = (await hub.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_leaves WHERE tenant_id = $1", [a.id])).rows[0].n;
    const res = await decide(a, pairId, { decision: 'link', reason: 'same person, confirmed by phone call' });
    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe('linked');
    expect(regional(await read(c, pc))).toBe(regional(await read(a, pa)));
    const leaves = await hub.db.query<{ leaf_data: string }>('SELECT leaf_data FROM audit_leaves WHERE tenant_id = $1 ORDER BY seq', [a.id]);
    expect(leaves.rows.length).toBe(before + 1);
    const event = decodeLeafEvent(leaves.rows[leaves.rows.length - 1].leaf_data)!;
    expect(event.subtype?.[0].code).toBe('identity-link');
    expect((await decide(a, pairId, { decision: 'link' })).statusCode).toBe(409);
    expect((await decide(a, pairId, { decision: 'keep-apart' })).statusCode).toBe(409);
    const back = await decide(a, pairId, { decision: 'relink' });
    expect(back.json().status).toBe('open');
    expect(regional(await read(c, pc))).not.toBe(regional(await read(a, pa)));
  });

  it('keeps a pair apart for good: a later update of either record does not join them', async () => {
    const { pairId, pa, pc } = await uncertainPair();
    expect((await decide(a, pairId, { decision: 'keep-apart' })).json().status).toBe('kept-apart');
    // c adds the same phone and address as a's record: on its own this would now be an automatic link.
    const pcNow = await read(c, pc);
    const paNow = await read(a, pa);
    const updated = { ...pcNow, telecom: paNow.telecom, address: paNow.address };
    expect((await hub.app.inject({ method: 'PUT', url: `/fhir/Patient/${pc}`, headers: c.headers, payload: updated })).statusCode).toBe(200);
    await hub.deps.events.drain();
    expect(regional(await read(c, pc))).not.toBe(regional(await read(a, pa)));
    expect((await hub.app.inject({ method: 'GET', url: `/api/identity/pairs/${pairId}`, headers: a.headers })).json().status).toBe('kept-apart');
  });

  it('merges into a surviving record (replaced-by / replaces, inactive) and unmerges', async () => {
    const { pairId, pa, pc } = await uncertainPair();
    const res = await decide(a, pairId, { decision: 'merge', survivor: 'a' });
    expect(res.statusCode).toBe(200);
    const detail = res.json();
    const survivor = detail.a.patientId === pa ? { t: a, id: pa } : { t: c, id: pc };
    const loser = detail.a.patientId === pa ? { t: c, id: pc } : { t: a, id: pa };
    const lost = await read(loser.t, loser.id);
    expect(lost.active).toBe(false);
    expect(lost.link?.map((l) => l.type)).toEqual(['replaced-by']);
    expect((await read(survivor.t, survivor.id)).link?.map((l) => l.type)).toEqual(['replaces']);
    expect((await decide(a, pairId, { decision: 'merge' })).statusCode).toBe(409);
    const un = await decide(a, pairId, { decision: 'unmerge' });
    expect(un.json().status).toBe('linked');
    const restored = await read(loser.t, loser.id);
    expect(restored.active).not.toBe(false);
    expect(restored.link?.map((l) => l.type)).toEqual(['seealso']);
  });

  it('answers bad requests with an OperationOutcome: 404 unknown pair, 400 bad decision, 401, 403', async () => {
    const { pairId } = await uncertainPair();
    const unknown = await hub.app.inject({ method: 'GET', url: '/api/identity/pairs/7b0c5a52-2b7e-4c1e-9a55-1d2a3b4c5d6e', headers: a.headers });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().resourceType).toBe('OperationOutcome');
    expect((await hub.app.inject({ method: 'GET', url: '/api/identity/pairs/not-a-uuid', headers: a.headers })).statusCode).toBe(404);
    expect((await decide(a, '7b0c5a52-2b7e-4c1e-9a55-1d2a3b4c5d6e', { decision: 'link' })).statusCode).toBe(404);
    // Another institution's steward does not see the pair at all.
    expect((await hub.app.inject({ method: 'GET', url: `/api/identity/pairs/${pairId}`, headers: outsider.headers })).statusCode).toBe(404);
    expect((await decide(outsider, pairId, { decision: 'link' })).statusCode).toBe(404);
    for (const body of [{ decision: 'marry' }, {}, { decision: 'link', survivor: 'a' }, { decision: 'merge', survivor: 'c' }, { decision: 'link', reason: 42 }]) {
      const r = await decide(a, pairId, body);
      expect(r.statusCode, JSON.stringify(body)).toBe(400);
      expect(r.json().resourceType).toBe('OperationOutcome');
    }
    expect((await hub.app.inject({ method: 'GET', url: '/api/identity/pairs?limit=0', headers: a.headers })).statusCode).toBe(400);
    expect((await hub.app.inject({ method: 'GET', url: '/api/identity/pairs?sort=oldest', headers: a.headers })).statusCode).toBe(400);
    expect((await hub.app.inject({ method: 'GET', url: '/api/identity/pairs' })).statusCode).toBe(401);
    const reader = await createTestTenant(hub, 'system/Patient.rs');
    expect((await hub.app.inject({ method: 'GET', url: '/api/identity/pairs', headers: reader.headers })).statusCode).toBe(403);
    const clinician = await hub.deps.tokens.mint({ tenantId: a.id, actor: { kind: 'user', id: 'u-clin', roles: ['clinician'] }, scope: 'user/*.cruds' });
    expect((await decide({ headers: { authorization: `Bearer ${clinician.access_token}` } }, pairId, { decision: 'link' })).statusCode).toBe(403);
    const steward = await hub.deps.tokens.mint({ tenantId: a.id, actor: { kind: 'user', id: 'u-admin', roles: ['institution-admin'] }, scope: 'user/Patient.rs' });
    const ok = await hub.app.inject({ method: 'GET', url: `/api/identity/pairs/${pairId}`, headers: { authorization: `Bearer ${steward.access_token}` } });
    expect(ok.statusCode).toBe(200);
  });
});
