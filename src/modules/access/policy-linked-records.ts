import type { Queryable } from '../../platform/storage/index.js';

/** A Patient record held by one institution. */
export interface PatientRecordRef {
  tenantId: string;
  id: string;
}

/** GB 11643 resident identity number (居民身份证号), the identifier the region's institutions share. */
const RESIDENT_ID_SYSTEM = 'urn:oid:2.16.156.10011.1.3';

/**
 * Every Patient record of the same person across the region, the given one
 * first. The one place access asks "who else is this person". The answer is
 * the master patient index's (the same query as identity's
 * `findLinkedRecords`, which access cannot import: identity imports access for
 * authentication, and the import check forbids the cycle). A record the MPI
 * has not indexed yet (its outbox consumer runs after the write) is linked to
 * records carrying the same resident id number, the identifier the MPI also
 * treats as decisive.
 */
export async function findLinkedPatientRecords(q: Queryable, record: PatientRecordRef): Promise<PatientRecordRef[]> {
  const indexed = await q.query<{ tenant_id: string; patient_id: string }>(
    `SELECT m.tenant_id, m.patient_id FROM identity_records r JOIN identity_records m ON m.regional_id = r.regional_id
      WHERE r.tenant_id = $1 AND r.patient_id = $2 ORDER BY m.tenant_id, m.patient_id`,
    [record.tenantId, record.id],
  );
  if (indexed.rows.length > 0) {
    const others = indexed.rows.filter((row) => row.tenant_id !== record.tenantId || row.patient_id !== record.id);
    return [record, ...others.map((row) => ({ tenantId: row.tenant_id, id: row.patient_id }))];
  }
  const { rows } = await q.query<{ tenant_id: string; id: string }>(
    `WITH me AS (
       SELECT ident->>'value' AS value FROM fhir_resources, jsonb_array_elements(coalesce(content->'identifier', '[]'::jsonb)) ident
        WHERE tenant_id = $1 AND resource_type = 'Patient' AND id = $2 AND NOT deleted AND ident->>'system' = $3
     )
     SELECT r.tenant_id, r.id FROM fhir_resources r, me
      WHERE r.resource_type = 'Patient' AND NOT r.deleted
        AND r.content->'identifier' @> jsonb_build_array(jsonb_build_object('system', $3::text, 'value', me.value))
      ORDER BY r.tenant_id, r.id`,
    [record.tenantId, record.id, RESIDENT_ID_SYSTEM],
  );
  const others = rows.filter((row) => row.tenant_id !== record.tenantId || row.id !== record.id).map((row) => ({ tenantId: row.tenant_id, id: row.id }));
  return [record, ...others];
}
