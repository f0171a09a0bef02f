import type { KeyObject } from 'node:crypto';
import type { Queryable } from '../../platform/storage/index.js';
import { DEFAULT_LOG_ID } from './append.service.js';
import { decodeLeafHeader } from './leaf.js';
import { readLogHead, scanLeaves, scanNodesEndingIn, type LeafScanRow } from './log.repo.js';
import { appendToFrontierInPlace, decodeFrontier, encodeFrontier, frontierRoot, type Frontier } from './merkle/compact-range.js';
import { EMPTY_ROOT, hashLeaf, hashesEqual } from './merkle/hasher.js';
import { listTreeHeads, type TreeHeadRow } from './tree-head.repo.js';
import { loadAuditPublicKeys, verifyTreeHeadSignature } from './tree-head.service.js';

export type AuditProblemKind =
  | 'leaf-altered'
  | 'leaf-missing'
  | 'leaf-reordered'
  | 'node-mismatch'
  | 'node-missing'
  | 'tree-head-signature'
  | 'tree-head-root'
  | 'tree-head-beyond-log'
  | 'log-head-mismatch';

export interface AuditProblem {
  kind: AuditProblemKind;
  /** The leaf (or the last leaf a subtree / tree head covers) the problem is pinned to. */
  seq?: number;
  message: string;
}

export interface AuditVerifyReport {
  ok: boolean;
  logId: string;
  /** Tree size recorded in the log head when verification started. */
  treeSize: number;
  leavesChecked: number;
  nodesChecked: number;
  treeHeadsChecked: number;
  problemCount: number;
  /** The first problems in leaf order (at most `maxProblems`); problems[0] is the earliest. */
  problems: AuditProblem[];
  durationMs: number;
}

export interface VerifyOptions {
  logId?: string;
  batchSize?: number;
  maxProblems?: number;
}

/** Mutable state of one verification pass over the leaves. */
class VerifyRun {
  frontier: Frontier = [];
  /** Leaves folded into `frontier`; stops growing at the first missing leaf (the tree cannot be rebuilt past it). */
  treeSize = 0;
  treeIntact = true;
  nextSeq = 0;
  nodesChecked = 0;
  treeHeadsChecked = 0;
  problemCount = 0;
  readonly problems: AuditProblem[] = [];
  private headIndex = 0;

  constructor(
    readonly logId: string,
    private readonly heads: TreeHeadRow[],
    private readonly maxProblems: number,
  ) {}

  report(problem: AuditProblem): void {
    this.problemCount++;
    if (this.problems.length < this.maxProblems) this.problems.push(problem);
  }

  /** Checks every signed head whose size equals the tree rebuilt so far. */
  checkHeadsAtCurrentSize(): void {
    while (this.headIndex < this.heads.length && this.heads[this.headIndex].treeSize <= this.treeSize) {
      const head = this.heads[this.headIndex++];
      if (head.treeSize < this.treeSize) continue; // passed while the tree could not be rebuilt
      this.treeHeadsChecked++;
      const root = this.treeSize === 0 ? EMPTY_ROOT : frontierRoot(this.frontier);
      if (!hashesEqual(root, head.rootHash)) {
        this.report({
          kind: 'tree-head-root',
          seq: head.treeSize - 1,
          message: `signed tree head of size ${head.treeSize} (signed ${new Date(head.timestampMs).toISOString()}) does not match the root rebuilt from the leaves: a leaf below ${head.treeSize} changed`,
        });
      }
    }
  }

  /** Folds one leaf into the rebuilt tree and compares the subtrees it completes with the stored ones (key endSeq * 64 + level, hex). */
  addLeaf(leafHash: Buffer, storedNodes: Map<number, string>): void {
    const seq = this.treeSize;
    appendToFrontierInPlace(this.frontier, seq, leafHash, (level, _index, hash) => {
      this.nodesChecked++;
      const stored = storedNodes.get(seq * 64 + level);
      const first = seq - 2 ** level + 1;
      if (stored === undefined) this.report({ kind: 'node-missing', seq, message: `stored hash of leaves ${first}..${seq} (level ${level}) is missing` });
      else if (stored !== hash.toString('hex')) {
        this.report({ kind: 'node-mismatch', seq, message: `stored hash of leaves ${first}..${seq} (level ${level}) differs from the hash rebuilt from the leaves` });
      }
    });
    this.treeSize++;
    if (this.headIndex < this.heads.length && this.heads[this.headIndex].treeSize <= this.treeSize) this.checkHeadsAtCurrentSize();
  }
}

function checkSignatures(run: VerifyRun, heads: TreeHeadRow[], keys: Map<string, KeyObject>): void {
  for (const head of heads) {
    const key = keys.get(head.keyId);
    if (!key || !verifyTreeHeadSignature(head, key)) {
      run.report({
        kind: 'tree-head-signature',
        seq: head.treeSize > 0 ? head.treeSize - 1 : undefined,
        message: key
          ? `signature of the tree head of size ${head.treeSize} (signed ${new Date(head.timestampMs).toISOString()}) does not verify: the head was altered`
          : `tree head of size ${head.treeSize} names key ${head.keyId}, which is not an audit key`,
      });
    }
  }
}

/** Checks one stored leaf row against its own bytes and its position. Returns the leaf hash to build the tree with. */
function checkLeaf(run: VerifyRun, row: LeafScanRow): Buffer {
  const seq = Number(row.seq);
  const computed = hashLeaf(row.leaf_data);
  const header = decodeLeafHeader(row.leaf_data);
  if (header && header.seq !== seq) {
    run.report({ kind: 'leaf-reordered', seq, message: `leaf ${seq} holds the event appended as leaf ${header.seq}: leaves were reordered` });
  } else if (computed.toString('hex') !== row.leaf_hash_hex) {
    run.report({ kind: 'leaf-altered', seq, message: `leaf ${seq}: the stored event no longer matches its leaf hash: the event was altered` });
  } else if (!header || header.logId !== run.logId || header.tenantId !== row.tenant_id) {
    run.report({ kind: 'leaf-altered', seq, message: `leaf ${seq}: log or tenant in the row differs from the hashed leaf (${header ? `${header.logId}/${header.tenantId}` : 'no header'})` });
  }
  // The tree is rebuilt from the bytes as stored now, so a changed event shows in every signed head above it.
  return computed;
}

/**
 * Verifies a whole audit log from scratch: recomputes every leaf hash from
 * the stored bytes, checks each leaf sits where it was appended, rebuilds the
 * Merkle tree and compares every stored subtree hash, the log head and the
 * root at every signed tree head, and checks every head's signature. Leaves
 * stream in batches, so memory stays flat whatever the log size.
 */
export async function verifyAuditLog(db: Queryable, options: VerifyOptions = {}): Promise<AuditVerifyReport> {
  const started = performance.now();
  const logId = options.logId ?? DEFAULT_LOG_ID;
  const batchSize = options.batchSize ?? 5000;
  // Heads first, then the log head: a head signed meanwhile is then never beyond the size we read.
  const heads = await listTreeHeads(db, logId);
  const keys = await loadAuditPublicKeys(db);
  const logHead = await readLogHead(db, logId);
  const treeSize = logHead?.treeSize ?? 0;
  const run = new VerifyRun(logId, heads, options.maxProblems ?? 20);
  checkSignatures(run, heads, keys);
  run.checkHeadsAtCurrentSize();

  let leavesChecked = 0;
  // Fixed seq ranges, so the leaves and the subtrees ending among them are two independent
  // queries, and the next range is fetched while this one is hashed (a second connection on
  // PostgreSQL; PGlite simply queues them).
  const fetchRange = (from: number) => {
    const before = Math.min(from + batchSize, treeSize);
    return Promise.all([scanLeaves(db, logId, from, before), scanNodesEndingIn(db, logId, from, before)]);
  };
  let pending = treeSize > 0 ? fetchRange(0) : undefined;
  for (let from = 0; pending; from += batchSize) {
    const [rows, storedNodes] = await pending;
    pending = from + batchSize < treeSize ? fetchRange(from + batchSize) : undefined;
    for (const row of rows) {
      const seq = Number(row.seq);
      if (seq > run.nextSeq) {
        run.report({ kind: 'leaf-missing', seq: run.nextSeq, message: `leaf ${run.nextSeq}${seq - 1 > run.nextSeq ? `..${seq - 1}` : ''} missing: leaves were removed` });
        run.treeIntact = false;
      }
      run.nextSeq = seq + 1;
      leavesChecked++;
      const leafHash = checkLeaf(run, row);
      if (run.treeIntact) run.addLeaf(leafHash, storedNodes);
    }
  }
  finish(run, heads, treeSize, logHead?.frontier);
  return {
    ok: run.problemCount === 0,
    logId,
    treeSize,
    leavesChecked,
    nodesChecked: run.nodesChecked,
    treeHeadsChecked: run.treeHeadsChecked,
    problemCount: run.problemCount,
    problems: run.problems,
    durationMs: Math.round(performance.now() - started),
  };
}

function finish(run: VerifyRun, heads: TreeHeadRow[], treeSize: number, storedFrontier: Buffer | undefined): void {
  if (run.nextSeq < treeSize) {
    run.report({ kind: 'leaf-missing', seq: run.nextSeq, message: `leaves ${run.nextSeq}..${treeSize - 1} missing: the log head records ${treeSize} leaves` });
    run.treeIntact = false;
  }
  for (const head of heads) {
    if (head.treeSize > treeSize) {
      run.report({
        kind: 'tree-head-beyond-log',
        seq: treeSize,
        message: `a tree head of size ${head.treeSize} was signed but the log holds ${treeSize} leaves: leaves were removed from the end`,
      });
      break;
    }
  }
  if (run.treeIntact && storedFrontier) {
    let frontierOk = false;
    try {
      frontierOk = hashesEqual(encodeFrontier(decodeFrontier(storedFrontier, treeSize)), encodeFrontier(run.frontier));
    } catch {
      frontierOk = false;
    }
    if (!frontierOk) run.report({ kind: 'log-head-mismatch', seq: treeSize, message: 'the stored log head (frontier) differs from the tree rebuilt from the leaves' });
  }
}
