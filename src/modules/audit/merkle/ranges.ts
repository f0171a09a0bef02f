/**
 * Index arithmetic shared by the in-memory tree and the database-backed log:
 * which leaf ranges make up an audit path or a consistency proof, and which
 * complete aligned subtrees ("perfect subtrees") make up a leaf range.
 *
 * All sizes are plain numbers: safe up to 2^53 leaves, far beyond any log we
 * keep. Bitwise operators are avoided because they truncate to 32 bits.
 */

/** A complete subtree of 2^level leaves: leaves [index * 2^level, (index + 1) * 2^level). */
export interface SubtreeRef {
  level: number;
  index: number;
}

/** Leaves [start, end). */
export interface LeafRange {
  start: number;
  end: number;
}

/** True for a non-negative safe integer. */
export function isTreeIndex(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Largest power of two strictly less than n (n >= 2): the split point k of RFC 9162 §2.1.1. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** Number of leaves in a subtree of the given level. */
export function subtreeWidth(level: number): number {
  return 2 ** level;
}

/** The last leaf index a subtree covers; completing that leaf completes the subtree. */
export function subtreeEnd(ref: SubtreeRef): number {
  return (ref.index + 1) * subtreeWidth(ref.level) - 1;
}

/**
 * Splits a left-aligned range (start is a multiple of a power of two at least
 * end - start, which holds for every range the RFC proof recursions produce)
 * into its complete subtrees, largest first. Its Merkle Tree Hash is those
 * subtrees' hashes folded from the right (see foldSubtreeHashes).
 */
export function perfectSubtrees(range: LeafRange): SubtreeRef[] {
  const out: SubtreeRef[] = [];
  let position = range.start;
  let remaining = range.end - range.start;
  while (remaining > 0) {
    let level = 0;
    while (subtreeWidth(level + 1) <= remaining) level++;
    const width = subtreeWidth(level);
    if (position % width !== 0) throw new Error(`leaf range [${range.start}, ${range.end}) is not left-aligned`);
    out.push({ level, index: position / width });
    position += width;
    remaining -= width;
  }
  return out;
}

/**
 * The ranges whose hashes form the audit path of leaf `index` in a tree of
 * `size` leaves, leaf-side first (RFC 9162 §2.1.3.1, PATH(m, D[n])).
 */
export function inclusionPathRanges(index: number, size: number): LeafRange[] {
  if (!isTreeIndex(index) || !isTreeIndex(size) || index >= size) throw new RangeError(`no leaf ${index} in a tree of ${size}`);
  const siblings: LeafRange[] = [];
  let start = 0;
  let end = size;
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (index < start + k) {
      siblings.push({ start: start + k, end });
      end = start + k;
    } else {
      siblings.push({ start, end: start + k });
      start += k;
    }
  }
  return siblings.reverse();
}

/**
 * The ranges whose hashes form the consistency proof between tree sizes
 * `first` and `second` (0 < first <= second), in proof order
 * (RFC 9162 §2.1.4.1, SUBPROOF(m, D[n], true)).
 */
export function consistencyProofRanges(first: number, second: number): LeafRange[] {
  if (!isTreeIndex(first) || !isTreeIndex(second) || first === 0 || first > second) {
    throw new RangeError(`no consistency proof from size ${first} to ${second}`);
  }
  const parts: LeafRange[] = [];
  let start = 0;
  let end = second;
  let m = first;
  let isOriginalTree = true;
  for (;;) {
    const width = end - start;
    if (m === width) {
      if (!isOriginalTree) parts.push({ start, end });
      break;
    }
    const k = splitPoint(width);
    if (m <= k) {
      parts.push({ start: start + k, end });
      end = start + k;
    } else {
      parts.push({ start, end: start + k });
      start += k;
      m -= k;
      isOriginalTree = false;
    }
  }
  return parts.reverse();
}
