import type { Queryable } from '../../platform/storage/index.js';
import { BatchQueue } from '../../platform/concurrency/batch-queue.js';
import { selectCurrentJsonMany, type CurrentJsonRow } from './resource.repo.js';

interface ReadKey {
  tenantId: string;
  resourceType: string;
  id: string;
}

export interface ReadBatcherOptions {
  /** Most reads answered by one statement; 1 reads each resource alone. */
  maxBatch: number;
  /** Statements at the database at once. */
  maxInFlight?: number;
}

/**
 * Groups concurrent reads by id (GET [type]/[id]) into one indexed
 * statement. Each read still sees every change committed before it arrived:
 * a read waiting for a slot is sent with the next statement, which starts
 * after it. The document comes back as the stored JSON text, which the HTTP
 * layer sends as it is (no parse and re-serialisation in the hub).
 */
export class ReadBatcher {
  private readonly queue: BatchQueue<ReadKey, CurrentJsonRow | undefined>;

  constructor(db: Queryable, options: ReadBatcherOptions) {
    this.queue = new BatchQueue(async (keys) => selectCurrentJsonMany(db, keys), {
      maxBatch: options.maxBatch,
      maxInFlight: options.maxInFlight ?? 2,
    });
  }

  /** The current row of one resource, undefined when it never existed. */
  read(tenantId: string, resourceType: string, id: string): Promise<CurrentJsonRow | undefined> {
    return this.queue.submit({ tenantId, resourceType, id });
  }
}
