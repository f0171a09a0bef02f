import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../../../test/support/app.js';
import { act, call, CARDIOLOGY, createReferralRegion, personToken, postPatient } from './test-support/referral-fixtures.js';

let hub: TestHub;
beforeAll(async () => { hub = await startTestHub(); });
afterAll(async () => { await hub.close(); });

describe('concurrent transitions', () => {
  it('lets exactly one of two coordinators accepting at once win', async () => {
    const r = await createReferralRegion(hub);
    for (let round = 0; round < 3; round++) {
      const patientId = await postPatient(hub, r.chcDoctor);
      const created = await call(hub, r.chcDoctor, 'POST', '/api/referrals', { receiver: r.hospital, patient: `Patient/${patientId}`, specialty: CARDIOLOGY });
      const id = created.body.referral.id;
      const results = await Promise.all([act(hub, r.coordinator, id, { action: 'accept' }), act(hub, r.coordinator2, id, { action: 'accept' })]);
      expect(results.map((x) => x.status).sort()).toEqual([200, 409]);
      const loser = results.find((x) => x.status === 409)!;
      expect(loser.body.issue[0].details.coding[0].code).toBe('REFERRAL_ILLEGAL_TRANSITION');
      const detail = await call(hub, r.coordinator, 'GET', `/api/referrals/${id}`);
      expect(detail.body.timeline.filter((t: { action: string }) => t.action === 'accept')).toHaveLength(1);
      expect(detail.body.version).toBe(2);
    }
  });

  it('lets one of five racing answers (accept, decline, forward, cancel) win and keeps the timeline consistent', async () => {
    const r = await createReferralRegion(hub);
    const third = await personToken(hub, r.hospital, ['referral-coordinator'], '转诊办王');
    const patientId = await postPatient(hub, r.chcDoctor);
    const created = await call(hub, r.chcDoctor, 'POST', '/api/referrals', { receiver: r.hospital, patient: `Patient/${patientId}`, specialty: CARDIOLOGY });
    const id = created.body.referral.id;
    const results = await Promise.all([
      act(hub, r.coordinator, id, { action: 'accept' }),
      act(hub, r.coordinator2, id, { action: 'accept' }),
      act(hub, third, id, { action: 'decline', reason: 'no-capacity' }),
      act(hub, r.coordinator, id, { action: 'forward', receiver: r.other }),
      act(hub, r.chcDoctor, id, { action: 'cancel' }),
    ]);
    const winners = results.filter((x) => x.status === 200);
    // accept then cancel (or forward after accept) can both be legal in sequence; every loser is a 409.
    expect(winners.length).toBeGreaterThanOrEqual(1);
    expect(results.every((x) => x.status === 200 || x.status === 409)).toBe(true);
    const detail = await call(hub, r.chcDoctor, 'GET', `/api/referrals/${id}`);
    expect(detail.body.timeline).toHaveLength(1 + winners.length);
    expect(detail.body.version).toBe(1 + winners.length);
    const answers = detail.body.timeline.filter((t: { action: string }) => ['accept', 'decline'].includes(t.action));
    expect(answers.length).toBeLessThanOrEqual(1);
  });
});
