import { createPublicKey, verify, type JsonWebKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb } from '../../../test/support/db.js';
import type { Db } from '../../platform/storage/index.js';
import { appendAuditEvents } from './append.service.js';
import { verifyConsistency } from './merkle/verify.js';
import { proveConsistency, readRootAtSize } from './proof.service.js';
import { newTestLogId, sampleAuditEvent } from './test-support/audit-fixtures.js';
import {
  listAuditPublicJwks,
  readLatestTreeHead,
  signTreeHead,
  signTreeHeadIfGrown,
  startTreeHeadScheduler,
  treeHeadCheckpoint,
  verifyTreeHeadSignature,
  type SignedTreeHead,
} from './tree-head.service.js';

let db: Db;
beforeAll(async () => {
  db = await openTestDb();
});
afterAll(async () => {
  await db.close();
});

async function publicKeyFor(keyId: string) {
  const jwks = await listAuditPublicJwks(db);
  const jwk = jwks.keys.find((key) => key.kid === keyId);
  expect(jwk).toBeDefined();
  return createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
}

describe('signed tree heads', () => {
  it('signs the current root with Ed25519 over a checkpoint anyone can rebuild', async () => {
    const logId = newTestLogId();
    await appendAuditEvents(db, [0, 1, 2, 3, 4].map((i) => sampleAuditEvent('t-a', i)), { logId });
    const head = await signTreeHead(db, logId);
    expect(head.treeSize).toBe(5);
    expect(head.rootHash.equals(await readRootAtSize(db, 5, logId))).toBe(true);
    const checkpoint = treeHeadCheckpoint(head);
    expect(checkpoint).toBe(`xietong-audit/${logId}\n5\n${head.rootHash.toString('base64')}\ntimestamp ${head.timestampMs}\n`);
    const publicKey = await publicKeyFor(head.keyId);
    expect(verify(null, Buffer.from(checkpoint), publicKey, head.signature)).toBe(true);
    expect(verifyTreeHeadSignature({ ...head, treeSize: 6 }, publicKey)).toBe(false);
    expect(verifyTreeHeadSignature({ ...head, timestampMs: head.timestampMs + 1 }, publicKey)).toBe(false);
    expect(await readLatestTreeHead(db, logId)).toEqual(head);
  });

  it('signs the empty tree, keeps timestamps strictly increasing, and heads are consistent', async () => {
    const logId = newTestLogId();
    const heads: SignedTreeHead[] = [await signTreeHead(db, logId)];
    expect(heads[0].treeSize).toBe(0);
    expect(heads[0].rootHash.toString('hex')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    for (let round = 1; round <= 4; round++) {
      await appendAuditEvents(db, Array.from({ length: round * 3 }, (_, i) => sampleAuditEvent('t-a', round * 100 + i)), { logId });
      heads.push(await signTreeHead(db, logId));
      heads.push(await signTreeHead(db, logId));
    }
    for (let i = 1; i < heads.length; i++) expect(heads[i].timestampMs).toBeGreaterThan(heads[i - 1].timestampMs);
    const signed = heads.filter((head) => head.treeSize > 0);
    for (const older of signed) {
      for (const newer of signed.filter((head) => head.treeSize >= older.treeSize)) {
        const proof = await proveConsistency(db, older.treeSize, newer.treeSize, logId);
        expect(verifyConsistency({ first: older.treeSize, second: newer.treeSize, firstRoot: older.rootHash, secondRoot: newer.rootHash, proof })).toBe(true);
      }
    }
  });

  it('signs again only when the tree grew', async () => {
    const logId = newTestLogId();
    const first = await signTreeHeadIfGrown(db, logId);
    expect(first?.treeSize).toBe(0);
    expect(await signTreeHeadIfGrown(db, logId)).toBeUndefined();
    await appendAuditEvents(db, [sampleAuditEvent('t-a', 1)], { logId });
    expect((await signTreeHeadIfGrown(db, logId))?.treeSize).toBe(1);
  });

  it('rejects a bad log id', async () => {
    await expect(signTreeHead(db, 'no spaces allowed')).rejects.toMatchObject({ code: 'AUDIT_INVALID_LOG_ID' });
  });
});

describe('startTreeHeadScheduler', () => {
  it('signs on its interval when the log grows, and stops cleanly', async () => {
    const logId = newTestLogId();
    const signed: SignedTreeHead[] = [];
    const errors: unknown[] = [];
    const scheduler = startTreeHeadScheduler(db, { intervalMs: 25, logId, onSigned: (head) => signed.push(head), onError: (err) => errors.push(err) });
    try {
      await appendAuditEvents(db, [sampleAuditEvent('t-a', 1), sampleAuditEvent('t-a', 2)], { logId });
      await expect.poll(() => signed.map((head) => head.treeSize), { timeout: 10_000, interval: 20 }).toContain(2);
      const count = signed.length;
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(signed.length).toBe(count); // nothing new to sign
    } finally {
      await scheduler.stop();
    }
    expect(errors).toEqual([]);
    await appendAuditEvents(db, [sampleAuditEvent('t-a', 3)], { logId });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(signed.at(-1)?.treeSize).toBe(2);
  });

  it('refuses an interval that would hammer the database', () => {
    expect(() => startTreeHeadScheduler(db, { intervalMs: 0 })).toThrow(RangeError);
  });
});
