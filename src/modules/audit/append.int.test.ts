import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, testEngine } from '../../../test/support/db.js';
import { openPostgresDb, type Db } from '../../platform/storage/index.js';
import { HubError } from '../../platform/errors/index.js';
import { appendAuditEvent, appendAuditEvents } from './append.service.js';
import { decodeLeafEvent, decodeLeafHeader } from './leaf.js';
import { asBuffer, listLeaves } from './log.repo.js';
import { hashLeaf } from './merkle/hasher.js';
import { MemoryMerkleTree } from './merkle/memory-tree.js';
import { verifyConsistency, verifyInclusion } from './merkle/verify.js';
import { proveConsistency, proveInclusion, readRootAtSize, readTreeSize } from './proof.service.js';
import { newTestLogId, sampleAuditEvent } from './test-support/audit-fixtures.js';
import { verifyAuditLog } from './verify.service.js';

let db: Db;
beforeAll(async () => {
  db = await openTestDb();
});
afterAll(async () => {
  await db.close();
});

/** Rebuilds the log's tree in memory from the stored leaf bytes. */
async function memoryTreeOf(logId: string): Promise<MemoryMerkleTree> {
  const tree = new MemoryMerkleTree();
  const rows = await listLeaves(db, logId, 0, Number.MAX_SAFE_INTEGER, 1_000_000);
  rows.forEach((row, i) => {
    expect(Number(row.seq)).toBe(i);
    tree.appendData(row.leaf_data);
  });
  return tree;
}

describe('appendAuditEvent', () => {
  it('appends gapless leaves whose bytes hash to the stored leaf hash and carry the event', async () => {
    const logId = newTestLogId();
    const first = await db.transaction((tx) => appendAuditEvent(tx, sampleAuditEvent('t-a', 0), { logId }));
    const more = await appendAuditEvents(db, [1, 2, 3, 4].map((i) => sampleAuditEvent('t-b', i)), { logId });
    expect([first, ...more].map((leaf) => leaf.seq)).toEqual([0, 1, 2, 3, 4]);
    const rows = await listLeaves(db, logId, 0, 100, 100);
    expect(rows.map((row) => row.tenant_id)).toEqual(['t-a', 't-b', 't-b', 't-b', 't-b']);
    for (const row of rows) {
      expect(hashLeaf(row.leaf_data).equals(asBuffer(row.leaf_hash))).toBe(true);
      expect(decodeLeafHeader(row.leaf_data)).toMatchObject({ logId, seq: Number(row.seq) });
    }
    expect(decodeLeafEvent(rows[2].leaf_data)).toEqual(sampleAuditEvent('t-b', 2));
    expect(await readTreeSize(db, logId)).toBe(5);
  });

  it('commits with the caller transaction or not at all', async () => {
    const logId = newTestLogId();
    await appendAuditEvent(db, sampleAuditEvent('t-a', 0), { logId });
    await expect(
      db.transaction(async (tx) => {
        await appendAuditEvent(tx, sampleAuditEvent('t-a', 1), { logId });
        throw new Error('the recorded change failed');
      }),
    ).rejects.toThrow('the recorded change failed');
    const next = await appendAuditEvent(db, sampleAuditEvent('t-a', 2), { logId });
    expect(next.seq).toBe(1);
    expect(await readTreeSize(db, logId)).toBe(2);
    expect((await verifyAuditLog(db, { logId })).ok).toBe(true);
  });

  it('rejects what is not a tenant-tagged AuditEvent, and bad log ids', async () => {
    const logId = newTestLogId();
    const event = sampleAuditEvent('t-a', 0);
    const untagged = { ...event, meta: {} };
    await expect(appendAuditEvent(db, untagged, { logId })).rejects.toMatchObject({ code: 'AUDIT_INVALID_EVENT' });
    await expect(appendAuditEvent(db, { ...event, resourceType: 'Patient' } as never, { logId })).rejects.toMatchObject({ code: 'AUDIT_INVALID_EVENT' });
    await expect(appendAuditEvent(db, { ...event, recorded: 'yesterday' }, { logId })).rejects.toMatchObject({ code: 'AUDIT_INVALID_EVENT' });
    await expect(appendAuditEvent(db, { ...event, agent: [] }, { logId })).rejects.toMatchObject({ code: 'AUDIT_INVALID_EVENT' });
    await expect(appendAuditEvent(db, event, { logId: 'has\nnewline' })).rejects.toBeInstanceOf(HubError);
    expect(await readTreeSize(db, logId)).toBe(0);
  });
});

describe('roots and proofs from stored hashes', () => {
  it('match a tree rebuilt from the leaf bytes for every size, leaf and pair', async () => {
    const logId = newTestLogId();
    // Uneven batches exercise appends that complete several subtrees at once.
    for (const batch of [1, 2, 5, 1, 8, 3, 13, 4]) {
      const start = await readTreeSize(db, logId);
      await appendAuditEvents(db, Array.from({ length: batch }, (_, i) => sampleAuditEvent('t-a', start + i)), { logId });
    }
    const size = await readTreeSize(db, logId);
    expect(size).toBe(37);
    const tree = await memoryTreeOf(logId);
    for (let n = 0; n <= size; n++) expect((await readRootAtSize(db, n, logId)).equals(tree.root(n)), `root ${n}`).toBe(true);
    for (const n of [1, 2, 7, 16, 31, 37]) {
      for (let leaf = 0; leaf < n; leaf++) {
        const proof = await proveInclusion(db, leaf, n, logId);
        expect(proof.auditPath.map((h) => h.toString('hex'))).toEqual(tree.inclusionProof(leaf, n).map((h) => h.toString('hex')));
        expect(verifyInclusion({ leafIndex: leaf, treeSize: n, leafHash: proof.leafHash, proof: proof.auditPath, root: tree.root(n) })).toBe(true);
      }
      for (let m = 1; m <= n; m++) {
        const proof = await proveConsistency(db, m, n, logId);
        expect(verifyConsistency({ first: m, second: n, firstRoot: tree.root(m), secondRoot: tree.root(n), proof }), `${m}->${n}`).toBe(true);
      }
    }
  });

  it('refuses sizes beyond the tree, leaves beyond the size and reversed sizes', async () => {
    const logId = newTestLogId();
    await appendAuditEvents(db, [0, 1, 2].map((i) => sampleAuditEvent('t-a', i)), { logId });
    await expect(readRootAtSize(db, 4, logId)).rejects.toMatchObject({ code: 'AUDIT_TREE_SIZE_OUT_OF_RANGE' });
    await expect(proveInclusion(db, 3, 3, logId)).rejects.toMatchObject({ code: 'AUDIT_LEAF_OUT_OF_RANGE' });
    await expect(proveInclusion(db, 0, 4, logId)).rejects.toMatchObject({ code: 'AUDIT_TREE_SIZE_OUT_OF_RANGE' });
    await expect(proveConsistency(db, 3, 2, logId)).rejects.toMatchObject({ code: 'AUDIT_SIZES_OUT_OF_ORDER' });
    await expect(proveConsistency(db, 0, 2, logId)).rejects.toMatchObject({ code: 'AUDIT_TREE_SIZE_OUT_OF_RANGE' });
    await expect(proveConsistency(db, 1, 9, logId)).rejects.toMatchObject({ code: 'AUDIT_TREE_SIZE_OUT_OF_RANGE' });
    expect(await proveConsistency(db, 3, 3, logId)).toEqual([]);
  });

  it('says the storage is inconsistent, not that the proof is empty, when a stored hash is gone', async () => {
    const logId = newTestLogId();
    await appendAuditEvents(db, Array.from({ length: 8 }, (_, i) => sampleAuditEvent('t-a', i)), { logId });
    await db.query('DELETE FROM audit_nodes WHERE log_id = $1 AND end_seq = 7 AND level = 2', [logId]);
    await expect(proveInclusion(db, 0, 8, logId)).rejects.toMatchObject({ code: 'AUDIT_STORAGE_INCONSISTENT', status: 500 });
    await expect(readRootAtSize(db, 7, logId)).resolves.toBeInstanceOf(Buffer);
  });
});

describe('concurrent appends', () => {
  it(`stay gapless and consistent under many parallel transactions (${testEngine})`, async () => {
    const logId = newTestLogId();
    // Own pool on PostgreSQL so the transactions really run side by side on separate connections.
    const pool = testEngine === 'postgres' ? await openPostgresDb(process.env.DATABASE_URL as string, 24) : db;
    try {
      const attempts = 160;
      const results = await Promise.allSettled(
        Array.from({ length: attempts }, (_, i) =>
          pool.transaction(async (tx) => {
            await tx.query('SELECT pg_sleep($1)', [(i % 5) / 1000]);
            const leaves = await appendAuditEvents(tx, Array.from({ length: 1 + (i % 3) }, (_, k) => sampleAuditEvent(`t-${i % 4}`, i * 10 + k)), { logId });
            await tx.query('SELECT pg_sleep($1)', [(i % 3) / 1000]);
            if (i % 9 === 4) throw new Error('rolled back after appending');
            return leaves;
          }),
        ),
      );
      const committed = results.flatMap((result) => (result.status === 'fulfilled' ? result.value : []));
      const rolledBack = results.filter((result) => result.status === 'rejected').length;
      expect(rolledBack).toBe(Array.from({ length: attempts }, (_, i) => i).filter((i) => i % 9 === 4).length);
      const size = await readTreeSize(db, logId);
      expect(size).toBe(committed.length);
      expect(committed.map((leaf) => leaf.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: size }, (_, i) => i));
      const tree = await memoryTreeOf(logId);
      expect((await readRootAtSize(db, size, logId)).equals(tree.root())).toBe(true);
      const report = await verifyAuditLog(db, { logId });
      expect(report).toMatchObject({ ok: true, treeSize: size, leavesChecked: size, problemCount: 0 });
    } finally {
      if (pool !== db) await pool.close();
    }
  });
});
