import { EMPTY_ROOT, HASH_SIZE, hashChildren } from './hasher.js';

/**
 * The right edge of a tree of `size` leaves: the roots of its complete
 * subtrees, largest (leftmost) first, one per set bit of `size`. It is all an
 * appender needs to add a leaf and all a reader needs for the current root,
 * so the log keeps it in one row instead of rehashing anything.
 */
export type Frontier = Buffer[];

/** A subtree completed by an append, to be stored. */
export interface CompletedNode {
  level: number;
  index: number;
  hash: Buffer;
}

/** Number of set bits of a safe integer: the frontier length for that size. */
export function frontierLength(size: number): number {
  let count = 0;
  for (let n = size; n > 0; n = Math.floor(n / 2)) count += n % 2;
  return count;
}

/**
 * Appends leaf number `size` (0-based) to a frontier; returns the new
 * frontier and the subtrees (level >= 1) this leaf completed, lowest first.
 */
export function appendToFrontier(frontier: Frontier, size: number, leafHash: Buffer): { frontier: Frontier; completed: CompletedNode[] } {
  const next = frontier.slice();
  const completed: CompletedNode[] = [];
  appendToFrontierInPlace(next, size, leafHash, (level, index, hash) => completed.push({ level, index, hash }));
  return { frontier: next, completed };
}

/** appendToFrontier without copies, for the verifier's hot loop: mutates `frontier`, reports completed subtrees. */
export function appendToFrontierInPlace(
  frontier: Frontier,
  size: number,
  leafHash: Buffer,
  onCompleted: (level: number, index: number, hash: Buffer) => void,
): void {
  let carry = leafHash;
  let level = 0;
  // Each trailing one bit of `size` is a complete subtree of that level waiting for a right sibling.
  for (let n = size; n % 2 === 1; n = (n - 1) / 2) {
    const left = frontier.pop();
    if (!left) throw new Error(`frontier too short for size ${size}`);
    carry = hashChildren(left, carry);
    level++;
    onCompleted(level, Math.floor(size / 2 ** level), carry);
  }
  frontier.push(carry);
}

/** Merkle Tree Hash of a left-aligned range from its complete subtrees, largest first. */
export function foldSubtreeHashes(hashes: readonly Buffer[]): Buffer {
  if (hashes.length === 0) return EMPTY_ROOT;
  let root = hashes[hashes.length - 1];
  for (let i = hashes.length - 2; i >= 0; i--) root = hashChildren(hashes[i], root);
  return root;
}

/** The root hash of the tree a frontier describes. */
export function frontierRoot(frontier: Frontier): Buffer {
  return foldSubtreeHashes(frontier);
}

/** Packs a frontier into one byte string (storage). */
export function encodeFrontier(frontier: Frontier): Buffer {
  return Buffer.concat(frontier);
}

/** Unpacks a stored frontier, checking it fits the tree size. */
export function decodeFrontier(bytes: Uint8Array, size: number): Frontier {
  const expected = frontierLength(size) * HASH_SIZE;
  if (bytes.length !== expected) throw new Error(`stored frontier has ${bytes.length} bytes; size ${size} needs ${expected}`);
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const out: Frontier = [];
  for (let offset = 0; offset < buffer.length; offset += HASH_SIZE) out.push(buffer.subarray(offset, offset + HASH_SIZE));
  return out;
}
