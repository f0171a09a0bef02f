import type { Db } from '../../platform/storage/index.js';
import { DEFAULT_LOG_ID, appendCanonicalEvents } from './append.service.js';
import { detectAnomalies } from './anomaly.service.js';
import { countQueued, lockLogForSequencing, moveToIndex, selectQueueBatch } from './audit-queue.repo.js';

const DEFAULT_BATCH_SIZE = 500;

export interface SequencerOptions {
  logId?: string;
  /** Events appended per transaction. */
  batchSize?: number;
  /** How often the sequencer looks at the queue when idle (default 500 ms). */
  intervalMs?: number;
  /** How soon it looks again after appending something (default 100 ms): small steady batches, not bursts. */
  busyIntervalMs?: number;
  /** Called after each batch (anomaly detection hangs here). */
  onBatch?: (appended: number) => Promise<void> | void;
  onError?: (err: unknown) => void;
  /** How often the background sequencer runs anomaly detection after draining (default 60 s; 0 turns it off). */
  detectEveryMs?: number;
}

/**
 * Appends one batch of queued events to the Merkle log in queue order and
 * moves them into the access index, all in one transaction. Returns how
 * many were appended (0 when the queue is empty).
 */
export async function sequenceAuditBatch(db: Db, options: SequencerOptions = {}): Promise<number> {
  const logId = options.logId ?? DEFAULT_LOG_ID;
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  return db.transaction(async (tx) => {
    // The head row first: a second sequencer waits here instead of appending an interleaved batch.
    await lockLogForSequencing(tx, logId);
    const rows = await selectQueueBatch(tx, batchSize);
    if (rows.length === 0) return 0;
    const leaves = await appendCanonicalEvents(tx, rows.map((row) => ({ tenantId: row.tenantId, json: row.eventJson })), { logId });
    await moveToIndex(tx, logId, rows, leaves.map((leaf) => leaf.seq));
    return rows.length;
  });
}

/** Appends everything queued so far (tests, CLI, shutdown). Returns the number appended. */
export async function drainAuditQueue(db: Db, options: SequencerOptions = {}): Promise<number> {
  return drain(db, options, (appended) => appended > 0);
}

/**
 * Appends batches while `more(appended)` says so. The background sequencer goes on only after a
 * full batch: under a steady stream of reads the queue is never empty, and chasing its tail
 * appended a few events per transaction (52 transactions/s at 2,900 reads/s, each with the
 * fixed cost of the log lock, the leaf and index statements and a commit). Stopping at the
 * first partial batch lets the next tick take everything queued meanwhile in one transaction.
 */
async function drain(db: Db, options: SequencerOptions, more: (appended: number) => boolean): Promise<number> {
  let total = 0;
  for (;;) {
    const appended = await sequenceAuditBatch(db, options);
    total += appended;
    if (appended > 0) await options.onBatch?.(appended);
    if (!more(appended)) return total;
  }
}

export interface AuditSequencer {
  /** Drains now instead of at the next tick. */
  poke(): void;
  /** Stops the timer and drains what is left. */
  stop(): Promise<void>;
  pending(): Promise<number>;
}

/**
 * Starts the background sequencer: looks at the queue every `intervalMs`
 * (default 500 ms) while it is empty and every `busyIntervalMs` (100 ms)
 * after it appended something, or when poked, and runs anomaly detection
 * every `detectEveryMs`. Under a steady stream of reads the short interval
 * keeps each transaction small: one every 500 ms took ~1,500 index rows at
 * once, a burst of database work that showed in the reads' p99. The serve
 * command starts it and stops it on shutdown.
 */
export function startAuditSequencer(db: Db, options: SequencerOptions = {}): AuditSequencer {
  const intervalMs = options.intervalMs ?? 500;
  const busyIntervalMs = Math.min(options.busyIntervalMs ?? 100, intervalMs);
  const detectEveryMs = options.detectEveryMs ?? 60_000;
  let running: Promise<number> | undefined;
  let stopped = false;
  let lastDetection = 0;
  let timer: NodeJS.Timeout | undefined;
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const drainAndDetect = async () => {
    const appended = await drain(db, options, (n) => n >= batchSize);
    if (detectEveryMs > 0 && Date.now() - lastDetection >= detectEveryMs) {
      lastDetection = Date.now();
      await detectAnomalies(db);
    }
    return appended;
  };
  const schedule = (delayMs: number) => {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(() => void run(), delayMs);
    timer.unref?.();
  };
  const run = () => {
    if (running) return running;
    running = drainAndDetect()
      .catch((err) => {
        options.onError?.(err);
        return 0;
      })
      .then((appended) => {
        running = undefined;
        schedule(appended > 0 ? busyIntervalMs : intervalMs);
        return appended;
      });
    return running;
  };
  schedule(intervalMs);
  return {
    poke: () => { if (!stopped) void run(); },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
      await drainAuditQueue(db, options).catch((err) => options.onError?.(err));
    },
    pending: () => countQueued(db),
  };
}
