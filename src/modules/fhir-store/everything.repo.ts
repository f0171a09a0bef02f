import type { Resource } from '@medplum/fhirtypes';
import type { Queryable } from '../../platform/storage/index.js';

export interface EverythingQuery {
  tenantId: string;
  patientId: string;
  /** Patient-compartment membership: parallel arrays of resource type and reference parameter. */
  compartmentTypes: string[];
  compartmentCodes: string[];
  /** Types pulled in because a member refers to them (Practitioner, Organization...). */
  referencedTypes: string[];
  /** Only these types are returned (`_type`, and what the caller may read). */
  types: string[];
  since?: Date;
  count: number;
  offset: number;
}

/**
 * The set behind Patient/$everything as SQL: the patient (group 0), every
 * resource in its compartment found through the reference index (group 1,
 * search_reference_ref_idx on `Patient/id`), and the resources of
 * `referencedTypes` those refer to (group 2). Ordered patient first, then by
 * type and id, so offset paging is stable.
 */
function everythingSql(q: EverythingQuery): { cte: string; where: string; params: unknown[] } {
  const params: unknown[] = [q.tenantId, q.patientId, `Patient/${q.patientId}`, q.compartmentTypes, q.compartmentCodes, q.referencedTypes, q.types];
  let where = 'NOT r.deleted AND r.resource_type = ANY($7::text[])';
  if (q.since) {
    params.push(q.since.toISOString());
    where += ` AND r.last_updated >= $${params.length}::timestamptz`;
  }
  const cte = `WITH members AS (
      SELECT 0 AS grp, 'Patient'::text AS resource_type, $2::text AS id
      UNION
      SELECT 1, s.resource_type, s.resource_id FROM search_reference s
      JOIN unnest($4::text[], $5::text[]) AS c(type, code) ON c.type = s.resource_type AND c.code = s.code
      WHERE s.tenant_id = $1 AND s.ref = $3
    ), referenced AS (
      SELECT 2 AS grp, s.target_type AS resource_type, s.target_id AS id FROM search_reference s
      JOIN members m ON s.resource_type = m.resource_type AND s.resource_id = m.id
      WHERE s.tenant_id = $1 AND s.target_type = ANY($6::text[]) AND s.ref = s.target_type || '/' || s.target_id
    ), everything AS (
      SELECT min(grp) AS grp, resource_type, id FROM (SELECT * FROM members UNION ALL SELECT * FROM referenced) u GROUP BY resource_type, id
    )`;
  return { cte, where, params };
}

/** One page of the patient's record (`count + 1` rows tell whether a next page exists). */
export async function selectEverythingPage(db: Queryable, q: EverythingQuery): Promise<{ resources: Resource[]; hasMore: boolean }> {
  const { cte, where, params } = everythingSql(q);
  params.push(q.count + 1, q.offset);
  const result = await db.query<{ content: Resource }>(
    `${cte}
    SELECT r.content FROM everything e
    JOIN fhir_resources r ON r.tenant_id = $1 AND r.resource_type = e.resource_type AND r.id = e.id
    WHERE ${where}
    ORDER BY e.grp, r.resource_type, r.id
    LIMIT $${params.length - 1} OFFSET $${params.length}`,
    params,
  );
  const rows = result.rows.map((row) => row.content);
  const hasMore = rows.length > q.count;
  return { resources: hasMore ? rows.slice(0, q.count) : rows, hasMore };
}

/** How many resources the whole $everything set holds (Bundle.total). */
export async function countEverything(db: Queryable, q: EverythingQuery): Promise<number> {
  const { cte, where, params } = everythingSql(q);
  const result = await db.query<{ n: number }>(
    `${cte}
    SELECT count(*)::int8 AS n FROM everything e
    JOIN fhir_resources r ON r.tenant_id = $1 AND r.resource_type = e.resource_type AND r.id = e.id
    WHERE ${where}`,
    params,
  );
  return Number(result.rows[0]?.n ?? 0);
}
