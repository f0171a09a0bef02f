import { appendToFrontier, foldSubtreeHashes, frontierRoot, type Frontier } from './compact-range.js';
import { EMPTY_ROOT, hashLeaf } from './hasher.js';
import { consistencyProofRanges, inclusionPathRanges, isTreeIndex, perfectSubtrees, type LeafRange } from './ranges.js';

/**
 * A whole Merkle tree in memory, built leaf by leaf the same way the database
 * log is (frontier + stored complete subtrees). The reference the log is
 * tested against, and handy for offline verification of exported leaves.
 */
export class MemoryMerkleTree {
  /** levels[0] are leaf hashes; levels[l][i] is the hash of complete subtree (l, i). */
  private readonly levels: Buffer[][] = [[]];
  private frontier: Frontier = [];

  get size(): number {
    return this.levels[0].length;
  }

  /** Appends raw leaf data; returns its leaf hash. */
  appendData(data: Uint8Array | string): Buffer {
    return this.appendLeafHash(hashLeaf(data));
  }

  /** Appends an already-computed leaf hash. */
  appendLeafHash(leafHash: Buffer): Buffer {
    const { frontier, completed } = appendToFrontier(this.frontier, this.size, leafHash);
    this.levels[0].push(leafHash);
    for (const node of completed) {
      (this.levels[node.level] ??= [])[node.index] = node.hash;
    }
    this.frontier = frontier;
    return leafHash;
  }

  /** Merkle Tree Hash of the first `size` leaves (default: all). */
  root(size = this.size): Buffer {
    this.assertSize(size);
    if (size === this.size) return frontierRoot(this.frontier);
    return size === 0 ? EMPTY_ROOT : this.rangeHash({ start: 0, end: size });
  }

  /** Audit path for leaf `index` in the tree of `size` leaves. */
  inclusionProof(index: number, size = this.size): Buffer[] {
    this.assertSize(size);
    return inclusionPathRanges(index, size).map((range) => this.rangeHash(range));
  }

  /** Consistency proof from tree size `first` to `second`. */
  consistencyProof(first: number, second = this.size): Buffer[] {
    this.assertSize(second);
    if (first === second) return [];
    return consistencyProofRanges(first, second).map((range) => this.rangeHash(range));
  }

  private rangeHash(range: LeafRange): Buffer {
    return foldSubtreeHashes(perfectSubtrees(range).map((ref) => this.levels[ref.level][ref.index]));
  }

  private assertSize(size: number): void {
    if (!isTreeIndex(size) || size > this.size) throw new RangeError(`tree size ${size} is beyond ${this.size}`);
  }
}
