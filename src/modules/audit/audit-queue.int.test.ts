import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb } from '../../../test/support/db.js';
import type { RequestContext } from '../../platform/context/request-context.js';
import type { Db } from '../../platform/storage/index.js';
import { searchAccessLog } from './access-log.service.js';
import { recordAccess } from './audit-queue.service.js';
import { drainAuditQueue, startAuditSequencer } from './audit-sequencer.service.js';
import { decodeLeafEvent, decodeLeafHeader } from './leaf.js';
import { verifyAuditLog } from './verify.service.js';

let db: Db;
beforeAll(async () => {
  db = await openTestDb();
});
afterAll(async () => {
  await db.close();
});

function ctxFor(tenantId: string, userId = `u-${randomUUID().slice(0, 8)}`): RequestContext {
  return { tenantId, actor: { kind: 'user', id: userId, display: '王医生', roles: ['clinician'] }, scopes: [], requestId: `req-${randomUUID()}`, purposeOfUse: 'TREAT', baseUrl: 'http://hub.test' };
}

async function leavesOf(tenantId: string) {
  const { rows } = await db.query<{ seq: number; leaf_data: string }>(
    `SELECT l.seq, l.leaf_data FROM audit_access_index x JOIN audit_leaves l ON l.log_id = x.log_id AND l.seq = x.seq WHERE x.tenant_id = $1 ORDER BY l.seq`,
    [tenantId],
  );
  return rows;
}

describe('audit queue and sequencer', () => {
  it('queues in the caller transaction, and the sequencer appends in queue order to the Merkle log', async () => {
    const tenant = `t-${randomUUID().slice(0, 8)}`;
    const ctx = ctxFor(tenant);
    await db.transaction(async (tx) => {
      for (let i = 0; i < 5; i++) await recordAccess(tx, ctx, { action: 'R', subtype: 'read', outcome: 'success', patient: { tenantId: 'other', id: `p${i}` }, resources: [{ type: 'Observation', id: `o${i}` }] });
    });
    const queued = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_queue WHERE tenant_id = $1', [tenant]);
    expect(queued.rows[0].n).toBe(5);
    await drainAuditQueue(db);
    const leaves = await leavesOf(tenant);
    expect(leaves).toHaveLength(5);
    // Queue order is leaf order: p0..p4 in increasing seq.
    expect(leaves.map((l) => decodeLeafEvent(l.leaf_data)?.entity?.[0].what?.reference)).toEqual(['Patient/p0', 'Patient/p1', 'Patient/p2', 'Patient/p3', 'Patient/p4']);
    expect(leaves.map((l) => decodeLeafHeader(l.leaf_data)?.tenantId)).toEqual(Array(5).fill(tenant));
    const event = decodeLeafEvent(leaves[0].leaf_data);
    // The patient's institution is named when it is not the caller's.
    expect(event?.entity?.[0].detail).toEqual([{ type: 'patient-tenant', valueString: 'other' }]);
    const left = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_queue WHERE tenant_id = $1', [tenant]);
    expect(left.rows[0].n).toBe(0);
  });

  it('a rolled-back transaction leaves no queued event', async () => {
    const tenant = `t-${randomUUID().slice(0, 8)}`;
    await expect(db.transaction(async (tx) => {
      await recordAccess(tx, ctxFor(tenant), { action: 'C', subtype: 'create', outcome: 'success' });
      throw new Error('the change failed');
    })).rejects.toThrow('the change failed');
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_queue WHERE tenant_id = $1', [tenant]);
    expect(rows[0].n).toBe(0);
  });

  it('concurrent requests queue without waiting on the log head, and the log stays verifiable', async () => {
    const tenant = `t-${randomUUID().slice(0, 8)}`;
    await Promise.all(Array.from({ length: 20 }, (_, i) => db.transaction((tx) => recordAccess(tx, ctxFor(tenant, `u${i}`), { action: 'R', subtype: 'search-type', outcome: 'success' }))));
    const sequencer = startAuditSequencer(db, { intervalMs: 20, detectEveryMs: 0 });
    await sequencer.stop();
    expect(await leavesOf(tenant)).toHaveLength(20);
    const report = await verifyAuditLog(db);
    expect(report.ok).toBe(true);
  });

  it('audit search finds events by patient, user and time, queued ones included', async () => {
    const tenant = `t-${randomUUID().slice(0, 8)}`;
    const ctx = ctxFor(tenant, 'searcher');
    await recordAccess(db, ctx, { action: 'R', subtype: 'read', outcome: 'success', patient: { tenantId: tenant, id: 'pat-1' } });
    await drainAuditQueue(db);
    await recordAccess(db, ctx, { action: 'R', subtype: 'read', outcome: 'denied', basis: 'no-care-relationship', patient: { tenantId: tenant, id: 'pat-1' } });
    const byPatient = await searchAccessLog(db, { patient: `${tenant}/pat-1` });
    expect(byPatient).toHaveLength(2);
    expect(byPatient[0].seq).toBeNull(); // the newest is still queued
    expect(byPatient[1].seq).toEqual(expect.any(Number));
    expect(byPatient[0].agentDisplay).toBe('王医生');
    expect(byPatient[0].basis).toBe('no-care-relationship');
    expect(await searchAccessLog(db, { user: 'searcher', institution: tenant })).toHaveLength(2);
    expect(await searchAccessLog(db, { patient: `${tenant}/pat-1`, from: '2999-01-01' })).toHaveLength(0);
    await expect(searchAccessLog(db, { patient: 'no-slash' })).rejects.toMatchObject({ code: 'AUDIT_INVALID_PARAMETER' });
    await expect(searchAccessLog(db, { from: 'yesterday' })).rejects.toMatchObject({ code: 'AUDIT_INVALID_PARAMETER' });
    await expect(searchAccessLog(db, { from: '2026-02-01', to: '2026-01-01' })).rejects.toMatchObject({ code: 'AUDIT_INVALID_PARAMETER' });
    await expect(searchAccessLog(db, { limit: '0' })).rejects.toMatchObject({ code: 'AUDIT_INVALID_PARAMETER' });
    await drainAuditQueue(db);
  });
});
