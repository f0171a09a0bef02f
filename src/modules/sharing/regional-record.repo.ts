import type { Resource } from '@medplum/fhirtypes';
import type { Queryable } from '../../platform/storage/index.js';

/** The current resources of one Patient compartment held by one institution (the Patient first). */
export async function selectCompartment(q: Queryable, tenantId: string, patientId: string, limit: number): Promise<Resource[]> {
  const { rows } = await q.query<{ content: Resource }>(
    `SELECT content FROM fhir_resources
      WHERE tenant_id = $1 AND patient_id = $2 AND NOT deleted AND content IS NOT NULL
        -- A Consent's provisions would tell which sensitive categories exist: consents are the patient's to show.
        AND resource_type <> 'Consent'
      ORDER BY (resource_type = 'Patient') DESC, last_updated DESC, resource_type, id LIMIT $3`,
    [tenantId, patientId, limit],
  );
  return rows.map((row) => row.content);
}

export async function patientRecordExists(q: Queryable, tenantId: string, patientId: string): Promise<boolean> {
  const { rows } = await q.query(`SELECT 1 FROM fhir_resources WHERE tenant_id = $1 AND resource_type = 'Patient' AND id = $2 AND NOT deleted`, [tenantId, patientId]);
  return rows.length > 0;
}

export async function selectInstitutionNames(q: Queryable, ids: readonly string[]): Promise<Map<string, string>> {
  const { rows } = await q.query<{ id: string; name: string }>('SELECT id, name FROM institutions WHERE id = ANY($1::text[])', [ids]);
  return new Map(rows.map((r) => [r.id, r.name]));
}

/** Every institution of the region, by name. */
export async function listInstitutions(q: Queryable): Promise<Array<{ id: string; name: string; kind: string }>> {
  const { rows } = await q.query<{ id: string; name: string; kind: string }>('SELECT id, name, kind FROM institutions ORDER BY name, id LIMIT 1000');
  return rows;
}
