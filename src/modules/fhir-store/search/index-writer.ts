import type { Resource } from '@medplum/fhirtypes';
import type { Tx } from '../../../platform/storage/index.js';
import { extractSearchIndex, type ExtractOptions } from './extract.js';
import { deleteIndexRows, replaceIndexRows, type ResourceIndexRows } from './index.repo.js';

export interface IndexWriteOptions extends ExtractOptions {
  /** The resources are new (first version): there are no old rows to delete. */
  fresh?: boolean;
}

/** Resources per statement in bulk loads: keeps each statement's arrays to a few MB. */
const BATCH_SIZE = 500;

/**
 * Replaces every search-index row of `resource` (called inside the write
 * transaction, after the resource row is written). One SQL statement.
 * Pass `options.baseUrl` so absolute references to this hub index as `Type/id`.
 */
export async function writeSearchIndex(tx: Tx, tenantId: string, resource: Resource, options: IndexWriteOptions = {}): Promise<void> {
  if (!resource.id) throw new Error('writeSearchIndex: the resource has no id');
  await replaceIndexRows(tx, tenantId, [{ resourceType: resource.resourceType, id: resource.id, index: extractSearchIndex(resource, options) }], options.fresh);
}

/**
 * Writes the index rows of many resources with one statement per
 * {@link BATCH_SIZE} resources (bulk loads, the demo seeder). Existing rows of
 * those resources are replaced; when a resource appears twice, the last wins.
 */
export async function writeSearchIndexBatch(
  tx: Tx,
  tenantId: string,
  resources: readonly Resource[],
  options: IndexWriteOptions = {},
): Promise<void> {
  const latest = new Map<string, Resource>();
  for (const resource of resources) {
    if (!resource.id) throw new Error('writeSearchIndexBatch: a resource has no id');
    latest.set(`${resource.resourceType}/${resource.id}`, resource);
  }
  let batch: ResourceIndexRows[] = [];
  for (const resource of latest.values()) {
    batch.push({ resourceType: resource.resourceType, id: resource.id!, index: extractSearchIndex(resource, options) });
    if (batch.length >= BATCH_SIZE) {
      await replaceIndexRows(tx, tenantId, batch, options.fresh);
      batch = [];
    }
  }
  await replaceIndexRows(tx, tenantId, batch, options.fresh);
}

/** Removes the search-index rows of a deleted resource. */
export async function deleteSearchIndex(tx: Tx, tenantId: string, resourceType: string, id: string): Promise<void> {
  await deleteIndexRows(tx, tenantId, resourceType, id);
}
