import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../../../test/support/app.js';
import { recordCareRelationship } from '../access/index.js';
import { drainAuditQueue } from '../audit/index.js';
import type { InstitutionRecord, RegionalRecord } from './regional-record.service.js';
import { readRegionalRecord } from './regional-record.service.js';
import { buildRegion, grant, post, userToken, type Region } from '../../../test/support/region-fixtures.js';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(async () => {
  await hub.close();
});

async function regional(headers: { authorization: string }, patientId: string, query = ''): Promise<{ status: number; body: RegionalRecord & { issue?: Array<{ details?: { coding?: Array<{ code: string }> } }> } }> {
  const res = await hub.app.inject({ method: 'GET', url: `/api/sharing/patients/${patientId}/record${query}`, headers });
  return { status: res.statusCode, body: res.json() };
}

function held(record: RegionalRecord, tenantId: string): InstitutionRecord {
  const found = record.institutions.find((i) => i.tenantId === tenantId);
  expect(found, `institution ${tenantId} in the answer`).toBeDefined();
  return found!;
}

const ids = (inst: InstitutionRecord) => inst.resources.map((r) => r.id).sort();

describe('regional record: every path of the access decision', () => {
  let region: Region;
  let clinicianB: { authorization: string };
  beforeAll(async () => {
    region = await buildRegion(hub);
    clinicianB = await userToken(hub, region.b.id, ['clinician']);
  });

  it('no care relationship: the own record only, the other institution fully withheld with a hint', async () => {
    const { status, body } = await regional(clinicianB, region.patientB);
    expect(status).toBe(200);
    expect(body.institutions[0]).toMatchObject({ tenantId: region.b.id, own: true, access: 'full', withheld: 0 });
    expect(body.institutions[0].resources.map((r) => r.id)).toEqual([region.patientB]);
    const a = held(body, region.a.id);
    expect(a).toMatchObject({ access: 'none', hint: 'no-care-relationship', withheld: 5, resources: [], name: '市第一医院' });
    expect(JSON.stringify(a)).not.toContain('"F32.1"');
  });

  it('care relationship (own Encounter) but no consent in an opt-in region: withheld, hint consent-denied', async () => {
    await post(hub, region.b, 'Encounter', { status: 'finished', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' }, subject: { reference: `Patient/${region.patientB}` } });
    const { body } = await regional(clinicianB, region.patientB);
    expect(held(body, region.a.id)).toMatchObject({ access: 'none', hint: 'consent-denied', withheld: 5 });
  });

  it('opt-out region: shared without consent, sensitive categories still withheld', async () => {
    const ctx = { tenantId: region.b.id, actor: { kind: 'user' as const, id: 'u-optout', roles: ['clinician'] }, scopes: [{ context: 'user' as const, resourceType: '*', permissions: new Set(['r', 's'] as const) }], requestId: 'r1', baseUrl: 'http://hub.test' };
    const record = await readRegionalRecord(hub.db, ctx, { tenantId: region.b.id, id: region.patientB }, { consentDefault: 'opt-out' });
    const a = held(record, region.a.id);
    expect(ids(a)).toEqual([...region.records.plain].sort());
    expect(a).toMatchObject({ access: 'partial', withheld: 2 });
    expect(a.hint).toBeUndefined();
  });

  it('consent to B: ordinary data shown, mental health and HIV withheld and only counted', async () => {
    await grant(hub, region, { organizations: [region.b.id] });
    const { body } = await regional(clinicianB, region.patientB);
    const a = held(body, region.a.id);
    expect(ids(a)).toEqual([...region.records.plain].sort());
    expect(a).toMatchObject({ access: 'partial', withheld: 2 });
    expect(body.withheld).toBe(2);
    const text = JSON.stringify(body);
    for (const secret of ['"F32.1"', '"7917-8"', '抑郁', 'mental-health', 'hiv-sti', 'sensitive']) expect(text).not.toContain(secret);
  });

  it('the consent covers TREAT only: a research purpose sees nothing', async () => {
    const { body } = await regional(clinicianB, region.patientB, '?purpose=HRESCH');
    expect(held(body, region.a.id)).toMatchObject({ access: 'none', withheld: 5 });
  });

  it('a consent that names mental health shows it; HIV stays withheld', async () => {
    await grant(hub, region, { organizations: [region.b.id], sensitiveCategories: ['mental-health'] });
    const { body } = await regional(clinicianB, region.patientB);
    const a = held(body, region.a.id);
    expect(ids(a)).toEqual([...region.records.plain, region.records.mentalHealth].sort());
    expect(a.withheld).toBe(1);
  });

  it('C with a care relationship (referral) but not named in the consent: withheld', async () => {
    await hub.db.transaction((tx) => recordCareRelationship(tx, { tenantId: region.c.id, patient: { tenantId: region.a.id, id: region.patientA }, source: 'referral', sourceRef: 'ServiceRequest/r1' }));
    const clinicianC = await userToken(hub, region.c.id, ['clinician']);
    const { body } = await regional(clinicianC, region.patientA, `?institution=${region.a.id}`);
    expect(held(body, region.a.id)).toMatchObject({ own: false, access: 'none', hint: 'consent-denied', withheld: 5 });
  });

  it('a care relationship that has ended no longer counts', async () => {
    const other = await buildRegion(hub);
    await grant(hub, other, { organizations: [other.c.id] });
    await hub.db.transaction((tx) => recordCareRelationship(tx, { tenantId: other.c.id, patient: { tenantId: other.a.id, id: other.patientA }, source: 'referral', sourceRef: 'ServiceRequest/old', until: new Date(Date.now() - 1000) }));
    const clinicianC = await userToken(hub, other.c.id, ['clinician']);
    const { body } = await regional(clinicianC, other.patientA, `?institution=${other.a.id}`);
    expect(held(body, other.a.id)).toMatchObject({ access: 'none', hint: 'no-care-relationship' });
  });

  it('withdrawal takes effect on the next request', async () => {
    const before = await regional(clinicianB, region.patientB);
    expect(held(before.body, region.a.id).resources.length).toBeGreaterThan(0);
    const list = await hub.app.inject({ method: 'GET', url: `/api/patient/consents?patient=${region.patientA}`, headers: region.a.headers });
    for (const consent of list.json().consents as Array<{ grantId: string; status: string }>) {
      if (consent.status !== 'active') continue;
      const res = await hub.app.inject({ method: 'POST', url: `/api/patient/consents/${consent.grantId}/withdraw?patient=${region.patientA}`, headers: region.a.headers });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().status).toBe('inactive');
    }
    const after = await regional(clinicianB, region.patientB);
    expect(held(after.body, region.a.id)).toMatchObject({ access: 'none', hint: 'consent-denied', withheld: 5 });
  });

  it('break-the-glass: everything shown, each use queued for review, the institution and privacy officers told', async () => {
    const nurseC = await userToken(hub, region.c.id, ['nurse']);
    const declared = await hub.app.inject({
      method: 'POST', url: '/api/access/break-glass', headers: nurseC,
      payload: { patient: { tenantId: region.a.id, id: region.patientA }, reason: { code: 'life-threatening-emergency', text: '患者昏迷送急诊，需要既往病史' } },
    });
    expect(declared.statusCode, declared.body).toBe(201);
    const grantId = declared.json().id as string;
    const { body } = await regional(nurseC, region.patientA, `?institution=${region.a.id}`);
    const a = held(body, region.a.id);
    expect(a).toMatchObject({ access: 'full', withheld: 0, breakGlass: true });
    expect(ids(a)).toEqual([...region.records.plain, region.records.mentalHealth, region.records.hiv].sort());
    // B's record of the same person (Patient + Encounter) is opened too: the grant covers the person.
    expect(held(body, region.b.id)).toMatchObject({ access: 'full', breakGlass: true });
    const uses = await hub.db.query<{ owner_tenant_id: string; n: number }>('SELECT owner_tenant_id, count(*)::int AS n FROM break_glass_uses WHERE grant_id = $1 GROUP BY 1', [grantId]);
    expect(Object.fromEntries(uses.rows.map((r) => [r.owner_tenant_id, r.n]))).toEqual({ [region.a.id]: 5, [region.b.id]: 2 });
    const notes = await hub.db.query<{ recipient_role: string; recipient_tenant_id: string | null }>(`SELECT recipient_role, recipient_tenant_id FROM privacy_notifications WHERE subject->>'grantId' = $1 ORDER BY recipient_role`, [grantId]);
    expect(notes.rows).toEqual([{ recipient_role: 'institution-admin', recipient_tenant_id: region.a.id }, { recipient_role: 'privacy-officer', recipient_tenant_id: null }]);
    // Another person at C has no grant.
    const otherC = await userToken(hub, region.c.id, ['clinician']);
    const denied = await regional(otherC, region.patientA, `?institution=${region.a.id}`);
    expect(held(denied.body, region.a.id).access).toBe('none');
  });

  it('a Consent written by the institution\'s own system through /fhir counts: a later "deny all" beats an earlier grant', async () => {
    const other = await buildRegion(hub);
    await post(hub, other.b, 'Encounter', { status: 'finished', class: { code: 'AMB' }, subject: { reference: `Patient/${other.patientB}` } });
    await grant(hub, other, { organizations: [other.b.id] });
    const doctor = await userToken(hub, other.b.id, ['clinician']);
    expect(held((await regional(doctor, other.patientB)).body, other.a.id).access).toBe('partial');
    await post(hub, other.a, 'Consent', {
      status: 'active',
      scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
      category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
      patient: { reference: `Patient/${other.patientA}` },
      dateTime: new Date(Date.now() + 1000).toISOString(),
      policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTOUT' }] },
      provision: { type: 'deny' },
    });
    expect(held((await regional(doctor, other.patientB)).body, other.a.id)).toMatchObject({ access: 'none', hint: 'consent-denied' });
  });

  it('an expired grant no longer opens the record', async () => {
    const other = await buildRegion(hub);
    const nurse = await userToken(hub, other.c.id, ['nurse'], { id: 'nurse-expired' });
    await hub.db.query(
      `INSERT INTO break_glass_grants (id, tenant_id, actor_kind, actor_id, patient_tenant_id, patient_id, reason_code, reason_text, granted_at, expires_at)
       VALUES ($1, $2, 'user', 'nurse-expired', $3, $4, 'life-threatening-emergency', 'long ago emergency', now() - interval '5 hours', now() - interval '1 hour')`,
      [`expired-${other.c.id}`, other.c.id, other.a.id, other.patientA],
    );
    const { body } = await regional(nurse, other.patientA, `?institution=${other.a.id}`);
    expect(held(body, other.a.id)).toMatchObject({ access: 'none', hint: 'no-care-relationship' });
  });

  it('every disclosure and denial is audited and shows in the patient\'s "who accessed my record"', async () => {
    await drainAuditQueue(hub.db);
    const res = await hub.app.inject({ method: 'GET', url: `/api/patient/access-log?patient=${region.patientA}`, headers: region.a.headers });
    expect(res.statusCode, res.body).toBe(200);
    const entries = res.json().entries as Array<{ tenantId: string; subtype: string; outcome: string; basis: string | null; seq: number | null; purpose: string | null }>;
    const fromB = entries.filter((e) => e.tenantId === region.b.id && e.subtype === '$regional-record');
    expect(fromB.some((e) => e.outcome === '0' && e.basis === 'consent')).toBe(true);
    expect(fromB.some((e) => e.outcome === '4' && e.basis === 'no-care-relationship')).toBe(true);
    expect(fromB.some((e) => e.outcome === '4' && e.basis === 'consent-denied')).toBe(true);
    expect(entries.some((e) => e.tenantId === region.c.id && e.subtype === 'break-glass' && e.purpose === 'ETREAT')).toBe(true);
    expect(entries.some((e) => e.tenantId === region.c.id && e.basis === 'break-glass' && e.outcome === '0')).toBe(true);
    expect(entries.some((e) => e.subtype === 'consent-grant')).toBe(true);
    expect(entries.some((e) => e.subtype === 'consent-withdraw')).toBe(true);
    expect(entries.every((e) => e.seq !== null)).toBe(true);
  });
});

describe('regional record: bad input', () => {
  let region: Region;
  beforeAll(async () => {
    region = await buildRegion(hub);
  });

  it.each([
    ['/api/sharing/patients/bad$id/record', 400],
    ['/api/sharing/patients/nope/record', 404],
    ['/api/sharing/patients/x/record?purpose=SHOPPING', 400],
    ['/api/sharing/patients/x/record?institution=a%20b', 400],
  ])('%s → %i with an OperationOutcome', async (url, status) => {
    const headers = await userToken(hub, region.b.id, ['clinician']);
    const res = await hub.app.inject({ method: 'GET', url, headers });
    expect(res.statusCode).toBe(status);
    expect(res.json().resourceType).toBe('OperationOutcome');
  });

  it('needs a token, and a token that may read Patient', async () => {
    expect((await hub.app.inject({ method: 'GET', url: `/api/sharing/patients/${region.patientB}/record` })).statusCode).toBe(401);
    const narrow = await userToken(hub, region.b.id, ['clinician'], { scope: 'user/Observation.rs' });
    const res = await hub.app.inject({ method: 'GET', url: `/api/sharing/patients/${region.patientB}/record`, headers: narrow });
    expect(res.statusCode).toBe(403);
  });
});
