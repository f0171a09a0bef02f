import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EMPTY_ROOT, hashChildren, hashLeaf } from './hasher.js';
import { MemoryMerkleTree } from './memory-tree.js';
import { verifyConsistency, verifyInclusion } from './verify.js';

// Vectors from transparency-dev/merkle (see fixtures/PROVENANCE.md).
const fixture = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));
const reference = fixture('rfc6962-reference-vectors.json');
const hex = (value: string) => Buffer.from(value, 'hex');
const toHex = (value: Buffer) => value.toString('hex');

function referenceTree(): MemoryMerkleTree {
  const tree = new MemoryMerkleTree();
  for (const leaf of reference.tree.leafInputsHex as string[]) tree.appendData(hex(leaf));
  return tree;
}

describe('RFC 6962 hasher', () => {
  it('hashes the empty tree, the empty leaf, a leaf and a node like the reference', () => {
    expect(toHex(EMPTY_ROOT)).toBe(reference.hasher.emptyTreeRootHex);
    expect(toHex(hashLeaf(Buffer.alloc(0)))).toBe(reference.hasher.emptyLeafHashHex);
    for (const example of reference.hasher.leafHashExamples) {
      expect(toHex(hashLeaf(Buffer.from(example.leafAscii)))).toBe(example.leafHashHex);
    }
    for (const example of reference.hasher.nodeHashExamples) {
      expect(toHex(hashChildren(Buffer.from(example.leftAscii), Buffer.from(example.rightAscii)))).toBe(example.nodeHashHex);
    }
  });
});

describe('MemoryMerkleTree', () => {
  const tree = referenceTree();

  it('reproduces every root hash for sizes 0..8', () => {
    for (const [size, rootHex] of Object.entries(reference.tree.rootHashBySizeHex as Record<string, string>)) {
      expect(toHex(tree.root(Number(size))), `size ${size}`).toBe(rootHex);
    }
  });

  it('stores the node hashes of every level like the reference', () => {
    const levels = reference.tree.nodeHashesByLevelHex as string[][];
    levels.forEach((level, depth) => {
      level.forEach((nodeHex, index) => {
        // A complete subtree at (depth, index) is the root of its leaf range.
        const width = 2 ** depth;
        const sub = new MemoryMerkleTree();
        for (const leaf of (reference.tree.leafInputsHex as string[]).slice(index * width, (index + 1) * width)) sub.appendData(hex(leaf));
        expect(toHex(sub.root())).toBe(nodeHex);
      });
    });
  });

  it('produces the reference inclusion proofs, and they verify', () => {
    for (const c of reference.inclusionProofs.cases) {
      const proof = tree.inclusionProof(c.leafIndex, c.treeSize);
      expect(proof.map(toHex), `leaf ${c.leafIndex} of ${c.treeSize}`).toEqual(c.proofHex);
      const leafHash = hashLeaf(hex(reference.tree.leafInputsHex[c.leafIndex]));
      expect(verifyInclusion({ leafIndex: c.leafIndex, treeSize: c.treeSize, leafHash, proof, root: tree.root(c.treeSize) })).toBe(true);
    }
  });

  it('produces the reference consistency proofs, and they verify', () => {
    for (const c of reference.consistencyProofs.cases) {
      const proof = tree.consistencyProof(c.size1, c.size2);
      expect(proof.map(toHex), `${c.size1} -> ${c.size2}`).toEqual(c.proofHex);
      expect(verifyConsistency({ first: c.size1, second: c.size2, firstRoot: tree.root(c.size1), secondRoot: tree.root(c.size2), proof })).toBe(true);
    }
  });

  it('proves and verifies every (leaf, size) and (first, second) pair of a 70-leaf tree', () => {
    const big = new MemoryMerkleTree();
    for (let i = 0; i < 70; i++) big.appendData(`leaf-${i}`);
    for (let size = 1; size <= 70; size++) {
      const root = big.root(size);
      for (let leaf = 0; leaf < size; leaf++) {
        const proof = big.inclusionProof(leaf, size);
        const leafHash = hashLeaf(`leaf-${leaf}`);
        expect(verifyInclusion({ leafIndex: leaf, treeSize: size, leafHash, proof, root })).toBe(true);
        // The same proof must fail for the neighbouring leaf's hash.
        expect(verifyInclusion({ leafIndex: leaf, treeSize: size, leafHash: hashLeaf(`leaf-${leaf + 1}`), proof, root })).toBe(false);
      }
      for (let first = 1; first <= size; first++) {
        const proof = big.consistencyProof(first, size);
        expect(verifyConsistency({ first, second: size, firstRoot: big.root(first), secondRoot: root, proof }), `${first}->${size}`).toBe(true);
        if (first < size) {
          expect(verifyConsistency({ first, second: size, firstRoot: big.root(first - 1), secondRoot: root, proof })).toBe(false);
        }
      }
    }
  });

  it('refuses proofs for leaves or sizes the tree does not have', () => {
    expect(() => tree.inclusionProof(8, 8)).toThrow(RangeError);
    expect(() => tree.inclusionProof(0, 9)).toThrow(RangeError);
    expect(() => tree.consistencyProof(0, 8)).toThrow(RangeError);
    expect(() => tree.consistencyProof(5, 4)).toThrow(RangeError);
    expect(() => tree.root(9)).toThrow(RangeError);
  });
});

interface InclusionProbe {
  file: string;
  wantErr: boolean;
  leafIndex: number;
  treeSize: number;
  rootHex: string;
  leafHashHex: string;
  proofHex: string[];
}

interface ConsistencyProbe {
  file: string;
  wantErr: boolean;
  size1: number;
  size2: number;
  root1Hex: string;
  root2Hex: string;
  proofHex: string[];
}

describe('verifiers against the transparency-dev probes', () => {
  const inclusion = fixture('inclusion-probes.json').probes as InclusionProbe[];
  const consistency = fixture('consistency-probes.json').probes as ConsistencyProbe[];

  it('has the probes PROVENANCE.md lists', () => {
    expect(inclusion).toHaveLength(98);
    expect(inclusion.filter((p) => !p.wantErr)).toHaveLength(6);
    expect(consistency).toHaveLength(98);
    expect(consistency.filter((p) => !p.wantErr)).toHaveLength(6);
  });

  it.each(inclusion.map((p) => [p.file, p] as const))('inclusion %s', (_file, p) => {
    const ok = verifyInclusion({
      leafIndex: p.leafIndex,
      treeSize: p.treeSize,
      leafHash: hex(p.leafHashHex),
      proof: p.proofHex.map(hex),
      root: hex(p.rootHex),
    });
    expect(ok).toBe(!p.wantErr);
  });

  it.each(consistency.map((p) => [p.file, p] as const))('consistency %s', (_file, p) => {
    const ok = verifyConsistency({
      first: p.size1,
      second: p.size2,
      firstRoot: hex(p.root1Hex),
      secondRoot: hex(p.root2Hex),
      proof: p.proofHex.map(hex),
    });
    expect(ok).toBe(!p.wantErr);
  });
});
