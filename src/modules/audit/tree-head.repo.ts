import type { Queryable } from '../../platform/storage/index.js';
import { asBuffer } from './log.repo.js';

/** SQL for the audit signing keys and the signed tree heads. */

export interface AuditKeyRow {
  key_id: string;
  public_jwk: Record<string, unknown>;
  private_jwk: Record<string, unknown>;
  retired_at: Date | null;
}

export interface TreeHeadRow {
  logId: string;
  treeSize: number;
  timestampMs: number;
  rootHash: Buffer;
  keyId: string;
  signature: Buffer;
}

interface RawTreeHeadRow {
  log_id: string;
  tree_size: number;
  timestamp_ms: number;
  root_hash: Uint8Array;
  key_id: string;
  signature: Uint8Array;
}

const HEAD_COLUMNS = 'log_id, tree_size, timestamp_ms, root_hash, key_id, signature';

function toTreeHead(row: RawTreeHeadRow): TreeHeadRow {
  return {
    logId: row.log_id,
    treeSize: Number(row.tree_size),
    timestampMs: Number(row.timestamp_ms),
    rootHash: asBuffer(row.root_hash),
    keyId: row.key_id,
    signature: asBuffer(row.signature),
  };
}

export async function findActiveAuditKey(db: Queryable): Promise<AuditKeyRow | undefined> {
  const result = await db.query<AuditKeyRow>(
    'SELECT key_id, public_jwk, private_jwk, retired_at FROM audit_signing_keys WHERE retired_at IS NULL',
  );
  return result.rows[0];
}

/** Inserts a key unless another process already made the active one (a unique index allows one). */
export async function insertAuditKey(db: Queryable, key: Pick<AuditKeyRow, 'key_id' | 'public_jwk' | 'private_jwk'>): Promise<void> {
  await db.query(
    'INSERT INTO audit_signing_keys (key_id, public_jwk, private_jwk) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
    [key.key_id, key.public_jwk, key.private_jwk],
  );
}

/** Public keys of every audit key, retired ones included (old heads stay verifiable). */
export async function listAuditPublicKeys(db: Queryable): Promise<Array<{ key_id: string; public_jwk: Record<string, unknown>; retired_at: Date | null }>> {
  const result = await db.query<{ key_id: string; public_jwk: Record<string, unknown>; retired_at: Date | null }>(
    'SELECT key_id, public_jwk, retired_at FROM audit_signing_keys ORDER BY created_at',
  );
  return result.rows;
}

export async function findLatestTreeHead(db: Queryable, logId: string): Promise<TreeHeadRow | undefined> {
  const result = await db.query<RawTreeHeadRow>(
    `SELECT ${HEAD_COLUMNS} FROM audit_tree_heads WHERE log_id = $1 ORDER BY timestamp_ms DESC LIMIT 1`,
    [logId],
  );
  return result.rows[0] ? toTreeHead(result.rows[0]) : undefined;
}

/** Every signed head of a log, smallest tree first. */
export async function listTreeHeads(db: Queryable, logId: string): Promise<TreeHeadRow[]> {
  const result = await db.query<RawTreeHeadRow>(
    `SELECT ${HEAD_COLUMNS} FROM audit_tree_heads WHERE log_id = $1 ORDER BY tree_size, timestamp_ms`,
    [logId],
  );
  return result.rows.map(toTreeHead);
}

export async function insertTreeHead(db: Queryable, head: TreeHeadRow): Promise<void> {
  await db.query(
    `INSERT INTO audit_tree_heads (${HEAD_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)`,
    [head.logId, head.treeSize, head.timestampMs, head.rootHash, head.keyId, head.signature],
  );
}
