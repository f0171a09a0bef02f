import type { Resource } from '@medplum/fhirtypes';
import { randomUUID } from 'node:crypto';
import type { RequestContext } from '../../platform/context/request-context.js';
import type { Db } from '../../platform/storage/index.js';
import { BatchQueue } from '../../platform/concurrency/batch-queue.js';
import { auditFhirInteractions } from '../audit/index.js';
import { findPatientId } from './compartment.js';
import { insertCreatedVersions } from './resource.repo.js';
import { writeSearchIndexBatch } from './search/index-writer.js';
import { noteCommittedWrites } from './table-statistics.js';
import { assertValidResource } from './validation.js';
import { stampMeta } from './versioning.js';
import { createdInteraction, createInTx, type WriteResult } from './write.service.js';

interface PendingCreate {
  ctx: RequestContext;
  resource: Resource;
  id: string;
}

export interface CreateBatcherOptions {
  /** Most creates written in one transaction; 1 writes each create alone. */
  maxBatch: number;
  /** Group-commit transactions at the database at once. */
  maxInFlight?: number;
}

/**
 * Group commit for plain creates (POST [type] without If-None-Exist).
 * Each body is validated in its own request before it joins a batch, so an
 * invalid resource fails alone with its 400. Creates that arrive while
 * earlier ones are being written go to the database together: one
 * transaction, one statement for resource + history + outbox rows of all of
 * them and one per tenant for their search index, then the commit, which
 * covers them all. Every create still gets its own id, version 1, history,
 * index rows and `fhir.create` event, exactly as on the single path.
 * If the batch transaction fails, nothing of it was written, and its members
 * are retried one by one on the single path, so a resource the database
 * refuses fails alone and the others are created.
 * Conditional creates keep the single path (their search and insert must be
 * one transaction each).
 */
export class CreateBatcher {
  private readonly queue: BatchQueue<PendingCreate, WriteResult>;

  constructor(
    private readonly db: Db,
    options: CreateBatcherOptions,
  ) {
    this.queue = new BatchQueue((items) => this.write(items), { maxBatch: options.maxBatch, maxInFlight: options.maxInFlight ?? 2 });
  }

  /** Validates `body` as a `type` (throws its 400 here), then creates it with the next batch. */
  async create(ctx: RequestContext, body: unknown, type: string): Promise<WriteResult> {
    assertValidResource(body, type);
    return this.queue.submit({ ctx, resource: body, id: randomUUID() });
  }

  private async write(items: PendingCreate[]): Promise<Array<WriteResult | Error>> {
    try {
      return await this.writeTogether(items);
    } catch (err) {
      if (items.length === 1) return [asError(err)];
      // The whole batch rolled back: give each member its own transaction and its own outcome.
      const results: Array<WriteResult | Error> = [];
      for (const item of items) {
        try {
          results.push(await this.db.transaction((tx) => createInTx(tx, item.ctx, item.resource, item.resource.resourceType, { id: item.id })));
        } catch (single) {
          results.push(asError(single));
        }
      }
      return results;
    }
  }

  private async writeTogether(items: PendingCreate[]): Promise<WriteResult[]> {
    const lastUpdated = new Date();
    const stored = items.map((item) => stampMeta(item.resource, item.id, 1, lastUpdated));
    // Index rows are written per tenant (and base URL, which decides what counts as a local reference).
    const groups = new Map<string, { tenantId: string; baseUrl: string; resources: Resource[] }>();
    items.forEach((item, i) => {
      const key = `${item.ctx.tenantId}\n${item.ctx.baseUrl}`;
      const group = groups.get(key) ?? { tenantId: item.ctx.tenantId, baseUrl: item.ctx.baseUrl, resources: [] };
      group.resources.push(stored[i]!);
      groups.set(key, group);
    });
    await this.db.transaction(async (tx) => {
      const versions = items.map((item, i) => ({
        tenantId: item.ctx.tenantId,
        resourceType: stored[i]!.resourceType,
        id: item.id,
        versionId: 1,
        lastUpdated,
        deleted: false,
        method: 'POST' as const,
        patientId: findPatientId(stored[i]!),
        content: stored[i]!,
      }));
      await insertCreatedVersions(tx, versions);
      for (const group of groups.values()) {
        await writeSearchIndexBatch(tx, group.tenantId, group.resources, { baseUrl: group.baseUrl, fresh: true });
      }
      // Each create's AuditEvent commits with it (one statement for the batch).
      await auditFhirInteractions(tx, items.map((item, i) => ({ ctx: item.ctx, interaction: createdInteraction(versions[i]!) })));
    });
    noteCommittedWrites(this.db, items.length);
    return stored.map((resource) => ({ outcome: 'created', resource, resourceType: resource.resourceType, id: resource.id, versionId: 1, lastUpdated }));
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
