import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type JsonWebKey, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { Db, Queryable } from '../../platform/storage/index.js';
import { DEFAULT_LOG_ID, assertLogId } from './append.service.js';
import { lockLogHead, readLogHead } from './log.repo.js';
import { decodeFrontier, frontierRoot } from './merkle/compact-range.js';
import { findActiveAuditKey, findLatestTreeHead, insertAuditKey, insertTreeHead, listAuditPublicKeys, type TreeHeadRow } from './tree-head.repo.js';

export type SignedTreeHead = TreeHeadRow;

/**
 * The exact bytes a tree head signature covers, laid out as a C2SP
 * tlog-checkpoint body (https://c2sp.org/tlog-checkpoint): origin line, tree
 * size, base64 root hash, then one extension line with the signing time in
 * milliseconds since the epoch. Every line ends with a newline.
 */
export function treeHeadCheckpoint(head: Pick<TreeHeadRow, 'logId' | 'treeSize' | 'rootHash' | 'timestampMs'>): string {
  return `xietong-audit/${head.logId}\n${head.treeSize}\n${head.rootHash.toString('base64')}\ntimestamp ${head.timestampMs}\n`;
}

const keyCache = new Map<string, KeyObject>();

async function createAuditKey(db: Queryable): Promise<void> {
  const pair = generateKeyPairSync('ed25519');
  const publicJwk = pair.publicKey.export({ format: 'jwk' }) as JWK;
  const keyId = await calculateJwkThumbprint({ kty: publicJwk.kty, crv: publicJwk.crv, x: publicJwk.x } as JWK);
  const privateJwk = pair.privateKey.export({ format: 'jwk' });
  await insertAuditKey(db, {
    key_id: keyId,
    public_jwk: { ...publicJwk, kid: keyId, alg: 'EdDSA', use: 'sig' },
    private_jwk: { ...privateJwk, kid: keyId },
  });
}

/** The active audit signing key, created on first use. */
async function loadSigningKey(db: Queryable): Promise<{ keyId: string; privateKey: KeyObject }> {
  let row = await findActiveAuditKey(db);
  if (!row) {
    await createAuditKey(db);
    row = await findActiveAuditKey(db);
    if (!row) throw new Error('audit signing key could not be created');
  }
  const cacheKey = `private:${row.key_id}`;
  let privateKey = keyCache.get(cacheKey);
  if (!privateKey) {
    privateKey = createPrivateKey({ key: row.private_jwk as JsonWebKey, format: 'jwk' });
    keyCache.set(cacheKey, privateKey);
  }
  return { keyId: row.key_id, privateKey };
}

/** The public keys tree heads are signed with, as a JWK Set (RFC 7517). Creates the key on first use. */
export async function listAuditPublicJwks(db: Queryable): Promise<{ keys: Array<Record<string, unknown>> }> {
  if (!(await findActiveAuditKey(db))) await createAuditKey(db);
  return { keys: (await listAuditPublicKeys(db)).map((row) => row.public_jwk) };
}

/** Public keys by key id, for verifiers. */
export async function loadAuditPublicKeys(db: Queryable): Promise<Map<string, KeyObject>> {
  const out = new Map<string, KeyObject>();
  for (const row of await listAuditPublicKeys(db)) {
    out.set(row.key_id, createPublicKey({ key: row.public_jwk as JsonWebKey, format: 'jwk' }));
  }
  return out;
}

/** True when the head's Ed25519 signature over its checkpoint verifies with `publicKey`. */
export function verifyTreeHeadSignature(head: TreeHeadRow, publicKey: KeyObject): boolean {
  try {
    return verify(null, Buffer.from(treeHeadCheckpoint(head), 'utf8'), publicKey, head.signature);
  } catch {
    return false;
  }
}

/**
 * Signs the log's current tree head now and stores it. The log row is locked
 * meanwhile, so the head matches a committed tree exactly and timestamps
 * strictly increase.
 */
export async function signTreeHead(db: Db, logId = DEFAULT_LOG_ID): Promise<SignedTreeHead> {
  assertLogId(logId);
  const key = await loadSigningKey(db);
  return db.transaction(async (tx) => {
    const logHead = await lockLogHead(tx, logId);
    const latest = await findLatestTreeHead(tx, logId);
    const head: TreeHeadRow = {
      logId,
      treeSize: logHead.treeSize,
      timestampMs: Math.max(Date.now(), (latest?.timestampMs ?? 0) + 1),
      rootHash: frontierRoot(decodeFrontier(logHead.frontier, logHead.treeSize)),
      keyId: key.keyId,
      signature: Buffer.alloc(0),
    };
    head.signature = sign(null, Buffer.from(treeHeadCheckpoint(head), 'utf8'), key.privateKey);
    await insertTreeHead(tx, head);
    return head;
  });
}

/** The latest signed tree head, or undefined when none was signed yet. */
export async function readLatestTreeHead(db: Queryable, logId = DEFAULT_LOG_ID): Promise<SignedTreeHead | undefined> {
  return findLatestTreeHead(db, logId);
}

/** Signs a new head only when the tree grew since the latest one (or none exists). */
export async function signTreeHeadIfGrown(db: Db, logId = DEFAULT_LOG_ID): Promise<SignedTreeHead | undefined> {
  const [latest, logHead] = await Promise.all([findLatestTreeHead(db, logId), readLogHead(db, logId)]);
  if (latest && latest.treeSize === (logHead?.treeSize ?? 0)) return undefined;
  return signTreeHead(db, logId);
}

export interface TreeHeadScheduler {
  /** Runs one round now (also what the timer runs). */
  tick(): Promise<SignedTreeHead | undefined>;
  /** Stops the timer and waits for a round in progress. */
  stop(): Promise<void>;
}

/**
 * Signs a tree head every `intervalMs` when the log grew (the serve command
 * starts it). Rounds never overlap; errors go to `onError` and the next round
 * tries again. The timer does not keep the process alive.
 */
export function startTreeHeadScheduler(
  db: Db,
  options: { intervalMs: number; logId?: string; onSigned?: (head: SignedTreeHead) => void; onError?: (err: unknown) => void },
): TreeHeadScheduler {
  if (!Number.isFinite(options.intervalMs) || options.intervalMs < 10) throw new RangeError('intervalMs must be at least 10');
  let running: Promise<SignedTreeHead | undefined> | undefined;
  let stopped = false;
  const tick = (): Promise<SignedTreeHead | undefined> => {
    if (running) return running;
    running = signTreeHeadIfGrown(db, options.logId)
      .then((head) => {
        if (head) options.onSigned?.(head);
        return head;
      })
      .catch((err: unknown) => {
        options.onError?.(err);
        return undefined;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const timer = setInterval(() => {
    if (!stopped) void tick();
  }, options.intervalMs);
  timer.unref();
  return {
    tick,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
