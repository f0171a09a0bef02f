import type { Resource } from '@medplum/fhirtypes';
import type { Db } from '../../../platform/storage/index.js';
import { writeSearchIndexBatch } from './index-writer.js';
import { getResourceSearchParams } from './search-params.js';

export interface ReindexOptions {
  /** Only this institution's resources (default: every tenant). */
  tenantId?: string;
  /** Only this resource type. */
  resourceType?: string;
  /** Resources read and re-indexed per transaction (default 500). */
  batchSize?: number;
  /** The hub's base URL, so absolute references to it index as `Type/id`. */
  baseUrl?: string;
  onProgress?: (done: number, total: number) => void;
}

export interface ReindexResult {
  resources: number;
  /** Index rows removed because their resource no longer exists or is deleted. */
  orphanRows: number;
}

const TABLES = ['search_string', 'search_token', 'search_reference', 'search_date', 'search_number', 'search_quantity', 'search_uri'] as const;

/**
 * Rebuilds the search index from the stored resources (after the search
 * parameter definitions or the extraction changed): every current resource's
 * rows are replaced, one transaction per batch, walking the primary key
 * (keyset paging, so the hub can keep writing meanwhile; a resource written
 * during the run is indexed by its own write). Then index rows whose resource
 * is gone or deleted are removed.
 */
export async function reindexResources(db: Db, options: ReindexOptions = {}): Promise<ReindexResult> {
  if (options.resourceType && !getResourceSearchParams(options.resourceType)) throw new Error(`Unknown resource type '${options.resourceType}'`);
  const batchSize = Math.max(1, options.batchSize ?? 500);
  const filter: string[] = ['NOT deleted'];
  const params: unknown[] = [];
  if (options.tenantId) filter.push(`tenant_id = $${params.push(options.tenantId)}`);
  if (options.resourceType) filter.push(`resource_type = $${params.push(options.resourceType)}`);
  const where = filter.join(' AND ');
  const total = Number((await db.query<{ n: number }>(`SELECT count(*)::int8 AS n FROM fhir_resources WHERE ${where}`, params)).rows[0]?.n ?? 0);
  let done = 0;
  let after: [string, string, string] = ['', '', ''];
  options.onProgress?.(0, total);
  for (;;) {
    const rows = (await db.query<{ tenant_id: string; resource_type: string; id: string; content: Resource }>(
      `SELECT tenant_id, resource_type, id, content FROM fhir_resources
       WHERE ${where} AND (tenant_id, resource_type, id) > ($${params.length + 1}, $${params.length + 2}, $${params.length + 3})
       ORDER BY tenant_id, resource_type, id LIMIT $${params.length + 4}`,
      [...params, ...after, batchSize],
    )).rows;
    if (rows.length === 0) break;
    await db.transaction(async (tx) => {
      const byTenant = new Map<string, Resource[]>();
      for (const row of rows) byTenant.set(row.tenant_id, [...(byTenant.get(row.tenant_id) ?? []), row.content]);
      for (const [tenantId, resources] of byTenant) await writeSearchIndexBatch(tx, tenantId, resources, { baseUrl: options.baseUrl });
    });
    const last = rows[rows.length - 1]!;
    after = [last.tenant_id, last.resource_type, last.id];
    done += rows.length;
    options.onProgress?.(done, Math.max(total, done));
  }
  return { resources: done, orphanRows: await deleteOrphanRows(db, options) };
}

/** Removes index rows of resources that no longer exist or are deleted (a crash between writes cannot leave them, a manual edit can). */
async function deleteOrphanRows(db: Db, options: ReindexOptions): Promise<number> {
  const filter: string[] = [];
  const params: unknown[] = [];
  if (options.tenantId) filter.push(`s.tenant_id = $${params.push(options.tenantId)}`);
  if (options.resourceType) filter.push(`s.resource_type = $${params.push(options.resourceType)}`);
  let removed = 0;
  for (const table of TABLES) {
    const result = await db.query(
      `DELETE FROM ${table} s WHERE ${filter.length ? `${filter.join(' AND ')} AND ` : ''}NOT EXISTS (
         SELECT 1 FROM fhir_resources r WHERE r.tenant_id = s.tenant_id AND r.resource_type = s.resource_type AND r.id = s.resource_id AND NOT r.deleted)`,
      params,
    );
    removed += result.rowCount;
  }
  return removed;
}
