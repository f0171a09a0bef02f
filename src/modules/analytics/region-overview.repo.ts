import type { Queryable } from '../../platform/storage/index.js';

export interface InstitutionRow {
  id: string;
  name: string;
  kind: string;
}

export interface ResourceCountRow {
  tenant_id: string;
  resource_type: string;
  count: number;
  last_updated: Date | null;
}

export interface ActivityRow {
  day: string;
  creates: number;
  updates: number;
  deletes: number;
}

/** Every institution of the region, largest level of care first, then by name. */
export async function listInstitutions(db: Queryable): Promise<InstitutionRow[]> {
  const { rows } = await db.query<InstitutionRow>(
    `SELECT id, name, kind FROM institutions
      ORDER BY CASE kind WHEN 'tertiary-hospital' THEN 0 WHEN 'district-hospital' THEN 1
                         WHEN 'community-health-centre' THEN 2 ELSE 3 END, name, id`,
  );
  return rows;
}

/** Live (not deleted) resources per institution and type: counts only, never content. */
export async function countResourcesByTenantAndType(db: Queryable): Promise<ResourceCountRow[]> {
  const { rows } = await db.query<ResourceCountRow>(
    `SELECT tenant_id, resource_type, count(*)::int AS count, max(last_updated) AS last_updated
       FROM fhir_resources
      WHERE NOT deleted
      GROUP BY tenant_id, resource_type`,
  );
  return rows;
}

/**
 * Changes per UTC day since `since`, from the version history: version 1 is a
 * create, a deleted version a delete, anything else an update.
 */
export async function countChangesPerDay(db: Queryable, since: Date): Promise<ActivityRow[]> {
  const { rows } = await db.query<ActivityRow>(
    `SELECT to_char(last_updated AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
            count(*) FILTER (WHERE version_id = 1 AND NOT deleted)::int AS creates,
            count(*) FILTER (WHERE version_id > 1 AND NOT deleted)::int AS updates,
            count(*) FILTER (WHERE deleted)::int AS deletes
       FROM fhir_resource_history
      WHERE last_updated >= $1
      GROUP BY 1
      ORDER BY 1`,
    [since],
  );
  return rows;
}
