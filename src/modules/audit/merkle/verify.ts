import { HASH_SIZE, hashChildren, hashesEqual } from './hasher.js';
import { isTreeIndex } from './ranges.js';

/**
 * Proof verification exactly as RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2
 * (consistency) describe it, with the preconditions the reference
 * implementation (transparency-dev/merkle, proof/verify.go) adds: indices are
 * integers, hashes that get hashed are 32 bytes, and a consistency proof from
 * the empty tree is rejected (every tree extends it, so it proves nothing).
 *
 * https://www.rfc-editor.org/rfc/rfc9162#section-2.1.3.2
 * https://www.rfc-editor.org/rfc/rfc9162#section-2.1.4.2
 */

export interface InclusionCheck {
  leafIndex: number;
  treeSize: number;
  leafHash: Uint8Array;
  proof: readonly Uint8Array[];
  root: Uint8Array;
}

export interface ConsistencyCheck {
  first: number;
  second: number;
  firstRoot: Uint8Array;
  secondRoot: Uint8Array;
  proof: readonly Uint8Array[];
}

function allHashSized(hashes: readonly Uint8Array[]): boolean {
  return hashes.every((hash) => hash.length === HASH_SIZE);
}

/** Right-shifts fn and sn together until fn is odd or zero (RFC 9162 step 4.b.ii). */
function shiftUntilOddOrZero(fn: number, sn: number): [number, number] {
  while (fn % 2 === 0 && fn !== 0) {
    fn /= 2;
    sn = Math.floor(sn / 2);
  }
  return [fn, sn];
}

/** The root an inclusion proof implies, or undefined when the proof cannot be valid for these indices. */
export function rootFromInclusionProof(leafIndex: number, treeSize: number, leafHash: Uint8Array, proof: readonly Uint8Array[]): Buffer | undefined {
  if (!isTreeIndex(leafIndex) || !isTreeIndex(treeSize) || leafIndex >= treeSize) return undefined;
  if (leafHash.length !== HASH_SIZE || !allHashSized(proof)) return undefined;
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r: Buffer = Buffer.from(leafHash);
  for (const p of proof) {
    if (sn === 0) return undefined;
    if (fn % 2 === 1 || fn === sn) {
      r = hashChildren(p, r);
      if (fn % 2 === 0) [fn, sn] = shiftUntilOddOrZero(fn, sn);
    } else {
      r = hashChildren(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : undefined;
}

/** True when `proof` shows the leaf with `leafHash` at `leafIndex` is in the tree of `treeSize` with `root`. */
export function verifyInclusion(check: InclusionCheck): boolean {
  const computed = rootFromInclusionProof(check.leafIndex, check.treeSize, check.leafHash, check.proof);
  return computed !== undefined && hashesEqual(computed, check.root);
}

/** True when `proof` shows the tree of size `second` extends the tree of size `first` (append-only). */
export function verifyConsistency(check: ConsistencyCheck): boolean {
  const { first, second, firstRoot, secondRoot } = check;
  if (!isTreeIndex(first) || !isTreeIndex(second) || first > second) return false;
  if (first === 0) return false;
  // Same tree: nothing to prove, the roots must simply be the same bytes (RFC 9162 §2.1.4.2 covers first < second).
  if (first === second) return check.proof.length === 0 && hashesEqual(firstRoot, secondRoot);
  if (check.proof.length === 0) return false;
  if (firstRoot.length !== HASH_SIZE || secondRoot.length !== HASH_SIZE || !allHashSized(check.proof)) return false;

  // Step 2: when first is a power of two its root is the first hash of the proof, implied.
  const path = isPowerOfTwo(first) ? [firstRoot, ...check.proof] : [...check.proof];
  let fn = first - 1;
  let sn = second - 1;
  while (fn % 2 === 1) {
    fn = (fn - 1) / 2;
    sn = Math.floor(sn / 2);
  }
  let fr: Buffer = Buffer.from(path[0]);
  let sr: Buffer = Buffer.from(path[0]);
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      if (fn % 2 === 0) [fn, sn] = shiftUntilOddOrZero(fn, sn);
    } else {
      sr = hashChildren(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && hashesEqual(fr, firstRoot) && hashesEqual(sr, secondRoot);
}

function isPowerOfTwo(n: number): boolean {
  let m = n;
  while (m > 1 && m % 2 === 0) m /= 2;
  return m === 1;
}
