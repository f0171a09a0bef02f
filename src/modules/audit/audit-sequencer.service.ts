import type { Db } from '../../platform/storage/index.js';
import { DEFAULT_LOG_ID, appendAuditEvents } from './append.service.js';
import { detectAnomalies } from './anomaly.service.js';
import { countQueued, lockLogForSequencing, moveToIndex, selectQueueBatch } from './audit-queue.repo.js';

export interface SequencerOptions {
  logId?: string;
  /** Events appended per transaction. */
  batchSize?: number;
  /** How often the sequencer looks at the queue when idle. */
  intervalMs?: number;
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
  const batchSize = options.batchSize ?? 500;
  return db.transaction(async (tx) => {
    // The head row first: a second sequencer waits here instead of appending an interleaved batch.
    await lockLogForSequencing(tx, logId);
    const rows = await selectQueueBatch(tx, batchSize);
    if (rows.length === 0) return 0;
    const leaves = await appendAuditEvents(tx, rows.map((row) => row.event), { logId });
    await moveToIndex(tx, logId, rows, leaves.map((leaf) => leaf.seq));
    return rows.length;
  });
}

/** Appends everything queued so far (tests, CLI, shutdown). Returns the number appended. */
export async function drainAuditQueue(db: Db, options: SequencerOptions = {}): Promise<number> {
  let total = 0;
  for (;;) {
    const appended = await sequenceAuditBatch(db, options);
    total += appended;
    if (appended === 0) return total;
    await options.onBatch?.(appended);
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
 * Starts the background sequencer: drains the queue every `intervalMs`
 * (default 500 ms) or when poked, and runs anomaly detection every
 * `detectEveryMs`. The serve command starts it and stops it on shutdown.
 */
export function startAuditSequencer(db: Db, options: SequencerOptions = {}): AuditSequencer {
  const intervalMs = options.intervalMs ?? 500;
  const detectEveryMs = options.detectEveryMs ?? 60_000;
  let running: Promise<void> | undefined;
  let stopped = false;
  let lastDetection = 0;
  const drainAndDetect = async () => {
    await drainAuditQueue(db, options);
    if (detectEveryMs > 0 && Date.now() - lastDetection >= detectEveryMs) {
      lastDetection = Date.now();
      await detectAnomalies(db);
    }
  };
  const run = () => {
    if (running) return running;
    running = drainAndDetect()
      .then(() => undefined, (err) => options.onError?.(err))
      .finally(() => { running = undefined; });
    return running;
  };
  const timer = setInterval(() => { if (!stopped) void run(); }, intervalMs);
  timer.unref?.();
  return {
    poke: () => { if (!stopped) void run(); },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
      await drainAuditQueue(db, options).catch((err) => options.onError?.(err));
    },
    pending: () => countQueued(db),
  };
}
