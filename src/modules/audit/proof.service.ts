import { HubError } from '../../platform/errors/index.js';
import type { Queryable } from '../../platform/storage/index.js';
import { DEFAULT_LOG_ID } from './append.service.js';
import { AuditErrors } from './errors.js';
import { findLeafHashes, findNodeHashes, readLogHead } from './log.repo.js';
import { decodeFrontier, foldSubtreeHashes, frontierRoot } from './merkle/compact-range.js';
import { EMPTY_ROOT } from './merkle/hasher.js';
import { consistencyProofRanges, inclusionPathRanges, perfectSubtrees, subtreeEnd, type LeafRange, type SubtreeRef } from './merkle/ranges.js';

/**
 * Roots and proofs read from stored hashes: a range's hash is the fold of the
 * O(log n) complete subtrees it splits into, so nothing is rehashed from the
 * leaves. Everything below the committed tree size is immutable, so these
 * reads need no lock.
 */

export interface InclusionProof {
  leafIndex: number;
  treeSize: number;
  leafHash: Buffer;
  auditPath: Buffer[];
}

/** Current (committed) number of leaves; 0 for a log that has none. */
export async function readTreeSize(db: Queryable, logId = DEFAULT_LOG_ID): Promise<number> {
  return (await readLogHead(db, logId))?.treeSize ?? 0;
}

/** Hashes of several leaf ranges, with two queries for all of them. */
async function rangeHashes(db: Queryable, logId: string, ranges: LeafRange[]): Promise<Buffer[]> {
  const split = ranges.map((range) => perfectSubtrees(range));
  const refs = split.flat();
  const leaves = await findLeafHashes(db, logId, refs.filter((ref) => ref.level === 0).map((ref) => ref.index));
  const nodes = await findNodeHashes(
    db,
    logId,
    refs.filter((ref) => ref.level > 0).map((ref) => ({ endSeq: subtreeEnd(ref), level: ref.level })),
  );
  const lookup = (ref: SubtreeRef): Buffer => {
    const hash = ref.level === 0 ? leaves.get(ref.index) : nodes.get(`${subtreeEnd(ref)}/${ref.level}`);
    if (!hash) {
      throw new HubError(AuditErrors.STORAGE_INCONSISTENT, `Audit log ${logId} is missing the hash of subtree level ${ref.level} index ${ref.index}; run xietong audit verify`);
    }
    return hash;
  };
  return split.map((refsOfRange) => foldSubtreeHashes(refsOfRange.map(lookup)));
}

function assertTreeSize(treeSize: number, current: number, name: string): void {
  if (treeSize > current) {
    throw new HubError(AuditErrors.TREE_SIZE_OUT_OF_RANGE, `${name} ${treeSize} is beyond the current tree size ${current}`, { expression: [name] });
  }
}

/** Merkle Tree Hash of the first `treeSize` leaves. */
export async function readRootAtSize(db: Queryable, treeSize: number, logId = DEFAULT_LOG_ID): Promise<Buffer> {
  const head = await readLogHead(db, logId);
  const current = head?.treeSize ?? 0;
  assertTreeSize(treeSize, current, 'treeSize');
  if (treeSize === 0) return EMPTY_ROOT;
  if (head && treeSize === current) return frontierRoot(decodeFrontier(head.frontier, current));
  const [root] = await rangeHashes(db, logId, [{ start: 0, end: treeSize }]);
  return root;
}

/** Audit path proving leaf `leafIndex` is in the tree of `treeSize` leaves (RFC 9162 §2.1.3.1). */
export async function proveInclusion(db: Queryable, leafIndex: number, treeSize: number, logId = DEFAULT_LOG_ID): Promise<InclusionProof> {
  assertTreeSize(treeSize, await readTreeSize(db, logId), 'treeSize');
  if (leafIndex >= treeSize) {
    throw new HubError(AuditErrors.LEAF_OUT_OF_RANGE, `leaf ${leafIndex} is not in a tree of ${treeSize} leaves (indices start at 0)`, { expression: ['leaf'] });
  }
  const [leafHash] = await rangeHashes(db, logId, [{ start: leafIndex, end: leafIndex + 1 }]);
  const auditPath = await rangeHashes(db, logId, inclusionPathRanges(leafIndex, treeSize));
  return { leafIndex, treeSize, leafHash, auditPath };
}

/** Proof that the tree of `second` leaves extends the tree of `first` leaves (RFC 9162 §2.1.4.1). */
export async function proveConsistency(db: Queryable, first: number, second: number, logId = DEFAULT_LOG_ID): Promise<Buffer[]> {
  if (first > second) {
    throw new HubError(AuditErrors.SIZES_OUT_OF_ORDER, `first (${first}) must not be greater than second (${second})`, { expression: ['first'] });
  }
  assertTreeSize(second, await readTreeSize(db, logId), 'second');
  if (first === 0) {
    throw new HubError(AuditErrors.TREE_SIZE_OUT_OF_RANGE, 'first must be at least 1: every tree extends the empty tree, so there is nothing to prove', { expression: ['first'] });
  }
  if (first === second) return [];
  return rangeHashes(db, logId, consistencyProofRanges(first, second));
}
