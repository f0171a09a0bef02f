import type { Queryable } from '../../platform/storage/index.js';

/** A Patient record held by one institution. */
export interface PatientRecordRef {
  tenantId: string;
  id: string;
}

/** GB 11643 resident identity number (居民身份证号), the identifier the region's institutions share. */
const RESIDENT_ID_SYSTEM = 'urn:oid:2.16.156.10011.1.3';
/** The MPI's outbox consumer (identity's IDENTITY_CONSUMER; not importable here, see below). */
const IDENTITY_CONSUMER = 'identity-index';
/** At most this many of the MPI's pending Patient events are looked through (its backlog is normally a few). */
const PENDING_LIMIT = 1000;

/** CTE `me`: the resident id (and birth date) of Patient $2 of tenant $1; $3 is the resident id system. */
const ME = `me AS (
       SELECT ident->>'value' AS value, content->>'birthDate' AS birth_date
         FROM fhir_resources, jsonb_array_elements(coalesce(content->'identifier', '[]'::jsonb)) ident
        WHERE tenant_id = $1 AND resource_type = 'Patient' AND id = $2 AND NOT deleted AND ident->>'system' = $3
     )`;
/** Patient `r` carries me's resident id. */
const SAME_RESIDENT_ID = `r.content->'identifier' @> jsonb_build_array(jsonb_build_object('system', $3::text, 'value', me.value))`;

function otherRecords(record: PatientRecordRef, rows: ReadonlyArray<{ tenant_id: string; id: string }>): PatientRecordRef[] {
  return rows.filter((row) => row.tenant_id !== record.tenantId || row.id !== record.id).map((row) => ({ tenantId: row.tenant_id, id: row.id }));
}

/**
 * Every Patient record of the same person across the region, the given one
 * first. The one place access asks "who else is this person". The answer is
 * the master patient index's (the same query as identity's
 * `findLinkedRecords`, which access cannot import: identity imports access for
 * authentication, and the import check forbids the cycle). A record the MPI
 * has not indexed yet (its outbox consumer runs after the write) is linked to
 * records carrying the same resident id number, the identifier the MPI also
 * treats as decisive: whether it is the record asked about (a scan of the
 * Patients) or another record of an indexed person (the MPI's pending events).
 */
export async function findLinkedPatientRecords(q: Queryable, record: PatientRecordRef): Promise<PatientRecordRef[]> {
  const indexed = await q.query<{ tenant_id: string; id: string }>(
    `SELECT m.tenant_id, m.patient_id AS id FROM identity_records r JOIN identity_records m ON m.regional_id = r.regional_id
      WHERE r.tenant_id = $1 AND r.patient_id = $2 ORDER BY m.tenant_id, m.patient_id`,
    [record.tenantId, record.id],
  );
  if (indexed.rows.length > 0) {
    // The person's records the MPI has not indexed yet (a registration seconds old) join by resident id too,
    // so that a consent granted meanwhile is not copied to some of the person's records only. They have no
    // index row, so none of them is already among the indexed ones.
    return [record, ...otherRecords(record, indexed.rows), ...(await pendingWithSameResidentId(q, record))];
  }
  const { rows } = await q.query<{ tenant_id: string; id: string }>(
    `WITH ${ME}
     SELECT r.tenant_id, r.id FROM fhir_resources r, me
      WHERE r.resource_type = 'Patient' AND NOT r.deleted AND ${SAME_RESIDENT_ID}
      ORDER BY r.tenant_id, r.id`,
    [record.tenantId, record.id, RESIDENT_ID_SYSTEM],
  );
  return [record, ...otherRecords(record, rows)];
}

/**
 * Patients carrying `record`'s resident id whose create or update the MPI's consumer has not handled yet (after
 * its cursor in the outbox, at most PENDING_LIMIT events) and that have no index row. A different birth date
 * excludes one: a newborn registered on the mother's id is not the mother (the MPI decides the same way).
 * Read from the outbox tail, not from a scan of every Patient: this runs on each access decision about an
 * indexed record.
 */
async function pendingWithSameResidentId(q: Queryable, record: PatientRecordRef): Promise<PatientRecordRef[]> {
  const { rows } = await q.query<{ tenant_id: string; id: string }>(
    `WITH ${ME},
     pending AS (
       SELECT e.tenant_id, e.resource_id FROM outbox_events e
        WHERE (e.tx_id, e.seq) > ((SELECT last_tx FROM outbox_cursors WHERE consumer = $4), (SELECT last_seq FROM outbox_cursors WHERE consumer = $4))
          AND e.resource_type = 'Patient' AND e.resource_id IS NOT NULL
        ORDER BY e.tx_id, e.seq LIMIT ${PENDING_LIMIT}
     )
     SELECT DISTINCT r.tenant_id, r.id FROM pending p
       JOIN fhir_resources r ON r.tenant_id = p.tenant_id AND r.resource_type = 'Patient' AND r.id = p.resource_id, me
      WHERE NOT r.deleted AND ${SAME_RESIDENT_ID}
        AND (r.content->>'birthDate' IS NULL OR me.birth_date IS NULL OR r.content->>'birthDate' = me.birth_date)
        AND NOT EXISTS (SELECT 1 FROM identity_records i WHERE i.tenant_id = r.tenant_id AND i.patient_id = r.id)
      ORDER BY r.tenant_id, r.id`,
    [record.tenantId, record.id, RESIDENT_ID_SYSTEM, IDENTITY_CONSUMER],
  );
  return rows.map((row) => ({ tenantId: row.tenant_id, id: row.id }));
}
