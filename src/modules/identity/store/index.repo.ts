import type { Patient } from '@medplum/fhirtypes';
import type { Queryable } from '../../../platform/storage/index.js';
import type { PersonRecord } from '../matching/person-record.js';
import type { RecordRef } from '../patient-person.js';

/** All SQL of the regional index: records, blocking keys, identifiers, persons. */

export interface IndexedRecord extends RecordRef {
  versionId: number;
  person: PersonRecord;
  regionalId: string;
  replacedBy: RecordRef | null;
}

interface RecordRow {
  tenant_id: string;
  patient_id: string;
  version_id: number;
  person: PersonRecord;
  regional_id: string;
  replaced_by_tenant_id: string | null;
  replaced_by_patient_id: string | null;
}

const RECORD_COLUMNS = 'r.tenant_id, r.patient_id, r.version_id, r.person, r.regional_id, r.replaced_by_tenant_id, r.replaced_by_patient_id';

function toRecord(row: RecordRow): IndexedRecord {
  return {
    tenantId: row.tenant_id,
    patientId: row.patient_id,
    versionId: Number(row.version_id),
    person: row.person,
    regionalId: row.regional_id,
    replacedBy: row.replaced_by_tenant_id && row.replaced_by_patient_id ? { tenantId: row.replaced_by_tenant_id, patientId: row.replaced_by_patient_id } : null,
  };
}

/** The current Patient as stored by fhir-store (null when missing or deleted). */
export async function selectStoredPatient(q: Queryable, ref: RecordRef): Promise<{ versionId: number; patient: Patient } | null> {
  const { rows } = await q.query<{ version_id: number; deleted: boolean; content: Patient | null }>(
    "SELECT version_id, deleted, content FROM fhir_resources WHERE tenant_id = $1 AND resource_type = 'Patient' AND id = $2",
    [ref.tenantId, ref.patientId],
  );
  const row = rows[0];
  if (!row || row.deleted || !row.content) return null;
  return { versionId: Number(row.version_id), patient: row.content };
}

export async function selectRecord(q: Queryable, ref: RecordRef, forUpdate = false): Promise<IndexedRecord | null> {
  const { rows } = await q.query<RecordRow>(
    `SELECT ${RECORD_COLUMNS} FROM identity_records r WHERE r.tenant_id = $1 AND r.patient_id = $2${forUpdate ? ' FOR UPDATE' : ''}`,
    [ref.tenantId, ref.patientId],
  );
  return rows[0] ? toRecord(rows[0]) : null;
}

/** Records by (tenant, patient) pairs. */
export async function selectRecords(q: Queryable, refs: readonly RecordRef[]): Promise<IndexedRecord[]> {
  if (refs.length === 0) return [];
  const { rows } = await q.query<RecordRow>(
    `SELECT ${RECORD_COLUMNS} FROM unnest($1::text[], $2::text[]) AS k(tenant_id, patient_id)
       JOIN identity_records r ON r.tenant_id = k.tenant_id AND r.patient_id = k.patient_id`,
    [refs.map((r) => r.tenantId), refs.map((r) => r.patientId)],
  );
  return rows.map(toRecord);
}

/** Every record of the given persons. */
export async function selectMembers(q: Queryable, regionalIds: readonly string[]): Promise<IndexedRecord[]> {
  if (regionalIds.length === 0) return [];
  const { rows } = await q.query<RecordRow>(
    `SELECT ${RECORD_COLUMNS} FROM identity_records r WHERE r.regional_id = ANY($1::text[]) ORDER BY r.tenant_id, r.patient_id`,
    [[...new Set(regionalIds)]],
  );
  return rows.map(toRecord);
}

/**
 * Records sharing at least one blocking key with a probe, skipping keys whose block holds more than
 * `maxBlockSize` records (as the batch matcher does). Each key's size is counted with a LIMIT, so a huge block
 * costs one short index scan, and the whole lookup stays a few index probes per key.
 */
export async function selectCandidates(q: Queryable, keys: readonly string[], self: RecordRef, maxBlockSize: number): Promise<IndexedRecord[]> {
  if (keys.length === 0) return [];
  const { rows } = await q.query<RecordRow>(
    `WITH keys AS (SELECT DISTINCT unnest($1::text[]) AS k),
          usable AS (
            SELECT keys.k FROM keys
             WHERE (SELECT count(*) FROM (SELECT 1 FROM identity_block_keys b WHERE b.block_key = keys.k LIMIT $4) s) < $4),
          hits AS (SELECT DISTINCT b.tenant_id, b.patient_id FROM usable JOIN identity_block_keys b ON b.block_key = usable.k)
     SELECT ${RECORD_COLUMNS} FROM hits JOIN identity_records r ON r.tenant_id = hits.tenant_id AND r.patient_id = hits.patient_id
      WHERE NOT (r.tenant_id = $2 AND r.patient_id = $3)`,
    [keys, self.tenantId, self.patientId, maxBlockSize + 2],
  );
  return rows.map(toRecord);
}

/** Inserts or replaces a record with its keys and identifiers. */
export async function upsertRecord(
  q: Queryable,
  rec: RecordRef & { versionId: number; person: PersonRecord; regionalId: string },
  keys: readonly string[],
  identifiers: ReadonlyArray<{ system: string; value: string }>,
): Promise<void> {
  await q.query(
    `INSERT INTO identity_records (tenant_id, patient_id, version_id, person, regional_id)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (tenant_id, patient_id) DO UPDATE SET version_id = EXCLUDED.version_id, person = EXCLUDED.person,
       regional_id = EXCLUDED.regional_id, indexed_at = now()`,
    [rec.tenantId, rec.patientId, rec.versionId, JSON.stringify(rec.person), rec.regionalId],
  );
  await q.query('DELETE FROM identity_block_keys WHERE tenant_id = $1 AND patient_id = $2', [rec.tenantId, rec.patientId]);
  const uniqueKeys = [...new Set(keys)];
  if (uniqueKeys.length) {
    await q.query(
      'INSERT INTO identity_block_keys (block_key, tenant_id, patient_id) SELECT unnest($1::text[]), $2, $3',
      [uniqueKeys, rec.tenantId, rec.patientId],
    );
  }
  await q.query('DELETE FROM identity_identifiers WHERE tenant_id = $1 AND patient_id = $2', [rec.tenantId, rec.patientId]);
  const ids = [...new Map(identifiers.map((i) => [`${i.system}|${i.value}`, i])).values()];
  if (ids.length) {
    await q.query(
      'INSERT INTO identity_identifiers (system, value, tenant_id, patient_id) SELECT unnest($1::text[]), unnest($2::text[]), $3, $4',
      [ids.map((i) => i.system), ids.map((i) => i.value), rec.tenantId, rec.patientId],
    );
  }
}

export async function updateRecordVersion(q: Queryable, ref: RecordRef, versionId: number): Promise<void> {
  await q.query('UPDATE identity_records SET version_id = $3 WHERE tenant_id = $1 AND patient_id = $2', [ref.tenantId, ref.patientId, versionId]);
}

/** Moves records to another person. */
export async function setRegionalId(q: Queryable, refs: readonly RecordRef[], regionalId: string): Promise<void> {
  if (refs.length === 0) return;
  await q.query(
    `UPDATE identity_records r SET regional_id = $3 FROM unnest($1::text[], $2::text[]) AS k(tenant_id, patient_id)
      WHERE r.tenant_id = k.tenant_id AND r.patient_id = k.patient_id`,
    [refs.map((r) => r.tenantId), refs.map((r) => r.patientId), regionalId],
  );
}

export async function setReplacedBy(q: Queryable, ref: RecordRef, by: RecordRef | null): Promise<void> {
  await q.query(
    'UPDATE identity_records SET replaced_by_tenant_id = $3, replaced_by_patient_id = $4 WHERE tenant_id = $1 AND patient_id = $2',
    [ref.tenantId, ref.patientId, by?.tenantId ?? null, by?.patientId ?? null],
  );
}

export async function deleteRecord(q: Queryable, ref: RecordRef): Promise<void> {
  for (const table of ['identity_block_keys', 'identity_identifiers', 'identity_records']) {
    await q.query(`DELETE FROM ${table} WHERE tenant_id = $1 AND patient_id = $2`, [ref.tenantId, ref.patientId]);
  }
}

export async function insertPerson(q: Queryable, regionalId: string): Promise<void> {
  await q.query('INSERT INTO identity_persons (regional_id) VALUES ($1) ON CONFLICT (regional_id) DO NOTHING', [regionalId]);
}

/** Records that a person was folded into another (its id stays resolvable). */
export async function markPersonMerged(q: Queryable, regionalId: string, into: string): Promise<void> {
  await q.query('UPDATE identity_persons SET merged_into = $2, merged_at = now() WHERE regional_id = $1', [regionalId, into]);
}

/** The person a regional id stands for now, following merges. */
export async function resolveRegionalId(q: Queryable, regionalId: string): Promise<string | null> {
  let current = regionalId;
  for (let hops = 0; hops < 32; hops++) {
    const { rows } = await q.query<{ merged_into: string | null }>('SELECT merged_into FROM identity_persons WHERE regional_id = $1', [current]);
    if (!rows[0]) return null;
    if (!rows[0].merged_into) return current;
    current = rows[0].merged_into;
  }
  return current;
}

/** Records carrying a business identifier, anywhere in the region. */
export async function selectByIdentifier(q: Queryable, system: string, value: string): Promise<RecordRef[]> {
  const { rows } = await q.query<{ tenant_id: string; patient_id: string }>(
    'SELECT tenant_id, patient_id FROM identity_identifiers WHERE system = $1 AND value = $2 ORDER BY tenant_id, patient_id',
    [system, value],
  );
  return rows.map((r) => ({ tenantId: r.tenant_id, patientId: r.patient_id }));
}

export async function identifierSystemKnown(q: Queryable, system: string): Promise<boolean> {
  const { rows } = await q.query('SELECT 1 FROM identity_identifiers WHERE system = $1 LIMIT 1', [system]);
  return rows.length > 0;
}

/** Identifiers of the given records. */
export async function selectIdentifiers(q: Queryable, refs: readonly RecordRef[]): Promise<Array<RecordRef & { system: string; value: string }>> {
  if (refs.length === 0) return [];
  const { rows } = await q.query<{ tenant_id: string; patient_id: string; system: string; value: string }>(
    `SELECT i.tenant_id, i.patient_id, i.system, i.value FROM unnest($1::text[], $2::text[]) AS k(tenant_id, patient_id)
       JOIN identity_identifiers i ON i.tenant_id = k.tenant_id AND i.patient_id = k.patient_id ORDER BY i.tenant_id, i.patient_id, i.system`,
    [refs.map((r) => r.tenantId), refs.map((r) => r.patientId)],
  );
  return rows.map((r) => ({ tenantId: r.tenant_id, patientId: r.patient_id, system: r.system, value: r.value }));
}
