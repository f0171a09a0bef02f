import type { Resource } from '@medplum/fhirtypes';
import type { Queryable } from '../../../platform/storage/index.js';
import type { IncludeSpec } from './query-parser.js';

/**
 * `_include`: the current resources that `sourceIds` (all of `spec.sourceType`)
 * refer to through `spec.code` (or any reference parameter for '*'). Only local
 * references (`ref` exactly `Type/id`) resolve. Served by
 * search_reference_resource_idx, then the fhir_resources primary key.
 */
export async function selectIncludedTargets(db: Queryable, tenantId: string, spec: IncludeSpec, sourceIds: string[], limit: number): Promise<Resource[]> {
  const { text, params } = buildIncludeSql(tenantId, spec, sourceIds, limit);
  const result = await db.query<{ content: Resource }>(text, params);
  return result.rows.map((row) => row.content);
}

/** The SQL of {@link selectIncludedTargets}, for EXPLAIN in tests. */
export function buildIncludeSql(tenantId: string, spec: IncludeSpec, sourceIds: string[], limit: number): { text: string; params: unknown[] } {
  const params: unknown[] = [tenantId, spec.sourceType, sourceIds, limit];
  let extra = '';
  if (spec.code !== '*') {
    params.push(spec.code);
    extra += ` AND s.code = $${params.length}`;
  }
  if (spec.targetType) {
    params.push(spec.targetType);
    extra += ` AND s.target_type = $${params.length}`;
  }
  const text = `SELECT t.content FROM fhir_resources t
     WHERE t.tenant_id = $1 AND NOT t.deleted AND (t.resource_type, t.id) IN (
       SELECT s.target_type, s.target_id FROM search_reference s
       WHERE s.tenant_id = $1 AND s.resource_type = $2 AND s.resource_id = ANY($3::text[])${extra}
         AND s.ref = s.target_type || '/' || s.target_id)
     ORDER BY t.resource_type, t.id
     LIMIT $4`;
  return { text, params };
}

/**
 * `_revinclude`: the current `spec.sourceType` resources that refer to any of
 * `targetRefs` (`Type/id`) through `spec.code`. Served by
 * search_reference_ref_idx (tenant_id, ref, code).
 */
export async function selectRevIncluded(db: Queryable, tenantId: string, spec: IncludeSpec, targetRefs: string[], limit: number): Promise<Resource[]> {
  const params: unknown[] = [tenantId, spec.sourceType, targetRefs, limit];
  let extra = '';
  if (spec.code !== '*') {
    params.push(spec.code);
    extra = ` AND s.code = $${params.length}`;
  }
  const result = await db.query<{ content: Resource }>(
    `SELECT t.content FROM fhir_resources t
     WHERE t.tenant_id = $1 AND t.resource_type = $2 AND NOT t.deleted AND t.id IN (
       SELECT s.resource_id FROM search_reference s
       WHERE s.tenant_id = $1 AND s.ref = ANY($3::text[]) AND s.resource_type = $2${extra})
     ORDER BY t.id
     LIMIT $4`,
    params,
  );
  return result.rows.map((row) => row.content);
}
