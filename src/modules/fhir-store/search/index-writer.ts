import type { Resource } from '@medplum/fhirtypes';
import type { Tx } from '../../../platform/storage/index.js';

/** Replaces every search-index row of `resource` (called inside the write transaction). */
export async function writeSearchIndex(_tx: Tx, _tenantId: string, _resource: Resource): Promise<void> {
  throw new Error('writeSearchIndex: not implemented yet');
}

/** Removes the search-index rows of a deleted resource. */
export async function deleteSearchIndex(_tx: Tx, _tenantId: string, _resourceType: string, _id: string): Promise<void> {
  throw new Error('deleteSearchIndex: not implemented yet');
}
