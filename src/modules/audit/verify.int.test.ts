import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb } from '../../../test/support/db.js';
import type { Db } from '../../platform/storage/index.js';
import { appendAuditEvents } from './append.service.js';
import { newTestLogId, sampleAuditEvent } from './test-support/audit-fixtures.js';
import { signTreeHead } from './tree-head.service.js';
import { verifyAuditLog } from './verify.service.js';

let db: Db;
beforeAll(async () => {
  db = await openTestDb();
});
afterAll(async () => {
  await db.close();
});

/** A log of 20 leaves with signed heads at sizes 10 and 20. */
async function signedLog(): Promise<string> {
  const logId = newTestLogId();
  await appendAuditEvents(db, Array.from({ length: 10 }, (_, i) => sampleAuditEvent('t-a', i)), { logId });
  await signTreeHead(db, logId);
  await appendAuditEvents(db, Array.from({ length: 10 }, (_, i) => sampleAuditEvent('t-b', 10 + i)), { logId });
  await signTreeHead(db, logId);
  return logId;
}

describe('verifyAuditLog on an untouched log', () => {
  it('reports OK with counts, whatever the batch size', async () => {
    const logId = await signedLog();
    for (const batchSize of [1, 3, 7, 5000]) {
      const report = await verifyAuditLog(db, { logId, batchSize });
      expect(report, `batch ${batchSize}`).toMatchObject({
        ok: true,
        logId,
        treeSize: 20,
        leavesChecked: 20,
        // 10 + 5 + 2 + 1 complete subtrees of level >= 1 in 20 leaves.
        nodesChecked: 18,
        treeHeadsChecked: 2,
        problemCount: 0,
        problems: [],
      });
      expect(report.durationMs).toBeGreaterThanOrEqual(0);
    }
  });

  it('reports OK for an empty log', async () => {
    expect(await verifyAuditLog(db, { logId: newTestLogId() })).toMatchObject({ ok: true, treeSize: 0, leavesChecked: 0 });
  });
});

describe('verifyAuditLog names tampering done directly in SQL', () => {
  it('an edited event', async () => {
    const logId = await signedLog();
    await db.query(
      `UPDATE audit_leaves SET leaf_data = replace(leaf_data, 'obs-5', 'obs-X') WHERE log_id = $1 AND seq = 5`,
      [logId],
    );
    const report = await verifyAuditLog(db, { logId });
    expect(report.ok).toBe(false);
    expect(report.problems[0]).toMatchObject({ kind: 'leaf-altered', seq: 5 });
    // Rebuilt from the edited bytes, the tree no longer matches either signed head.
    expect(report.problems.filter((p) => p.kind === 'tree-head-root').map((p) => p.seq)).toEqual([9, 19]);
  });

  it('an edited event whose leaf hash was recomputed to match', async () => {
    const logId = await signedLog();
    await db.query(
      `UPDATE audit_leaves SET leaf_data = replace(leaf_data, '"R"', '"D"') WHERE log_id = $1 AND seq = 12`,
      [logId],
    );
    await db.query(`UPDATE audit_leaves SET leaf_hash = sha256('\\x00'::bytea || convert_to(leaf_data, 'UTF8')) WHERE log_id = $1 AND seq = 12`, [logId]);
    const report = await verifyAuditLog(db, { logId });
    expect(report.problems[0]).toMatchObject({ kind: 'node-mismatch', seq: 13 });
    expect(report.problems.some((p) => p.kind === 'tree-head-root' && p.seq === 19)).toBe(true);
    expect(report.problems.some((p) => p.kind === 'tree-head-root' && p.seq === 9)).toBe(false);
  });

  it('a deleted leaf', async () => {
    const logId = await signedLog();
    await db.query('DELETE FROM audit_leaves WHERE log_id = $1 AND seq = 6', [logId]);
    const report = await verifyAuditLog(db, { logId, batchSize: 4 });
    expect(report.ok).toBe(false);
    expect(report.problems[0]).toMatchObject({ kind: 'leaf-missing', seq: 6 });
    expect(report.leavesChecked).toBe(19);
  });

  it('the last leaf deleted and the log head rolled back', async () => {
    const logId = await signedLog();
    await db.query('DELETE FROM audit_leaves WHERE log_id = $1 AND seq = 19', [logId]);
    await db.query('UPDATE audit_logs SET tree_size = 19 WHERE log_id = $1', [logId]);
    const report = await verifyAuditLog(db, { logId });
    expect(report.ok).toBe(false);
    expect(report.problems.map((p) => p.kind)).toEqual(expect.arrayContaining(['tree-head-beyond-log', 'log-head-mismatch']));
  });

  it('two swapped leaves', async () => {
    const logId = await signedLog();
    // Three steps because (log_id, seq) is the primary key.
    await db.query('UPDATE audit_leaves SET seq = -1 WHERE log_id = $1 AND seq = 3', [logId]);
    await db.query('UPDATE audit_leaves SET seq = 3 WHERE log_id = $1 AND seq = 8', [logId]);
    await db.query('UPDATE audit_leaves SET seq = 8 WHERE log_id = $1 AND seq = -1', [logId]);
    const report = await verifyAuditLog(db, { logId });
    expect(report.problems[0]).toMatchObject({ kind: 'leaf-reordered', seq: 3 });
    expect(report.problems[0].message).toContain('appended as leaf 8');
    expect(report.problems.some((p) => p.kind === 'leaf-reordered' && p.seq === 8)).toBe(true);
  });

  it('swapped event bytes with the hashes left in place', async () => {
    const logId = await signedLog();
    await db.query(
      `UPDATE audit_leaves a SET leaf_data = b.leaf_data FROM audit_leaves b
       WHERE a.log_id = $1 AND b.log_id = $1 AND ((a.seq = 14 AND b.seq = 15) OR (a.seq = 15 AND b.seq = 14))`,
      [logId],
    );
    const report = await verifyAuditLog(db, { logId });
    expect(report.problems[0]).toMatchObject({ kind: 'leaf-reordered', seq: 14 });
  });

  it('a changed stored node hash', async () => {
    const logId = await signedLog();
    const changed = await db.query(`UPDATE audit_nodes SET hash = sha256(hash) WHERE log_id = $1 AND end_seq = 7 AND level = 2`, [logId]);
    expect(changed.rowCount).toBe(1);
    const report = await verifyAuditLog(db, { logId });
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'node-mismatch', seq: 7 })]);
    expect(report.problems[0].message).toContain('leaves 4..7');
  });

  it('a deleted stored node', async () => {
    const logId = await signedLog();
    await db.query('DELETE FROM audit_nodes WHERE log_id = $1 AND end_seq = 15 AND level = 4', [logId]);
    const report = await verifyAuditLog(db, { logId });
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'node-missing', seq: 15 })]);
  });

  it('a changed signed tree head', async () => {
    const logId = await signedLog();
    await db.query(`UPDATE audit_tree_heads SET root_hash = sha256(root_hash) WHERE log_id = $1 AND tree_size = 10`, [logId]);
    const report = await verifyAuditLog(db, { logId });
    expect(report.problems[0]).toMatchObject({ kind: 'tree-head-signature', seq: 9 });
    expect(report.problems.some((p) => p.kind === 'tree-head-root' && p.seq === 9)).toBe(true);
  });

  it('a signed tree head moved to another size', async () => {
    const logId = await signedLog();
    await db.query('UPDATE audit_tree_heads SET tree_size = 11 WHERE log_id = $1 AND tree_size = 10', [logId]);
    const report = await verifyAuditLog(db, { logId });
    expect(report.problems[0]).toMatchObject({ kind: 'tree-head-signature', seq: 10 });
  });

  it('a changed log head (frontier)', async () => {
    const logId = await signedLog();
    await db.query('UPDATE audit_logs SET frontier = sha256(frontier) || substring(frontier from 33) WHERE log_id = $1', [logId]);
    const report = await verifyAuditLog(db, { logId });
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'log-head-mismatch', seq: 20 })]);
  });

  it('a leaf moved to another tenant', async () => {
    const logId = await signedLog();
    await db.query(`UPDATE audit_leaves SET tenant_id = 't-other' WHERE log_id = $1 AND seq = 2`, [logId]);
    const report = await verifyAuditLog(db, { logId });
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'leaf-altered', seq: 2 })]);
  });
});
