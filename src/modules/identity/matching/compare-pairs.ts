import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { CandidatePairs } from './blocking.js';
import type { FieldComparator } from './comparisons.js';
import type { PersonInput, PersonRecord } from './person-record.js';

/**
 * Comparison levels of every candidate pair (pairs × fields, flattened) — the batch matcher's most expensive
 * step: ~15 million pairs for a million records. A large run shares it with a helper thread: both threads take
 * chunks of pairs from one atomic cursor and write levels into shared memory, so the result is the serial
 * loop's whatever the interleaving.
 *
 * Handing a worker a million normalised records would cost the calling thread ~5 s of serialisation and the
 * worker ~8 s more before it could start, so the helper is started at the beginning of the run with the raw
 * inputs and normalises them itself (normalisation is deterministic) while this thread normalises and blocks;
 * the pairs follow in a message once blocking is done. The calling thread never waits on a helper that has not
 * started, has failed or is stuck: whatever the helper has not finished, it compares itself.
 */

/** Runs with fewer records than this stay on one thread (starting a helper costs a second or more). */
export const PARALLEL_MIN_RECORDS = 200_000;
/** Pairs per chunk taken from the shared cursor. */
export const CHUNK_PAIRS = 65_536;

/** Indexes into the shared state: next chunk to take, chunks finished, helper failed (1). */
const NEXT = 0;
const FINISHED = 1;
const FAILED = 2;

/** What both threads work on (`records` is each thread's own copy). */
export interface CompareJob {
  records: readonly PersonRecord[];
  comparatorNames: readonly string[];
  left: Int32Array;
  right: Int32Array;
  /** Shared: levels, pairs × fields. */
  levels: Uint8Array;
  /** Shared: NEXT, FINISHED, FAILED. */
  state: Int32Array;
  /** Shared: one done flag per chunk. */
  chunkDone: Uint8Array;
  chunkPairs: number;
}

/** What the helper receives once blocking is done (null: nothing to do, exit). */
export type HelperMessage = Omit<CompareJob, 'records' | 'state'> | null;

/** Compares the pairs of one chunk into `levels`. */
export function compareChunk(job: Pick<CompareJob, 'records' | 'left' | 'right' | 'levels' | 'chunkPairs'>, comparators: readonly FieldComparator[], chunk: number): void {
  const F = comparators.length;
  const end = Math.min(job.left.length, (chunk + 1) * job.chunkPairs);
  for (let p = chunk * job.chunkPairs; p < end; p++) {
    const a = job.records[job.left[p]];
    const b = job.records[job.right[p]];
    for (let f = 0; f < F; f++) job.levels[p * F + f] = comparators[f].compare(a, b);
  }
}

/** Takes chunks from the shared cursor until none is left (the loop both threads run); returns how many it did. */
export function drainChunks(job: CompareJob, comparators: readonly FieldComparator[]): number {
  const chunks = Math.ceil(job.left.length / job.chunkPairs);
  for (let done = 0; ; done++) {
    const chunk = Atomics.add(job.state, NEXT, 1);
    if (chunk >= chunks) return done;
    compareChunk(job, comparators, chunk);
    Atomics.store(job.chunkDone, chunk, 1);
    Atomics.add(job.state, FINISHED, 1);
    Atomics.notify(job.state, FINISHED);
  }
}

/** Marks a helper's failure so the calling thread redoes what the helper left unfinished. */
export function markFailed(state: Int32Array): void {
  Atomics.store(state, FAILED, 1);
  Atomics.notify(state, FINISHED);
}

/** A helper thread, started with the run's inputs, that joins the comparisons when the pairs are known. */
export interface CompareHelper {
  worker: Worker;
  state: Int32Array;
}

/**
 * Starts a helper for a run over `inputs`, or returns null on a single-core machine or when the worker cannot
 * be created. Built, the helper is plain compare-worker.js; run from source (tsx, vitest) it is a .ts file, and
 * a worker does not inherit the parent's TypeScript loader, so a small bootstrap registers tsx's loader first.
 */
export function startCompareHelper(inputs: readonly PersonInput[]): CompareHelper | null {
  if (availableParallelism() < 2) return null;
  const state = new Int32Array(new SharedArrayBuffer(12));
  const workerData = { inputs, state };
  try {
    let worker: Worker;
    if (!import.meta.url.endsWith('.ts')) worker = new Worker(new URL('./compare-worker.js', import.meta.url), { workerData });
    else {
      const entry = new URL('./compare-worker.ts', import.meta.url).href;
      const boot =
        `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry)}); }).catch(() => {` +
        ` const { state } = require('node:worker_threads').workerData; Atomics.store(state, ${FAILED}, 1); Atomics.notify(state, ${FINISHED}); })`;
      worker = new Worker(boot, { eval: true, workerData });
    }
    // A helper that fails reports it on this thread's event loop, which is busy until the comparisons are
    // done; the shared flags (and the stall timeout) make that harmless.
    worker.on('error', () => undefined);
    return { worker, state };
  } catch {
    return null;
  }
}

/** Lets a helper go without work (a run that turned out too small to share). */
export function stopCompareHelper(helper: CompareHelper | null): void {
  if (!helper) return;
  try {
    helper.worker.postMessage(null satisfies HelperMessage);
  } catch {
    // Already gone.
  }
  void helper.worker.terminate();
}

/** How long the calling thread waits without progress from the helper before comparing its chunks itself. */
const STALL_MS = 60_000;

export interface CompareOptions {
  /** A helper started for this run (startCompareHelper); it is stopped when the comparisons are done. */
  helper?: CompareHelper | null;
  chunkPairs?: number;
  /** Filled in: chunks in all, and how many the helper compared. */
  stats?: { chunks: number; byHelper: number };
}

export function compareAllPairs(records: readonly PersonRecord[], comparators: readonly FieldComparator[], pairs: CandidatePairs, options: CompareOptions = {}): Uint8Array {
  const F = comparators.length;
  const helper = options.helper ?? null;
  const chunkPairs = options.chunkPairs ?? CHUNK_PAIRS;
  const chunks = Math.ceil(pairs.count / chunkPairs);
  const buffer = (bytes: number): ArrayBufferLike => (helper ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
  const job: CompareJob = {
    records,
    comparatorNames: comparators.map((c) => c.name),
    left: pairs.left,
    right: pairs.right,
    levels: new Uint8Array(buffer(pairs.count * F)),
    state: helper ? helper.state : new Int32Array(3),
    chunkDone: new Uint8Array(buffer(chunks)),
    chunkPairs,
  };
  const stats = options.stats ?? { chunks: 0, byHelper: 0 };
  stats.chunks = chunks;
  stats.byHelper = 0;
  if (!helper) {
    drainChunks(job, comparators);
    return job.levels;
  }
  try {
    const { records: _own, state: _shared, ...message } = job;
    helper.worker.postMessage(message satisfies HelperMessage);
  } catch {
    markFailed(job.state);
  }
  let here = drainChunks(job, comparators);
  // Wait for the chunks the helper took; compare them here if it failed or stalls.
  let lastProgress = Date.now();
  let finished = Atomics.load(job.state, FINISHED);
  while (finished < chunks) {
    if (Atomics.load(job.state, FAILED) === 1 || Date.now() - lastProgress > STALL_MS) {
      for (let c = 0; c < chunks; c++) {
        if (Atomics.load(job.chunkDone, c) === 0) {
          compareChunk(job, comparators, c);
          Atomics.store(job.chunkDone, c, 1);
          here++;
        }
      }
      break;
    }
    Atomics.wait(job.state, FINISHED, finished, 1000);
    const now = Atomics.load(job.state, FINISHED);
    if (now !== finished) lastProgress = Date.now();
    finished = now;
  }
  void helper.worker.terminate();
  stats.byHelper = chunks - here;
  return job.levels;
}
