import type { Queryable } from '../../platform/storage/index.js';
import type { PatientRecordRef } from './policy-linked-records.js';

export interface CareRelationshipRow {
  tenantId: string;
  patient: PatientRecordRef;
  source: string;
  sourceRef: string;
  until: Date | null;
}

/** Inserts or extends a relationship (same source twice keeps one row, the later end wins). */
export async function upsertCareRelationship(q: Queryable, row: CareRelationshipRow): Promise<void> {
  await q.query(
    `INSERT INTO care_relationships (tenant_id, patient_tenant_id, patient_id, source, source_ref, until)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (tenant_id, patient_tenant_id, patient_id, source, source_ref)
     DO UPDATE SET until = CASE WHEN care_relationships.until IS NULL OR EXCLUDED.until IS NULL THEN NULL
                                ELSE greatest(care_relationships.until, EXCLUDED.until) END`,
    [row.tenantId, row.patient.tenantId, row.patient.id, row.source, row.sourceRef, row.until],
  );
}

/**
 * Whether `tenantId` cares for any of the records: a recorded relationship
 * still running, or one of its own Encounter / EpisodeOfCare / Appointment
 * resources about its own record of the person.
 */
export async function selectCareRelationship(q: Queryable, tenantId: string, records: readonly PatientRecordRef[], now: Date): Promise<string | undefined> {
  const own = records.filter((r) => r.tenantId === tenantId).map((r) => r.id);
  const { rows } = await q.query<{ source: string }>(
    `SELECT source FROM care_relationships c
      WHERE c.tenant_id = $1 AND (c.until IS NULL OR c.until > $4)
        AND EXISTS (SELECT 1 FROM unnest($2::text[], $3::text[]) AS r(t, p) WHERE r.t = c.patient_tenant_id AND r.p = c.patient_id)
     UNION ALL
     SELECT lower(resource_type) FROM fhir_resources
      WHERE tenant_id = $1 AND resource_type IN ('Encounter', 'EpisodeOfCare') AND patient_id = ANY($5::text[]) AND NOT deleted
     UNION ALL
     SELECT 'appointment' FROM fhir_resources a, unnest($5::text[]) AS me(id)
      WHERE a.tenant_id = $1 AND a.resource_type = 'Appointment' AND NOT a.deleted
        AND a.content->'participant' @> jsonb_build_array(jsonb_build_object('actor', jsonb_build_object('reference', 'Patient/' || me.id)))
     LIMIT 1`,
    [tenantId, records.map((r) => r.tenantId), records.map((r) => r.id), now, own],
  );
  return rows[0]?.source;
}
