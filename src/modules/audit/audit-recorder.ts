import type { RequestContext } from '../../platform/context/request-context.js';
import { BatchQueue } from '../../platform/concurrency/batch-queue.js';
import type { Db } from '../../platform/storage/index.js';
import { auditFhirInteractions, type FhirInteraction } from './audit-queue.service.js';

export interface AuditRecorderOptions {
  /** false only to measure what auditing reads costs (XIETONG_AUDIT_READS); writes are always audited in their transaction. */
  enabled: boolean;
  /** Most audit rows committed by one statement. */
  maxBatch?: number;
}

/**
 * Audit records of reads (read, vread, history, search, operations that
 * return data), which change nothing and so have no transaction of their own
 * to join. A request's answer waits until its AuditEvent is committed to the
 * queue, so no data leaves unrecorded; concurrent requests share one INSERT
 * (group commit), which keeps the cost per read to a fraction of a round trip.
 */
export class AuditRecorder {
  private readonly queue: BatchQueue<{ ctx: RequestContext; interaction: FhirInteraction }, true>;

  constructor(
    db: Db,
    private readonly options: AuditRecorderOptions,
  ) {
    this.queue = new BatchQueue(
      async (items) => {
        await auditFhirInteractions(db, items, { batch: true });
        return items.map(() => true as const);
      },
      { maxBatch: options.maxBatch ?? 128, maxInFlight: 4 },
    );
  }

  /** Resolves once the AuditEvent of this interaction is committed (queued for the Merkle log). */
  async record(ctx: RequestContext, interaction: FhirInteraction): Promise<void> {
    if (!this.options.enabled) return;
    await this.queue.submit({ ctx, interaction });
  }
}
