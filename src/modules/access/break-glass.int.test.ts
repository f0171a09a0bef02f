import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../../../test/support/app.js';
import { buildRegion, userToken, type Region } from '../../../test/support/region-fixtures.js';

let hub: TestHub;
let region: Region;
beforeAll(async () => {
  hub = await startTestHub({ breakGlassMinutes: 30 });
  region = await buildRegion(hub);
});
afterAll(async () => {
  await hub.close();
});

const reason = { code: 'patient-unable-to-consent', text: '患者意识不清，家属不在场' };

describe('break-the-glass', () => {
  it('grants for the configured time and goes through review once', async () => {
    const clinician = await userToken(hub, region.c.id, ['clinician'], { id: 'dr-zhao' });
    const res = await hub.app.inject({ method: 'POST', url: '/api/access/break-glass', headers: clinician, payload: { patient: { tenantId: region.a.id, id: region.patientA }, reason } });
    expect(res.statusCode, res.body).toBe(201);
    const grant = res.json();
    const minutes = (Date.parse(grant.expiresAt) - Date.parse(grant.grantedAt)) / 60000;
    expect(minutes).toBe(30);
    expect(grant).toMatchObject({ reviewStatus: 'pending', actorId: 'dr-zhao', reasonCode: reason.code });

    const officer = await userToken(hub, region.a.id, ['privacy-officer']);
    const pending = await hub.app.inject({ method: 'GET', url: '/api/access/break-glass?status=pending', headers: officer });
    expect(pending.json().grants.map((g: { id: string }) => g.id)).toContain(grant.id);
    const notes = await hub.app.inject({ method: 'GET', url: '/api/access/notifications', headers: officer });
    expect(notes.json().notifications.some((n: { subject: { grantId: string } }) => n.subject.grantId === grant.id)).toBe(true);
    const admin = await userToken(hub, region.a.id, ['institution-admin']);
    const adminNotes = await hub.app.inject({ method: 'GET', url: '/api/access/notifications', headers: admin });
    expect(adminNotes.json().notifications.some((n: { subject: { grantId: string } }) => n.subject.grantId === grant.id)).toBe(true);
    // Another institution's admin is not told.
    const otherAdmin = await userToken(hub, region.b.id, ['institution-admin']);
    const otherNotes = await hub.app.inject({ method: 'GET', url: '/api/access/notifications', headers: otherAdmin });
    expect(otherNotes.json().notifications.some((n: { subject: { grantId: string } }) => n.subject.grantId === grant.id)).toBe(false);

    expect((await hub.app.inject({ method: 'POST', url: `/api/access/break-glass/${grant.id}/review`, headers: clinician, payload: { decision: 'justified' } })).statusCode).toBe(403);
    expect((await hub.app.inject({ method: 'POST', url: `/api/access/break-glass/${grant.id}/review`, headers: officer, payload: { decision: 'maybe' } })).statusCode).toBe(400);
    const reviewed = await hub.app.inject({ method: 'POST', url: `/api/access/break-glass/${grant.id}/review`, headers: officer, payload: { decision: 'justified', note: '急诊记录已核实' } });
    expect(reviewed.statusCode, reviewed.body).toBe(200);
    expect(reviewed.json()).toMatchObject({ reviewStatus: 'justified', reviewNote: '急诊记录已核实' });
    expect((await hub.app.inject({ method: 'POST', url: `/api/access/break-glass/${grant.id}/review`, headers: officer, payload: { decision: 'unjustified' } })).statusCode).toBe(409);
    const detail = await hub.app.inject({ method: 'GET', url: `/api/access/break-glass/${grant.id}`, headers: officer });
    expect(detail.json()).toMatchObject({ id: grant.id, reviewStatus: 'justified', accesses: [] });
    expect((await hub.app.inject({ method: 'GET', url: '/api/access/break-glass/nope', headers: officer })).statusCode).toBe(404);
    expect((await hub.app.inject({ method: 'POST', url: '/api/access/break-glass/nope/review', headers: officer, payload: { decision: 'justified' } })).statusCode).toBe(404);
  });

  it.each([
    [{ patient: { tenantId: 'x' }, reason }, 'patient'],
    [{ patient: 'Patient/1', reason }, 'patient'],
    [{ patient: { tenantId: 'A', id: 'P' } }, 'reason'],
    [{ patient: { tenantId: 'A', id: 'P' }, reason: { code: 'curious', text: 'I just want to look around' } }, 'reason.code'],
    [{ patient: { tenantId: 'A', id: 'P' }, reason: { code: 'life-threatening-emergency' } }, 'reason.text'],
    [{ patient: { tenantId: 'A', id: 'P' }, reason: { code: 'life-threatening-emergency', text: 'urgent' } }, 'reason.text'],
  ])('%j → 400 at %s', async (payload, expression) => {
    const body = JSON.parse(JSON.stringify(payload).replace('"A"', JSON.stringify(region.a.id)).replace('"P"', JSON.stringify(region.patientA)));
    const clinician = await userToken(hub, region.c.id, ['clinician']);
    const res = await hub.app.inject({ method: 'POST', url: '/api/access/break-glass', headers: clinician, payload: body });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().issue[0].expression).toEqual([expression]);
  });

  it('only clinicians and nurses break the glass, for a patient that exists', async () => {
    const payload = { patient: { tenantId: region.a.id, id: region.patientA }, reason };
    expect((await hub.app.inject({ method: 'POST', url: '/api/access/break-glass', headers: region.c.headers, payload })).statusCode).toBe(403);
    const analyst = await userToken(hub, region.c.id, ['regional-analyst']);
    expect((await hub.app.inject({ method: 'POST', url: '/api/access/break-glass', headers: analyst, payload })).statusCode).toBe(403);
    const nurse = await userToken(hub, region.c.id, ['nurse']);
    const missing = await hub.app.inject({ method: 'POST', url: '/api/access/break-glass', headers: nurse, payload: { ...payload, patient: { tenantId: region.a.id, id: 'nobody' } } });
    expect(missing.statusCode).toBe(404);
    expect((await hub.app.inject({ method: 'POST', url: '/api/access/break-glass', payload })).statusCode).toBe(401);
  });

  it('the review queue is for privacy officers and auditors only', async () => {
    const clinician = await userToken(hub, region.c.id, ['clinician']);
    expect((await hub.app.inject({ method: 'GET', url: '/api/access/break-glass', headers: clinician })).statusCode).toBe(403);
    const auditor = await userToken(hub, region.c.id, ['auditor']);
    expect((await hub.app.inject({ method: 'GET', url: '/api/access/break-glass?status=bogus', headers: auditor })).statusCode).toBe(400);
    expect((await hub.app.inject({ method: 'GET', url: '/api/access/break-glass', headers: auditor })).statusCode).toBe(200);
  });
});
