import type { Consent } from '@medplum/fhirtypes';
import type { Queryable } from '../../platform/storage/index.js';
import type { PatientRecordRef } from './policy-linked-records.js';

export interface StoredConsent {
  tenantId: string;
  consent: Consent;
}

/**
 * Current Consent resources about any of the records (each stored in the
 * tenant that holds that record; fhir_resources.patient_id is Consent.patient).
 */
export async function selectConsents(q: Queryable, records: readonly PatientRecordRef[]): Promise<StoredConsent[]> {
  const { rows } = await q.query<{ tenant_id: string; content: Consent }>(
    `SELECT f.tenant_id, f.content FROM fhir_resources f, unnest($1::text[], $2::text[]) AS r(t, p)
      WHERE f.tenant_id = r.t AND f.resource_type = 'Consent' AND f.patient_id = r.p AND NOT f.deleted
      ORDER BY f.last_updated, f.id`,
    [records.map((r) => r.tenantId), records.map((r) => r.id)],
  );
  return rows.map((row) => ({ tenantId: row.tenant_id, consent: row.content }));
}

/** Whether a Patient record exists (not deleted) in a tenant. */
export async function patientExists(q: Queryable, record: PatientRecordRef): Promise<boolean> {
  const { rows } = await q.query(`SELECT 1 FROM fhir_resources WHERE tenant_id = $1 AND resource_type = 'Patient' AND id = $2 AND NOT deleted`, [record.tenantId, record.id]);
  return rows.length > 0;
}

/** Names of institutions by id. */
export async function selectInstitutionNames(q: Queryable, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const { rows } = await q.query<{ id: string; name: string }>('SELECT id, name FROM institutions WHERE id = ANY($1::text[])', [ids]);
  return new Map(rows.map((r) => [r.id, r.name]));
}
