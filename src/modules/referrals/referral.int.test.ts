import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../../../test/support/app.js';
import { hasReferralRelationship } from './index.js';
import {
  act, call, CARDIOLOGY, createReferralRegion, postPatient, postReport, personToken, postResource, type Json, type ReferralRegion,
} from './test-support/referral-fixtures.js';

let hub: TestHub;
beforeAll(async () => { hub = await startTestHub(); });
afterAll(async () => { await hub.close(); });

async function refer(r: ReferralRegion, extra: Record<string, unknown> = {}): Promise<{ id: string; patientId: string; body: Json }> {
  const patientId = (extra.patientId as string | undefined) ?? (await postPatient(hub, r.chcDoctor));
  const { patientId: _ignored, ...rest } = extra;
  const res = await call(hub, r.chcDoctor, 'POST', '/api/referrals', {
    receiver: r.hospital, patient: `Patient/${patientId}`, specialty: CARDIOLOGY, priority: 'urgent', reason: '胸痛反复发作，心电图ST段改变', ...rest,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { id: res.body.referral.id, patientId, body: res.body };
}

async function readFhir(party: { headers: { authorization: string } }, path: string): Promise<Json> {
  const res = await hub.app.inject({ method: 'GET', url: `/fhir/${path}`, headers: party.headers });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

describe('two-way referral: the closed loop through the HTTP API', () => {
  it('runs an up-referral from request to returned report, visible to both institutions', async () => {
    const r = await createReferralRegion(hub);
    const { id, patientId, body } = await refer(r);
    expect(body.referral).toMatchObject({ state: 'requested', direction: 'up', viewerRole: 'sender', actions: ['cancel'], loopClosed: false });
    expect(body.warnings).toEqual([]);

    const triage = await call(hub, r.coordinator, 'GET', '/api/referrals?box=incoming');
    expect(triage.body.items.map((i: Json) => i.id)).toEqual([id]);
    expect(triage.body.items[0].patient).toEqual({ display: '赵六' }); // no Patient id of the sender's tenant
    expect(triage.body.items[0].actions).toEqual(['receive', 'accept', 'decline', 'forward']);
    expect(await hasReferralRelationship(hub.db, r.hospital, { tenantId: r.chc, id: patientId })).toBe(false);

    expect((await act(hub, r.coordinator, id, { action: 'accept' })).body.state).toBe('accepted');
    expect(await hasReferralRelationship(hub.db, r.hospital, { tenantId: r.chc, id: patientId })).toBe(true);
    expect(await hasReferralRelationship(hub.db, r.other, { tenantId: r.chc, id: patientId })).toBe(false);
    // The access module's consent policy gets the relationship too, bounded to the referral episode (90 days for up-referrals).
    const care = await hub.db.query<{ source_ref: string; until: Date }>(
      `SELECT source_ref, until FROM care_relationships WHERE tenant_id = $1 AND patient_tenant_id = $2 AND patient_id = $3 AND source = 'referral'`,
      [r.hospital, r.chc, patientId],
    );
    expect(care.rows.map((c) => c.source_ref)).toEqual([`ServiceRequest/${id}`]);
    expect(Math.round((care.rows[0].until.getTime() - Date.now()) / 86_400_000)).toBe(90);
    const scheduled = await act(hub, r.coordinator, id, { action: 'schedule', appointmentAt: '2026-12-01T09:30:00+08:00' });
    expect(scheduled.body).toMatchObject({ state: 'scheduled', appointmentAt: '2026-12-01T01:30:00.000Z', taskStatus: 'ready' });
    expect((await act(hub, r.specialist, id, { action: 'start' })).body.state).toBe('in-progress');
    expect((await act(hub, r.specialist, id, { action: 'complete' })).body.state).toBe('completed');
    const reportId = await postReport(hub, r.specialist);
    const returned = await act(hub, r.specialist, id, { action: 'return-report', report: `DiagnosticReport/${reportId}` });
    expect(returned.body).toMatchObject({ state: 'report-returned', loopClosed: true, taskStatus: 'completed', actions: [] });

    const seen = await call(hub, r.chcDoctor, 'GET', `/api/referrals/${id}`);
    expect(seen.status).toBe(200);
    expect(seen.body).toMatchObject({ state: 'report-returned', loopClosed: true, report: `DiagnosticReport/${reportId}` });
    expect(seen.body.reportResource).toMatchObject({ resourceType: 'DiagnosticReport', conclusion: '冠心病，建议药物治疗，社区随访' });
    expect(seen.body.timeline.map((t: Json) => `${t.action}:${t.to}`)).toEqual([
      'create:requested', 'accept:accepted', 'schedule:scheduled', 'start:in-progress', 'complete:completed', 'return-report:report-returned',
    ]);
    expect(seen.body.timeline[1].actor).toMatchObject({ tenant: r.hospital, display: '转诊办张', institution: '协同市第一人民医院' });

    // The FHIR mirrors: Task and ServiceRequest in both tenants.
    for (const party of [r.chcDoctor, r.specialist]) {
      const task = await readFhir(party, `Task/${id}`);
      expect(task).toMatchObject({ status: 'completed', businessStatus: { coding: [{ code: 'report-returned' }] }, focus: { reference: `ServiceRequest/${id}` } });
      expect(task.output[0].valueReference.reference).toBe(`DiagnosticReport/${reportId}`);
      const sr = await readFhir(party, `ServiceRequest/${id}`);
      expect(sr).toMatchObject({ status: 'completed', priority: 'urgent', performer: [{ reference: `Organization/${r.hospital}` }] });
    }
    expect((await readFhir(r.chcDoctor, `ServiceRequest/${id}`)).subject.reference).toBe(`Patient/${patientId}`);
    expect((await readFhir(r.specialist, `ServiceRequest/${id}`)).subject.identifier.system).toBe('urn:oid:2.16.156.10011.1.3');
    // Each step and each read of the referral is an audited access of the patient's record.
    const audits = await hub.db.query<{ n: number }>(
      `SELECT (SELECT count(*) FROM audit_queue WHERE patient_tenant_id = $1 AND patient_id = $2 AND subtype LIKE 'referral-%')
            + (SELECT count(*) FROM audit_access_index WHERE patient_tenant_id = $1 AND patient_id = $2 AND subtype LIKE 'referral-%') AS n`,
      [r.chc, patientId],
    ); // queued, or already sequenced into the log
    expect(Number(audits.rows[0].n)).toBeGreaterThanOrEqual(7); // create, 5 transitions, 1 read
    const closedList = await call(hub, r.chcDoctor, 'GET', '/api/referrals?box=outgoing&status=closed');
    expect(closedList.body.items.map((i: Json) => i.id)).toEqual([id]);
  });

  it('refuses the wrong party (403), illegal steps (409) and a decline without a coded reason (400)', async () => {
    const r = await createReferralRegion(hub);
    const { id } = await refer(r);
    const senderAccepts = await act(hub, r.chcDoctor, id, { action: 'accept' });
    expect(senderAccepts.status).toBe(403);
    expect(senderAccepts.body.issue[0].details.coding[0].code).toBe('REFERRAL_WRONG_PARTY');
    const receiverCancels = await act(hub, r.coordinator, id, { action: 'cancel' });
    expect(receiverCancels.status).toBe(403);
    const early = await act(hub, r.specialist, id, { action: 'complete' });
    expect(early.status).toBe(409);
    expect(early.body.resourceType).toBe('OperationOutcome');
    expect(early.body.issue[0].details.coding[0].code).toBe('REFERRAL_ILLEGAL_TRANSITION');
    const noReason = await act(hub, r.coordinator, id, { action: 'decline' });
    expect(noReason.status).toBe(400);
    expect(noReason.body.issue[0].expression).toEqual(['reason']);
    const declined = await act(hub, r.coordinator, id, { action: 'decline', reason: 'no-capacity', note: '本周床位已满' });
    expect(declined.body).toMatchObject({ state: 'declined', taskStatus: 'rejected', decline: { code: 'no-capacity', note: '本周床位已满' } });
    const task = await readFhir(r.chcDoctor, `Task/${id}`);
    expect(task.statusReason.coding[0].code).toBe('no-capacity');
    expect((await readFhir(r.chcDoctor, `ServiceRequest/${id}`)).status).toBe('revoked');
    const again = await act(hub, r.coordinator, id, { action: 'accept' });
    expect(again.status).toBe(409);
    expect(again.body.issue[0].details.text).toMatch(/declined is final/);
  });

  it('lets only people with the right role act, and hides referrals from other institutions (404)', async () => {
    const r = await createReferralRegion(hub);
    const { id } = await refer(r);
    expect((await call(hub, r.outsider, 'GET', `/api/referrals/${id}`)).status).toBe(404);
    expect((await act(hub, r.outsider, id, { action: 'accept' })).status).toBe(404);
    expect((await call(hub, r.coordinator, 'GET', '/api/referrals/not-a-uuid')).status).toBe(404);
    const analyst = await personToken(hub, r.hospital, ['regional-analyst'], '分析员');
    const refused = await act(hub, analyst, id, { action: 'accept' });
    expect(refused.status).toBe(403);
    expect(refused.body.issue[0].details.coding[0].code).toBe('REFERRAL_ROLE_REQUIRED');
    // A coordinator may not complete the clinical work; the specialist may not be replaced by a coordinator.
    await act(hub, r.coordinator, id, { action: 'accept' });
    await act(hub, r.coordinator, id, { action: 'start' });
    expect((await act(hub, r.coordinator, id, { action: 'complete' })).status).toBe(403);
    // The hospital's HIS acts with Task update scope.
    expect((await act(hub, r.hospitalSystem, id, { action: 'complete' })).body.state).toBe('completed');
    expect((await call(hub, { headers: {} } as Json, 'GET', '/api/referrals')).status).toBe(401);
  });

  it('sends down-referrals with a discharge summary and turns the follow-up plan into Tasks for the community doctor', async () => {
    const r = await createReferralRegion(hub);
    const patientId = await postPatient(hub, r.specialist);
    const base = { receiver: r.chc, patient: `Patient/${patientId}`, specialty: { code: '394814009', display: 'General practice' }, priority: 'routine' };
    const noSummary = await call(hub, r.specialist, 'POST', '/api/referrals', base);
    expect(noSummary.status).toBe(400);
    expect(noSummary.body.issue[0].expression).toEqual(['dischargeSummary']);
    const summaryId = await postResource(hub, r.specialist, {
      resourceType: 'DocumentReference', status: 'current', type: { text: '出院小结' }, content: [{ attachment: { contentType: 'text/plain', data: 'MjAyNg==' } }],
    });
    const noPlan = await call(hub, r.specialist, 'POST', '/api/referrals', { ...base, dischargeSummary: `DocumentReference/${summaryId}` });
    expect(noPlan.body.issue[0].expression).toEqual(['followUpPlan']);
    const missingDoc = await call(hub, r.specialist, 'POST', '/api/referrals', { ...base, dischargeSummary: 'DocumentReference/nope', followUpPlan: [{ description: 'x' }] });
    expect(missingDoc.status).toBe(422);
    const created = await call(hub, r.specialist, 'POST', '/api/referrals', {
      ...base, dischargeSummary: `DocumentReference/${summaryId}`,
      followUpPlan: [{ description: '每周测量血压并记录', dueDays: 7 }, { description: '两周后复查血脂', dueDays: 14 }],
    });
    expect(created.status).toBe(201);
    expect(created.body.referral.direction).toBe('down');
    const id = created.body.referral.id;
    const accepted = await act(hub, r.chcDoctor, id, { action: 'accept' });
    expect(accepted.body.followUpTasks).toEqual([`${id}-fu-1`, `${id}-fu-2`]);
    const fu = await readFhir(r.chcDoctor, `Task/${id}-fu-1`);
    expect(fu).toMatchObject({ status: 'ready', intent: 'plan', description: '每周测量血压并记录', partOf: [{ reference: `Task/${id}` }], owner: { reference: `Organization/${r.chc}` } });
    // The hospital (sender) sees the discharge summary in its ServiceRequest's supportingInfo.
    expect((await readFhir(r.specialist, `ServiceRequest/${id}`)).supportingInfo).toEqual([{ reference: `DocumentReference/${summaryId}` }]);
  });

  it('flags duplicates (same person, same specialty, open) before and when sending', async () => {
    const r = await createReferralRegion(hub);
    const first = await refer(r);
    const check = await call(hub, r.chcDoctor, 'POST', '/api/referrals/$check-duplicate', { patient: `Patient/${first.patientId}`, specialty: CARDIOLOGY.code });
    expect(check.status).toBe(200);
    expect(check.body.duplicate).toBe(true);
    expect(check.body.warnings[0].referral.id).toBe(first.id);
    const other = await call(hub, r.chcDoctor, 'POST', '/api/referrals/$check-duplicate', { patient: `Patient/${first.patientId}`, specialty: '394591006' });
    expect(other.body).toEqual({ duplicate: false, warnings: [] });
    const second = await refer(r, { patientId: first.patientId, receiver: r.other });
    expect(second.body.warnings).toHaveLength(1);
    expect(second.body.warnings[0]).toMatchObject({ code: 'REFERRAL_POSSIBLE_DUPLICATE', referral: { id: first.id } });
    await act(hub, r.chcDoctor, first.id, { action: 'cancel' });
    await act(hub, r.chcDoctor, second.id, { action: 'cancel' });
    const after = await call(hub, r.chcDoctor, 'POST', '/api/referrals/$check-duplicate', { patient: `Patient/${first.patientId}`, specialty: CARDIOLOGY });
    expect(after.body.duplicate).toBe(false);
  });

  it('forwards to another receiver as a linked referral', async () => {
    const r = await createReferralRegion(hub);
    const { id } = await refer(r);
    const self = await act(hub, r.coordinator, id, { action: 'forward', receiver: r.chc });
    expect(self.status).toBe(400);
    const unknown = await act(hub, r.coordinator, id, { action: 'forward', receiver: 'no-such-institution' });
    expect(unknown.status).toBe(422);
    const fwd = await act(hub, r.coordinator, id, { action: 'forward', receiver: r.other });
    expect(fwd.body.state).toBe('forwarded');
    const newId = fwd.body.forwardedTo;
    const incoming = await call(hub, r.outsider, 'GET', '/api/referrals?box=incoming');
    expect(incoming.body.items.map((i: Json) => i.id)).toEqual([newId]);
    expect(incoming.body.items[0]).toMatchObject({ forwardedFrom: id, sender: { id: r.chc } });
    expect((await readFhir(r.chcDoctor, `ServiceRequest/${id}`)).status).toBe('revoked');
    // The original sender still owns the new referral and may cancel it.
    expect((await act(hub, r.chcDoctor, newId, { action: 'cancel' })).body.state).toBe('cancelled');
  });

  it('orders the receiver triage by urgency, then up-referrals, then waiting time', async () => {
    const r = await createReferralRegion(hub);
    const routineUp = await refer(r, { priority: 'routine' });
    const urgentLateralPatient = await postPatient(hub, r.outsider);
    const lateral = await call(hub, r.outsider, 'POST', '/api/referrals', { receiver: r.hospital, patient: `Patient/${urgentLateralPatient}`, specialty: CARDIOLOGY, priority: 'urgent' });
    expect(lateral.body.referral.direction).toBe('up'); // district → tertiary is up as well
    const routineUp2 = await refer(r, { priority: 'routine' });
    const statUp = await refer(r, { priority: 'stat' });
    const list = await call(hub, r.coordinator, 'GET', '/api/referrals');
    expect(list.body.items.map((i: Json) => i.id)).toEqual([statUp.id, lateral.body.referral.id, routineUp.id, routineUp2.id]);
    expect(list.body.total).toBe(4);
    const page = await call(hub, r.coordinator, 'GET', '/api/referrals?limit=2&offset=2');
    expect(page.body.items.map((i: Json) => i.id)).toEqual([routineUp.id, routineUp2.id]);
  });

  it('answers every bad input with an OperationOutcome naming the field', async () => {
    const r = await createReferralRegion(hub);
    const patientId = await postPatient(hub, r.chcDoctor);
    const good = { receiver: r.hospital, patient: `Patient/${patientId}`, specialty: CARDIOLOGY };
    const cases: Array<[unknown, number, string]> = [
      [[1, 2], 400, '$'],
      [{ ...good, receiver: 42 }, 400, 'receiver'],
      [{ ...good, receiver: r.chc }, 400, 'receiver'],
      [{ ...good, receiver: 'nowhere' }, 422, 'receiver'],
      [{ ...good, patient: patientId }, 400, 'patient'],
      [{ ...good, patient: 'Patient/does-not-exist' }, 422, 'patient'],
      [{ ...good, specialty: '' }, 400, 'specialty'],
      [{ ...good, specialty: { display: 'x' } }, 400, 'specialty'],
      [{ ...good, priority: 'soon' }, 400, 'priority'],
      [{ ...good, direction: 'sideways' }, 400, 'direction'],
      [{ ...good, reason: '' }, 400, 'reason'],
      [{ ...good, attachments: ['Observation/1'] }, 400, 'attachments'],
      [{ ...good, attachments: ['DocumentReference/missing'] }, 422, 'attachments'],
      [{ ...good, followUpPlan: [{ description: '' }] }, 400, 'followUpPlan[0].description'],
      [{ ...good, followUpPlan: [{ description: 'ok', dueDays: -1 }] }, 400, 'followUpPlan[0].dueDays'],
    ];
    for (const [payload, status, field] of cases) {
      const res = await call(hub, r.chcDoctor, 'POST', '/api/referrals', payload);
      expect(res.status, JSON.stringify(payload)).toBe(status);
      expect(res.body.resourceType).toBe('OperationOutcome');
      // A body that is not an object is refused by the route schema before the service sees it.
      if (field !== '$') expect(res.body.issue[0].expression, JSON.stringify(payload)).toEqual([field]);
    }
    const { id } = await refer(r);
    const bad: Array<[unknown, number, string]> = [
      [{}, 400, 'action'],
      [{ action: 'expire' }, 400, 'action'],
      [{ action: 'teleport' }, 400, 'action'],
      [{ action: 'decline', reason: 'bored' }, 400, 'reason'],
      [{ action: 'schedule', appointmentAt: 'tomorrow' }, 400, 'appointmentAt'],
      [{ action: 'schedule', appointmentAt: '2026-12-01T09:30:00' }, 400, 'appointmentAt'],
      [{ action: 'return-report', report: 'Observation/1' }, 400, 'report'],
      [{ action: 'forward' }, 400, 'receiver'],
      [{ action: 'schedule', appointmentAt: '2026-12-01T09:30:00+08:00' }, 409, 'action'],
    ];
    for (const [payload, status, field] of bad) {
      const res = await act(hub, r.coordinator, id, payload as Record<string, unknown>);
      expect(res.status, JSON.stringify(payload)).toBe(status);
      expect(res.body.issue[0].expression, JSON.stringify(payload)).toEqual([field]);
    }
    for (const q of ['box=sideways', 'status=maybe', 'limit=0', 'limit=x', 'offset=-1']) {
      expect((await call(hub, r.coordinator, 'GET', `/api/referrals?${q}`)).status, q).toBe(400);
    }
    await act(hub, r.coordinator, id, { action: 'accept' });
    await act(hub, r.coordinator, id, { action: 'start' });
    await act(hub, r.specialist, id, { action: 'complete' });
    const missing = await act(hub, r.specialist, id, { action: 'return-report', report: 'DiagnosticReport/not-there' });
    expect(missing.status).toBe(422);
  });
});
