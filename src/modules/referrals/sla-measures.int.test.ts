import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../../../test/support/app.js';
import type { RequestContext } from '../../platform/context/request-context.js';
import { createReferral, referralSettings, sweepReferralSlas, transitionReferral } from './index.js';
import { call, CARDIOLOGY, createReferralRegion, personToken, postPatient, postReport } from './test-support/referral-fixtures.js';

let hub: TestHub;
beforeAll(async () => { hub = await startTestHub(); });
afterAll(async () => { await hub.close(); });

function userCtx(tenantId: string, roles: string[]): RequestContext {
  return { tenantId, actor: { kind: 'user', id: `u-${tenantId}`, display: 'tester', roles }, scopes: [], requestId: 'test', baseUrl: 'http://hub.test' };
}

const H = 3_600_000;

describe('SLA sweeper', () => {
  it('reminds, escalates to the receiving coordinator and expires stale referrals, each once', async () => {
    const r = await createReferralRegion(hub);
    const settings = referralSettings(hub.deps);
    const sender = userCtx(r.chc, ['clinician']);
    // Requested in the past (explicit times), so the sweep at real time leaves other tests' fresh referrals alone.
    const t0 = new Date(Date.now() - 1.6 * H);
    const mk = async (priority: string, at: Date) =>
      (await createReferral(hub.db, sender, settings, { receiver: r.hospital, patient: `Patient/${await postPatient(hub, r.chcDoctor)}`, specialty: CARDIOLOGY, priority }, at)).referral;
    const urgent = await mk('urgent', t0); // due t0 + 2 h: reminder due at t0 + 1.5 h, not yet late
    const late = await mk('urgent', new Date(Date.now() - 3 * H)); // past due
    const stale = await mk('routine', new Date(Date.now() - 15 * 24 * H)); // past the 14-day expiry
    const answered = await mk('urgent', new Date(Date.now() - 5 * H));
    await transitionReferral(hub.db, userCtx(r.hospital, ['referral-coordinator']), settings, answered.id, { action: 'accept' }, new Date(Date.now() - 4.5 * H));

    const now = new Date();
    const first = await sweepReferralSlas(hub.db, settings, 'http://hub.test', now);
    expect(first.reminders).toBeGreaterThanOrEqual(3);
    expect(first.escalations).toBeGreaterThanOrEqual(2);
    expect(first.expired).toBeGreaterThanOrEqual(1);

    const alerts = await call(hub, r.coordinator, 'GET', '/api/referrals/alerts');
    const mine = alerts.body.items.map((a: { referralId: string; kind: string }) => `${a.kind}:${a.referralId}`).sort();
    expect(mine).toEqual([
      `escalation:${late.id}`, `escalation:${stale.id}`, `reminder:${late.id}`, `reminder:${stale.id}`, `reminder:${urgent.id}`,
    ].sort());
    const senderAlerts = await call(hub, r.chcDoctor, 'GET', '/api/referrals/alerts');
    expect(senderAlerts.body.items.map((a: { kind: string; referralId: string }) => `${a.kind}:${a.referralId}`)).toEqual([`expiry:${stale.id}`]);

    const staleNow = await call(hub, r.chcDoctor, 'GET', `/api/referrals/${stale.id}`);
    expect(staleNow.body).toMatchObject({ state: 'expired', taskStatus: 'failed', actions: [] });
    expect(staleNow.body.timeline.at(-1)).toMatchObject({ action: 'expire', actor: { id: 'referral-sla-sweeper' } });
    const lateNow = await call(hub, r.coordinator, 'GET', `/api/referrals/${late.id}`);
    expect(lateNow.body).toMatchObject({ state: 'requested', overdue: true });
    expect(lateNow.body.times.escalated).not.toBeNull();
    const urgentNow = await call(hub, r.coordinator, 'GET', `/api/referrals/${urgent.id}`);
    expect(urgentNow.body).toMatchObject({ overdue: false });
    expect(urgentNow.body.times.escalated).toBeNull();

    // A second sweep records nothing new for these referrals.
    await sweepReferralSlas(hub.db, settings, 'http://hub.test', now);
    expect((await call(hub, r.coordinator, 'GET', '/api/referrals/alerts')).body.items).toHaveLength(5);
  });
});

describe('referral measures', () => {
  it('computes loop closure, median and p90 times, SLA adherence, decline reasons and monthly counts', async () => {
    const r = await createReferralRegion(hub);
    const settings = referralSettings(hub.deps);
    const sender = userCtx(r.chc, ['clinician']);
    const coord = userCtx(r.hospital, ['referral-coordinator']);
    const doc = userCtx(r.hospital, ['clinician']);
    const t0 = new Date('2026-06-10T02:00:00Z');
    const at = (h: number) => new Date(t0.getTime() + h * H);
    const mk = async (priority = 'urgent') =>
      (await createReferral(hub.db, sender, settings, { receiver: r.hospital, patient: `Patient/${await postPatient(hub, r.chcDoctor)}`, specialty: CARDIOLOGY, priority }, t0)).referral.id;
    const reportId = await postReport(hub, r.specialist);
    const loop = async (id: string, acceptH: number, apptH: number, reportH: number) => {
      await transitionReferral(hub.db, coord, settings, id, { action: 'accept' }, at(acceptH));
      await transitionReferral(hub.db, coord, settings, id, { action: 'schedule', appointmentAt: at(apptH).toISOString() }, at(acceptH + 0.5));
      await transitionReferral(hub.db, doc, settings, id, { action: 'start' }, at(apptH));
      await transitionReferral(hub.db, doc, settings, id, { action: 'complete' }, at(apptH + 1));
      await transitionReferral(hub.db, doc, settings, id, { action: 'return-report', report: `DiagnosticReport/${reportId}` }, at(reportH));
    };
    await loop(await mk(), 1, 48, 72); // answered within the 2 h urgent SLA
    await loop(await mk(), 3, 96, 120); // answered late
    const declined = await mk();
    await transitionReferral(hub.db, coord, settings, declined, { action: 'decline', reason: 'no-capacity' }, at(1));
    const cancelled = await mk('routine');
    await transitionReferral(hub.db, sender, settings, cancelled, { action: 'cancel' }, at(2));

    const res = await call(hub, r.coordinator, 'GET', '/api/referrals/measures?from=2026-06-01&to=2026-07-01');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const m = res.body;
    expect(m.scope).toEqual({ institution: r.hospital });
    expect(m.counts).toMatchObject({ total: 4, accepted: 2, loopClosed: 2, declined: 1, cancelled: 1, open: 0 });
    expect(m.loopClosureRate).toBeCloseTo(2 / 3, 4); // cancelled ones do not count
    expect(m.loopClosureRateOfAccepted).toBe(1);
    expect(m.timesHours.toAcceptance).toMatchObject({ n: 2, median: 2 });
    expect(m.timesHours.toAcceptance.p90).toBeCloseTo(2.8, 6);
    expect(m.timesHours.toAppointment).toMatchObject({ n: 2, median: 72 });
    expect(m.timesHours.toReportReturned.median).toBe(96);
    expect(m.timesHours.toReportReturned.p90).toBeCloseTo(115.2, 6);
    expect(m.sla).toMatchObject({ answeredInTime: 2, answeredLate: 1, breaches: 1 });
    expect(m.declineReasons).toEqual([{ code: 'no-capacity', n: 1, zh: '床位或号源不足', en: 'No capacity (beds or slots)' }]);
    expect(m.monthly).toEqual([{ month: '2026-06', institution: r.hospital, role: 'receiver', direction: 'up', n: 4, name: '协同市第一人民医院' }]);

    const senderView = await call(hub, r.chcDoctor, 'GET', '/api/referrals/measures?from=2026-06-01&to=2026-07-01');
    expect(senderView.body.monthly).toEqual([{ month: '2026-06', institution: r.chc, role: 'sender', direction: 'up', n: 4, name: '湖滨街道社区卫生服务中心' }]);
    const analyst = await personToken(hub, r.hospital, ['regional-analyst'], '区域分析员');
    const regional = await call(hub, analyst, 'GET', '/api/referrals/measures?from=2026-06-01&to=2026-07-01');
    expect(regional.body.scope).toEqual({ region: true });
    expect(regional.body.counts.total).toBeGreaterThanOrEqual(4);
    const empty = await call(hub, r.coordinator, 'GET', '/api/referrals/measures?from=2025-01-01&to=2025-02-01');
    expect(empty.body).toMatchObject({ counts: { total: 0 }, loopClosureRate: null, timesHours: { toAcceptance: { n: 0, median: null } } });
    for (const q of ['from=June', 'from=2026-07-01&to=2026-06-01', 'from=2020-01-01&to=2026-01-01', 'to=2026-13-45']) {
      expect((await call(hub, r.coordinator, 'GET', `/api/referrals/measures?${q}`)).status, q).toBe(400);
    }
    const patient = await personToken(hub, r.chc, ['patient'], '患者');
    expect((await call(hub, patient, 'GET', '/api/referrals/measures')).status).toBe(403);
  });
});
