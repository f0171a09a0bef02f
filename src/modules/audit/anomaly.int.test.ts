import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../../../test/support/app.js';
import { userToken } from '../../../test/support/region-fixtures.js';
import { selectAlerts } from './anomaly.repo.js';
import { detectAnomalies } from './anomaly.service.js';
import { recordAccess } from './audit-queue.service.js';
import { drainAuditQueue } from './audit-sequencer.service.js';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(async () => {
  await hub.close();
});

const HOUR = 3_600_000;
/** 23:30 China Standard Time on 20 Nov 2026 (15:30 UTC): off-hours. */
const NIGHT = new Date('2026-11-20T15:30:00Z');
/** 10:30 China Standard Time. */
const DAYTIME = new Date('2026-11-20T02:30:00Z');

/** Index rows as the sequencer writes them (the detector reads only the index). */
async function events(agentId: string, at: Date, count: number, extra: { basis?: string; subtype?: string; spreadMs?: number } = {}) {
  const seqBase = Math.floor(Math.random() * 1e12);
  for (let i = 0; i < count; i++) {
    await hub.db.query(
      `INSERT INTO audit_access_index (log_id, seq, tenant_id, agent_kind, agent_id, action, subtype, outcome, basis, recorded)
       VALUES ('anomaly-test', $1, 't-anomaly', 'user', $2, 'R', $3, $4, $5, $6)`,
      [seqBase + i, agentId, extra.subtype ?? 'read', extra.basis === 'no-care-relationship' ? '4' : '0', extra.basis ?? null, new Date(at.getTime() + i * (extra.spreadMs ?? 1000))],
    );
  }
}

async function alertsOf(agentId: string) {
  return (await selectAlerts(hub.db, { agentId, limit: 50 })).map((a) => a.rule).sort();
}

const thresholds = { volumeMin: 20, volumeFactor: 5, offHoursMin: 10, offHoursFactor: 3 };

describe('anomaly detection', () => {
  it('flags a volume far above the user\'s own baseline, not a busy user at their usual pace', async () => {
    const quiet = `quiet-${randomUUID()}`;
    const busy = `busy-${randomUUID()}`;
    for (let day = 1; day <= 3; day++) {
      await events(quiet, new Date(DAYTIME.getTime() - day * 24 * HOUR), 4);
      await events(busy, new Date(DAYTIME.getTime() - day * 24 * HOUR), 40);
    }
    await events(quiet, DAYTIME, 60);
    await events(busy, DAYTIME, 60);
    await detectAnomalies(hub.db, { now: DAYTIME, thresholds });
    expect(await alertsOf(quiet)).toEqual(['volume']);
    expect(await alertsOf(busy)).toEqual([]);
  });

  it('flags an off-hours burst, unless the person usually works nights', async () => {
    const dayWorker = `day-${randomUUID()}`;
    const nightNurse = `night-${randomUUID()}`;
    for (let day = 1; day <= 14; day++) await events(nightNurse, new Date(NIGHT.getTime() - day * 24 * HOUR), 12);
    await events(dayWorker, NIGHT, 12);
    await events(nightNurse, NIGHT, 12);
    await detectAnomalies(hub.db, { now: NIGHT, thresholds });
    expect(await alertsOf(dayWorker)).toEqual(['off-hours']);
    expect(await alertsOf(nightNurse)).toEqual([]);
  });

  it('flags repeated access without a care relationship and repeated break-the-glass; running again adds nothing', async () => {
    const prober = `prober-${randomUUID()}`;
    const glass = `glass-${randomUUID()}`;
    const once = `once-${randomUUID()}`;
    await events(prober, DAYTIME, 3, { basis: 'no-care-relationship' });
    await events(glass, new Date(DAYTIME.getTime() - 5 * HOUR), 3, { subtype: 'break-glass', spreadMs: HOUR });
    await events(once, DAYTIME, 1, { subtype: 'break-glass' });
    const first = await detectAnomalies(hub.db, { now: DAYTIME, thresholds });
    expect(first).toBeGreaterThanOrEqual(2);
    expect(await alertsOf(prober)).toEqual(['no-care-relationship']);
    expect(await alertsOf(glass)).toEqual(['repeated-break-glass']);
    expect(await alertsOf(once)).toEqual([]);
    const again = await detectAnomalies(hub.db, { now: new Date(DAYTIME.getTime() + 60_000), thresholds });
    expect(again).toBe(0);
  });
});

describe('privacy officer API (/audit)', () => {
  it('lists and resolves alerts; only privacy officers resolve, once', async () => {
    const agent = `api-${randomUUID()}`;
    await events(agent, DAYTIME, 3, { basis: 'no-care-relationship' });
    await detectAnomalies(hub.db, { now: DAYTIME, thresholds });
    const officer = await userToken(hub, 't-anomaly', ['privacy-officer'], { id: 'officer-1' });
    const list = await hub.app.inject({ method: 'GET', url: `/audit/alerts?user=${agent}`, headers: officer });
    expect(list.statusCode, list.body).toBe(200);
    const [alert] = list.json().alerts;
    expect(alert).toMatchObject({ rule: 'no-care-relationship', agentId: agent, status: 'open', observed: 3 });

    const auditor = await userToken(hub, 't-anomaly', ['auditor']);
    expect((await hub.app.inject({ method: 'POST', url: `/audit/alerts/${alert.id}/resolve`, headers: auditor, payload: { decision: 'confirmed' } })).statusCode).toBe(403);
    expect((await hub.app.inject({ method: 'POST', url: `/audit/alerts/${alert.id}/resolve`, headers: officer, payload: { decision: 'ignore' } })).statusCode).toBe(400);
    const done = await hub.app.inject({ method: 'POST', url: `/audit/alerts/${alert.id}/resolve`, headers: officer, payload: { decision: 'confirmed' } });
    expect(done.statusCode, done.body).toBe(200);
    expect(done.json()).toMatchObject({ status: 'confirmed', resolvedBy: 'officer-1' });
    expect((await hub.app.inject({ method: 'POST', url: `/audit/alerts/${alert.id}/resolve`, headers: officer, payload: { decision: 'dismissed' } })).statusCode).toBe(409);
    expect((await hub.app.inject({ method: 'POST', url: '/audit/alerts/999999999/resolve', headers: officer, payload: { decision: 'dismissed' } })).statusCode).toBe(404);
    expect((await hub.app.inject({ method: 'POST', url: '/audit/alerts/abc/resolve', headers: officer, payload: { decision: 'dismissed' } })).statusCode).toBe(400);
    const closed = await hub.app.inject({ method: 'GET', url: `/audit/alerts?status=confirmed&user=${agent}`, headers: officer });
    expect(closed.json().alerts).toHaveLength(1);
    expect((await hub.app.inject({ method: 'GET', url: '/audit/alerts?status=weird', headers: officer })).statusCode).toBe(400);
  });

  it('audit search and verify are for privacy officers, auditors and regional admins; clinicians and systems get 403', async () => {
    const patientId = `p-${randomUUID()}`;
    const ctx = { tenantId: 't-search', actor: { kind: 'user' as const, id: 'dr-search', roles: ['clinician'] }, scopes: [], requestId: 'r', baseUrl: 'http://hub.test' };
    await recordAccess(hub.db, ctx, { action: 'R', subtype: 'read', outcome: 'success', patient: { tenantId: 't-owner', id: patientId } });
    await drainAuditQueue(hub.db);
    const auditor = await userToken(hub, 't-search', ['auditor']);
    const found = await hub.app.inject({ method: 'GET', url: `/audit/events?patient=t-owner/${patientId}`, headers: auditor });
    expect(found.statusCode, found.body).toBe(200);
    expect(found.json().entries).toEqual([expect.objectContaining({ agentId: 'dr-search', tenantId: 't-search', seq: expect.any(Number) })]);
    const verify = await hub.app.inject({ method: 'POST', url: '/audit/verify', headers: auditor });
    expect(verify.statusCode).toBe(200);
    expect(verify.json()).toMatchObject({ ok: true });
    const clinician = await userToken(hub, 't-search', ['clinician']);
    expect((await hub.app.inject({ method: 'GET', url: '/audit/events', headers: clinician })).statusCode).toBe(403);
    expect((await hub.app.inject({ method: 'POST', url: '/audit/verify', headers: clinician })).statusCode).toBe(403);
    const system = await hub.deps.tokens.mint({ tenantId: 't-search', actor: { kind: 'system', id: 'c1' }, scope: 'system/*.rs' });
    expect((await hub.app.inject({ method: 'GET', url: '/audit/alerts', headers: { authorization: `Bearer ${system.access_token}` } })).statusCode).toBe(403);
    expect((await hub.app.inject({ method: 'GET', url: '/audit/events?patient=bad', headers: auditor })).statusCode).toBe(400);
    expect((await hub.app.inject({ method: 'GET', url: '/audit/events?from=a&from=b', headers: auditor })).statusCode).toBe(400);
  });
});
