import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb } from '../../../test/support/db.js';
import type { RequestContext } from '../../platform/context/request-context.js';
import type { Db } from '../../platform/storage/index.js';
import { searchAccessLog } from './access-log.service.js';
import { auditFhirInteractions, recordAccess } from './audit-queue.service.js';
import { drainAuditQueue, startAuditSequencer } from './audit-sequencer.service.js';
import { buildAuditEvent } from './audit-event.builder.js';
import { canonicalJson } from './canonical-json.js';
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

/**
 * A tenant's recorded events, queued or already sequenced: on a shared PostgreSQL database another
 * test file's `serve` runs a sequencer that may drain the queue between a commit and a count.
 * `batched`: events about several accesses.
 */
async function eventsOf(tenantId: string): Promise<{ n: number; batched: number }> {
  const { rows } = await db.query<{ n: number; batched: number }>(
    `SELECT count(*)::int AS n, count(*) FILTER (WHERE several)::int AS batched FROM (
       SELECT accesses IS NOT NULL AS several FROM audit_queue WHERE tenant_id = $1
       UNION ALL
       SELECT count(*) > 1 FROM audit_access_index WHERE tenant_id = $1 GROUP BY log_id, seq
     ) AS events`,
    [tenantId],
  );
  return rows[0];
}

describe('audit queue and sequencer', () => {
  it('queues in the caller transaction, and the sequencer appends in queue order to the Merkle log', async () => {
    const tenant = `t-${randomUUID().slice(0, 8)}`;
    const ctx = ctxFor(tenant);
    await db.transaction(async (tx) => {
      for (let i = 0; i < 5; i++) await recordAccess(tx, ctx, { action: 'R', subtype: 'read', outcome: 'success', patient: { tenantId: 'other', id: `p${i}` }, resources: [{ type: 'Observation', id: `o${i}` }] });
    });
    expect((await eventsOf(tenant)).n).toBe(5);
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

  it('queues the canonical JSON the leaf embeds, and canonicalises rows queued as jsonb before migration 014', async () => {
    const tenant = `t-${randomUUID().slice(0, 8)}`;
    const ctx = ctxFor(tenant);
    const stored = await db.transaction(async (tx) => {
      await recordAccess(tx, ctx, { action: 'R', subtype: 'read', outcome: 'success', patient: { tenantId: tenant, id: 'p-new' }, resources: [{ type: 'Patient', id: 'p-new' }] });
      const { rows } = await tx.query<{ event: string; canonical: boolean }>('SELECT event, canonical FROM audit_queue WHERE tenant_id = $1', [tenant]);
      return rows;
    });
    expect(stored).toHaveLength(1);
    expect(stored[0].canonical).toBe(true);
    expect(stored[0].event).toBe(canonicalJson(JSON.parse(stored[0].event)));
    // A row left in the queue by the previous version: jsonb's text (spaces, its own key order), canonical false.
    const old = buildAuditEvent({ tenantId: tenant, action: 'R', subtype: 'read', outcome: '0', recorded: new Date(), agent: { kind: 'user', id: 'u-old', roles: ['clinician'] }, patientId: 'p-old', resources: [{ type: 'Patient', id: 'p-old' }] });
    await db.query(
      `INSERT INTO audit_queue (tenant_id, agent_kind, agent_id, action, subtype, outcome, patient_tenant_id, patient_id, recorded, event, canonical)
       VALUES ($1, 'user', 'u-old', 'R', 'read', '0', $1, 'p-old', now(), $2::jsonb::text, false)`,
      [tenant, JSON.stringify(old)],
    );
    const jsonbText = (await db.query<{ t: string }>('SELECT $1::jsonb::text AS t', [JSON.stringify(old)])).rows[0].t;
    expect(jsonbText).not.toBe(canonicalJson(old));
    await drainAuditQueue(db);
    const leaves = await leavesOf(tenant);
    expect(leaves).toHaveLength(2);
    for (const leaf of leaves) {
      const text = leaf.leaf_data.slice(decodeLeafHeader(leaf.leaf_data)!.eventOffset);
      expect(text).toBe(canonicalJson(JSON.parse(text)));
    }
    expect(leaves.map((l) => decodeLeafEvent(l.leaf_data)?.entity?.[0].what?.reference).sort()).toEqual(['Patient/p-new', 'Patient/p-old']);
    expect(decodeLeafEvent(leaves.find((l) => l.leaf_data.includes('p-old'))!.leaf_data)).toEqual(JSON.parse(jsonbText));
  });

  it('refuses an event the log could not take before it is queued (the request fails, the queue stays clean)', async () => {
    await expect(recordAccess(db, ctxFor('bad tenant!'), { action: 'R', subtype: 'read', outcome: 'success' })).rejects.toThrow(/tenantId must match/);
    const { rows } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_queue WHERE tenant_id = 'bad tenant!'");
    expect(rows[0].n).toBe(0);
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

  it('batched reads share one leaf per agent and kind of access, and every access keeps its index row', async () => {
    const tenant = `t-${randomUUID().slice(0, 8)}`;
    const doctor = ctxFor(tenant, 'doc-batch');
    const nurse = ctxFor(tenant, 'nurse-batch');
    const reads = [0, 1, 2].map((i) => ({ ctx: { ...doctor, requestId: `req-d${i}` }, interaction: { interaction: 'read', resourceType: 'Observation', id: `o${i}`, patientId: `p${i}` } }));
    const search = { ctx: { ...doctor, requestId: 'req-s' }, interaction: { interaction: 'search-type', query: 'code=1234-5', resources: [{ type: 'Observation', id: 'o9' }] } };
    const nurseRead = { ctx: { ...nurse, requestId: 'req-n' }, interaction: { interaction: 'read', resourceType: 'Patient', id: 'p0', patientId: 'p0' } };
    await auditFhirInteractions(db, [reads[0]!, search, reads[1]!, nurseRead, reads[2]!], { batch: true });
    expect(await eventsOf(tenant)).toEqual({ n: 3, batched: 1 }); // the doctor's reads (batched), the doctor's search, the nurse's read
    // Queued batched accesses are found per patient before the sequencer runs.
    expect(await searchAccessLog(db, { patient: `${tenant}/p1` })).toHaveLength(1);
    await drainAuditQueue(db);

    const leaves = await db.query<{ seq: number; leaf_data: string }>(
      `SELECT DISTINCT l.seq, l.leaf_data FROM audit_access_index x JOIN audit_leaves l ON l.log_id = x.log_id AND l.seq = x.seq WHERE x.tenant_id = $1 ORDER BY l.seq`,
      [tenant],
    );
    expect(leaves.rows).toHaveLength(3);
    const doctorEvent = decodeLeafEvent(leaves.rows[0]!.leaf_data)!;
    expect(doctorEvent.subtype?.[0]?.code).toBe('read');
    // Each access names its patient, its resource and its request id, in order.
    const refs = doctorEvent.entity!.map((e) => e.what?.reference ?? e.detail?.[0]?.valueString);
    expect(refs).toEqual(['Patient/p0', 'Observation/o0', 'req-d0', 'Patient/p1', 'Observation/o1', 'req-d1', 'Patient/p2', 'Observation/o2', 'req-d2']);

    const index = await db.query<{ seq: number; part: number; patient_id: string | null; agent_id: string }>(
      'SELECT seq, part, patient_id, agent_id FROM audit_access_index WHERE tenant_id = $1 ORDER BY seq, part', [tenant],
    );
    expect(index.rows.map((r) => [r.part, r.patient_id, r.agent_id])).toEqual([
      [0, 'p0', 'doc-batch'], [1, 'p1', 'doc-batch'], [2, 'p2', 'doc-batch'], [0, null, 'doc-batch'], [0, 'p0', 'nurse-batch'],
    ]);
    const p0 = await searchAccessLog(db, { patient: `${tenant}/p0` });
    expect(p0.map((e) => e.agentId).sort()).toEqual(['doc-batch', 'nurse-batch']);
    expect(p0.find((e) => e.agentId === 'doc-batch')?.agentDisplay).toBe('王医生');
    expect((await searchAccessLog(db, { user: 'doc-batch', institution: tenant }))).toHaveLength(4);
    expect((await verifyAuditLog(db)).ok).toBe(true);
  });

  it('without batching, every interaction keeps its own AuditEvent', async () => {
    const tenant = `t-${randomUUID().slice(0, 8)}`;
    const ctx = ctxFor(tenant);
    await auditFhirInteractions(db, [0, 1].map((i) => ({ ctx, interaction: { interaction: 'create', resourceType: 'Observation', id: `o${i}` } })));
    expect(await eventsOf(tenant)).toEqual({ n: 2, batched: 0 });
    await drainAuditQueue(db);
  });
});
