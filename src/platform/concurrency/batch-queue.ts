/**
 * Natural batching for hot single-resource operations (group commit of
 * creates, grouped reads by id). Items submitted while `maxInFlight` batches
 * are already at the database wait, and leave together as the next batch, so
 * the number of statements and round trips per request falls as load rises,
 * while an idle server still sends each request on its own without waiting
 * for a timer. On this 2-core machine a round trip costs the hub more CPU
 * (socket writes that also run PostgreSQL's side of loopback TCP) than
 * everything else in a read, so fewer round trips means more requests/s.
 */
export interface BatchQueueOptions {
  /** Largest batch handed to `run`. 1 disables batching (each item alone). */
  maxBatch: number;
  /** Batches that may be at the database at the same time. */
  maxInFlight: number;
}

interface Waiting<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (reason: unknown) => void;
}

/**
 * `run(items)` must return one entry per item, in order: the item's result,
 * or an Error for that item alone. If `run` itself throws, every item of the
 * batch fails with that error.
 */
export type BatchRunner<I, O> = (items: I[]) => Promise<Array<O | Error>>;

export class BatchQueue<I, O> {
  private readonly waiting: Waiting<I, O>[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly run: BatchRunner<I, O>,
    private readonly options: BatchQueueOptions,
  ) {
    if (options.maxBatch < 1 || options.maxInFlight < 1) throw new Error('BatchQueue: maxBatch and maxInFlight must be at least 1');
  }

  /** Queues one item; resolves with its own result, rejects with its own error. */
  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      // Dispatch after the current I/O phase: requests parsed from the same poll of the
      // sockets join one batch, and nothing waits longer than that.
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.pump();
        });
      }
    });
  }

  /** Items queued but not yet sent (for tests and metrics). */
  get pending(): number {
    return this.waiting.length;
  }

  private pump(): void {
    while (this.inFlight < this.options.maxInFlight && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.options.maxBatch);
      this.inFlight++;
      void this.dispatch(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async dispatch(batch: Waiting<I, O>[]): Promise<void> {
    let results: Array<O | Error>;
    try {
      results = await this.run(batch.map((w) => w.item));
      if (results.length !== batch.length) throw new Error(`BatchQueue: runner returned ${results.length} results for ${batch.length} items`);
    } catch (err) {
      for (const w of batch) w.reject(err);
      return;
    }
    batch.forEach((w, i) => {
      const result = results[i];
      if (result instanceof Error) w.reject(result);
      else w.resolve(result as O);
    });
  }
}
