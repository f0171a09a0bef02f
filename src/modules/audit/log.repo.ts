import type { Queryable } from '../../platform/storage/index.js';

/**
 * All SQL of the Merkle log itself (leaves, stored subtree hashes, the log
 * head). Hashes travel to the database as hex text and back as bytea, which
 * both engines (pg and PGlite) handle the same way, also inside arrays.
 */

export interface LogHead {
  treeSize: number;
  frontier: Buffer;
}

export interface NewLeaf {
  seq: number;
  tenantId: string;
  leafHash: Buffer;
  /** The leaf text; its UTF-8 bytes are what the leaf hash covers. */
  leafData: string;
}

export interface NewNode {
  endSeq: number;
  level: number;
  hash: Buffer;
}

export interface LeafRow {
  seq: number;
  tenant_id: string;
  leaf_hash: Uint8Array;
  leaf_data: string;
}

/** A leaf as the verifier streams it: the stored hash as hex (text parses far faster than bytea in PGlite). */
export interface LeafScanRow {
  seq: number;
  tenant_id: string;
  leaf_hash_hex: string;
  leaf_data: string;
}

export interface NodeRow {
  end_seq: number;
  level: number;
  hash: Uint8Array;
}

/** Node views of bytea values: pg gives Buffer, PGlite Uint8Array. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

/**
 * Locks the log's head row until the caller's transaction ends, creating the
 * log on first use. Every appender queues here, so sequence numbers come out
 * gapless and in commit order.
 */
export async function lockLogHead(tx: Queryable, logId: string): Promise<LogHead> {
  const select = () =>
    tx.query<{ tree_size: number; frontier: Uint8Array }>('SELECT tree_size, frontier FROM audit_logs WHERE log_id = $1 FOR UPDATE', [logId]);
  let result = await select();
  if (result.rows.length === 0) {
    await tx.query('INSERT INTO audit_logs (log_id) VALUES ($1) ON CONFLICT (log_id) DO NOTHING', [logId]);
    result = await select();
  }
  const row = result.rows[0];
  return { treeSize: Number(row.tree_size), frontier: asBuffer(row.frontier) };
}

/** Reads the committed head of a log without locking; undefined for an unknown log. */
export async function readLogHead(db: Queryable, logId: string): Promise<LogHead | undefined> {
  const result = await db.query<{ tree_size: number; frontier: Uint8Array }>('SELECT tree_size, frontier FROM audit_logs WHERE log_id = $1', [logId]);
  const row = result.rows[0];
  return row ? { treeSize: Number(row.tree_size), frontier: asBuffer(row.frontier) } : undefined;
}

/** Writes appended leaves, the subtrees they completed and the new head, in one statement. */
export async function writeAppend(tx: Queryable, logId: string, leaves: NewLeaf[], nodes: NewNode[], head: LogHead): Promise<void> {
  await tx.query(
    `WITH new_leaves AS (
       INSERT INTO audit_leaves (log_id, seq, tenant_id, leaf_hash, leaf_data)
       SELECT $1, x.seq, x.tenant_id, decode(x.leaf_hash, 'hex'), x.leaf_data
       FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[]) AS x(seq, tenant_id, leaf_hash, leaf_data)
     ), new_nodes AS (
       INSERT INTO audit_nodes (log_id, end_seq, level, hash)
       SELECT $1, y.end_seq, y.level, decode(y.hash, 'hex')
       FROM unnest($6::bigint[], $7::smallint[], $8::text[]) AS y(end_seq, level, hash)
     )
     UPDATE audit_logs SET tree_size = $9, frontier = decode($10, 'hex') WHERE log_id = $1`,
    [
      logId,
      leaves.map((leaf) => leaf.seq),
      leaves.map((leaf) => leaf.tenantId),
      leaves.map((leaf) => leaf.leafHash.toString('hex')),
      leaves.map((leaf) => leaf.leafData),
      nodes.map((node) => node.endSeq),
      nodes.map((node) => node.level),
      nodes.map((node) => node.hash.toString('hex')),
      head.treeSize,
      head.frontier.toString('hex'),
    ],
  );
}

/** Stored leaf hashes by seq. */
export async function findLeafHashes(db: Queryable, logId: string, seqs: number[]): Promise<Map<number, Buffer>> {
  if (seqs.length === 0) return new Map();
  const result = await db.query<{ seq: number; leaf_hash: Uint8Array }>(
    'SELECT seq, leaf_hash FROM audit_leaves WHERE log_id = $1 AND seq = ANY($2::bigint[])',
    [logId, seqs],
  );
  return new Map(result.rows.map((row) => [Number(row.seq), asBuffer(row.leaf_hash)]));
}

/** Stored subtree hashes, keyed `${endSeq}/${level}`. */
export async function findNodeHashes(db: Queryable, logId: string, refs: Array<{ endSeq: number; level: number }>): Promise<Map<string, Buffer>> {
  if (refs.length === 0) return new Map();
  const result = await db.query<NodeRow>(
    `SELECT n.end_seq, n.level, n.hash FROM audit_nodes n
     JOIN unnest($2::bigint[], $3::smallint[]) AS r(end_seq, level) ON n.end_seq = r.end_seq AND n.level = r.level
     WHERE n.log_id = $1`,
    [logId, refs.map((ref) => ref.endSeq), refs.map((ref) => ref.level)],
  );
  return new Map(result.rows.map((row) => [`${Number(row.end_seq)}/${Number(row.level)}`, asBuffer(row.hash)]));
}

/** Leaves in seq order: seq >= fromSeq and < beforeSeq, at most `limit`. */
export async function listLeaves(db: Queryable, logId: string, fromSeq: number, beforeSeq: number, limit: number): Promise<LeafRow[]> {
  const result = await db.query<LeafRow>(
    `SELECT seq, tenant_id, leaf_hash, leaf_data FROM audit_leaves
     WHERE log_id = $1 AND seq >= $2 AND seq < $3 ORDER BY seq LIMIT $4`,
    [logId, fromSeq, beforeSeq, limit],
  );
  return result.rows;
}

/** The verifier's page of leaves: seq >= fromSeq and < beforeSeq, in seq order. */
export async function scanLeaves(db: Queryable, logId: string, fromSeq: number, beforeSeq: number): Promise<LeafScanRow[]> {
  const result = await db.query<LeafScanRow>(
    `SELECT seq, tenant_id, encode(leaf_hash, 'hex') AS leaf_hash_hex, leaf_data FROM audit_leaves
     WHERE log_id = $1 AND seq >= $2 AND seq < $3 ORDER BY seq`,
    [logId, fromSeq, beforeSeq],
  );
  return result.rows;
}

/**
 * Stored subtrees whose last leaf lies in [fromSeq, beforeSeq), as a map from
 * `endSeq * 64 + level` to the hex hash. Fetched as one aggregated text value:
 * one row per subtree costs the verifier more than hashing does.
 */
export async function scanNodesEndingIn(db: Queryable, logId: string, fromSeq: number, beforeSeq: number): Promise<Map<number, string>> {
  const result = await db.query<{ nodes: string | null }>(
    `SELECT string_agg(end_seq::text || ' ' || level::text || ' ' || encode(hash, 'hex'), ',') AS nodes
     FROM audit_nodes WHERE log_id = $1 AND end_seq >= $2 AND end_seq < $3`,
    [logId, fromSeq, beforeSeq],
  );
  const out = new Map<number, string>();
  for (const entry of result.rows[0]?.nodes?.split(',') ?? []) {
    const [endSeq, level, hash] = entry.split(' ');
    out.set(Number(endSeq) * 64 + Number(level), hash);
  }
  return out;
}
