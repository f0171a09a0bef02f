import type { Db, Queryable } from '../storage/index.js';
import { advanceCursor, anyConsumerBefore, lockCursor, selectNewestCommittedTx, recordFailure, selectEventsAfter, startCursorAtEnd, type OutboxEvent } from './outbox.repo.js';

/** A module that reacts to committed changes (identity links a Patient, subscriptions notify, …). */
export interface OutboxConsumer {
  /** Stable name: the cursor is stored under it. */
  name: string;
  /** Only these event types reach `handle` (all when omitted). */
  eventTypes?: readonly string[];
  /** Only events about these resource types reach `handle` (all when omitted). */
  resourceTypes?: readonly string[];
  /** Events read per transaction (default 100). */
  batchSize?: number;
  /** A new consumer starts at the beginning of the log (default) or only sees events from now on. */
  startAt?: 'beginning' | 'now';
  /**
   * Runs inside a transaction that also advances this consumer's cursor, so
   * its database effects happen exactly once. Throwing rolls both back; the
   * batch is retried with back-off. Effects outside the database (HTTP calls)
   * belong in a queue table of the consumer's own, written here.
   */
  handle(events: OutboxEvent[], tx: Queryable): Promise<void>;
}

export interface DispatcherLogger {
  error(obj: object, msg: string): void;
}

export interface DispatcherOptions {
  /** Poll interval when idle (default 200 ms: a change reaches consumers well within a second). */
  intervalMs?: number;
  /** Longest back-off after repeated failures of one consumer (default 30 s). */
  maxBackoffMs?: number;
  logger?: DispatcherLogger;
}

interface Registered {
  consumer: OutboxConsumer;
  retryAt: number;
  failures: number;
  initialised: boolean;
}

/**
 * Reads the transactional outbox and hands committed events to registered
 * consumers, each at its own cursor (DESIGN.md, "How data flows"). Safe with
 * several hub processes: a consumer's cursor row is locked while it works.
 */
export class OutboxDispatcher {
  private readonly consumers: Registered[] = [];
  private readonly intervalMs: number;
  private readonly maxBackoffMs: number;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private pass: Promise<boolean> = Promise.resolve(false);

  constructor(
    private readonly db: Db,
    private readonly options: DispatcherOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 200;
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
  }

  /** Sets where consumer failures are logged (the app's logger, once it exists). */
  useLogger(logger: DispatcherLogger): void {
    this.options.logger = logger;
  }

  /**
   * Adds a consumer. Registering a name again replaces the earlier consumer
   * (an app rebuilt on the same deps): one cursor, one handler.
   */
  register(consumer: OutboxConsumer): void {
    const entry = { consumer, retryAt: 0, failures: 0, initialised: false };
    const index = this.consumers.findIndex((c) => c.consumer.name === consumer.name);
    if (index >= 0) this.consumers[index] = entry;
    else this.consumers.push(entry);
  }

  /** Starts polling in the background. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  /**
   * Stops polling and waits for the consumer batch in progress; the consumers after it in that pass
   * wait for the next start (their cursors keep their place). A backlog made one pass over every
   * consumer outlast the serve command's 10 s shutdown budget.
   */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.pass.catch(() => undefined);
  }

  /** Asks for a pass soon (after a commit that consumers care about). */
  poke(): void {
    if (this.running) this.schedule(0);
  }

  /**
   * Runs passes until every consumer has handled every event committed before
   * the call (tests, CLI commands). Events of transactions still running
   * elsewhere are waited for, not skipped. A failing consumer makes this throw.
   */
  async drain(timeoutMs = 60_000): Promise<void> {
    const target = await selectNewestCommittedTx(this.db);
    const names = this.consumers.map((c) => c.consumer.name);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const progressed = await this.runExclusive(true);
      if (target === null || !(await anyConsumerBefore(this.db, names, target))) {
        if (!progressed) return;
        continue;
      }
      if (Date.now() > deadline) throw new Error(`Outbox drain: consumers still behind transaction ${target} after ${timeoutMs} ms`);
      if (!progressed) await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.runExclusive(false).then((progressed) => this.schedule(progressed ? 0 : this.intervalMs));
    }, delayMs);
    this.timer.unref?.();
  }

  /** One pass over every consumer, never two passes at once. Resolves true when any consumer handled events. */
  private runExclusive(throwErrors: boolean): Promise<boolean> {
    const next = this.pass.catch(() => false).then(() => this.runPass(throwErrors));
    this.pass = next;
    return next;
  }

  private async runPass(throwErrors: boolean): Promise<boolean> {
    let progressed = false;
    for (const entry of this.consumers) {
      if (!throwErrors && !this.running) break;
      if (!throwErrors && Date.now() < entry.retryAt) continue;
      try {
        if (await this.runConsumer(entry)) progressed = true;
        entry.failures = 0;
        entry.retryAt = 0;
      } catch (err) {
        entry.failures += 1;
        entry.retryAt = Date.now() + Math.min(this.maxBackoffMs, 100 * 2 ** Math.min(entry.failures, 16));
        const message = err instanceof Error ? err.message : String(err);
        await recordFailure(this.db, entry.consumer.name, message).catch(() => undefined);
        this.options.logger?.error({ err, consumer: entry.consumer.name, failures: entry.failures }, 'outbox consumer failed; will retry');
        if (throwErrors) throw err;
      }
    }
    return progressed;
  }

  private async runConsumer(entry: Registered): Promise<boolean> {
    const { consumer } = entry;
    if (!entry.initialised) {
      if (consumer.startAt === 'now') await startCursorAtEnd(this.db, consumer.name);
      entry.initialised = true;
    }
    return this.db.transaction(async (tx) => {
      const cursor = await lockCursor(tx, consumer.name);
      const events = await selectEventsAfter(tx, cursor, consumer.batchSize ?? 100);
      if (events.length === 0) return false;
      const wanted = events.filter(
        (e) =>
          (!consumer.eventTypes || consumer.eventTypes.includes(e.eventType)) &&
          (!consumer.resourceTypes || (e.resourceType !== null && consumer.resourceTypes.includes(e.resourceType))),
      );
      if (wanted.length > 0) await consumer.handle(wanted, tx);
      const last = events[events.length - 1];
      await advanceCursor(tx, consumer.name, { txId: last.txId, seq: last.seq });
      return true;
    });
  }
}
