import type { Patient } from '@medplum/fhirtypes';
import type { Queryable } from '../../../platform/storage/index.js';
import type { PersonRecord } from '../matching/person-record.js';
import type { RecordRef } from '../patient-person.js';
import type { PairStatus } from './pair.repo.js';

/** Bulk SQL of the batch relink. */

/** Current Patients of every institution, in (tenant, id) order after `after`. */
export async function selectPatientPage(q: Queryable, after: RecordRef | null, limit: number, tenantIds: readonly string[] | null): Promise<Array<RecordRef & { versionId: number; patient: Patient }>> {
  const { rows } = await q.query<{ tenant_id: string; id: string; version_id: number; content: Patient }>(
    `SELECT tenant_id, id, version_id, content FROM fhir_resources
      WHERE resource_type = 'Patient' AND NOT deleted AND content IS NOT NULL AND (tenant_id, id) > ($1, $2)
        AND ($4::text[] IS NULL OR tenant_id = ANY($4::text[]))
      ORDER BY tenant_id, id LIMIT $3`,
    [after?.tenantId ?? '', after?.patientId ?? '', limit, tenantIds],
  );
  return rows.map((r) => ({ tenantId: r.tenant_id, patientId: r.id, versionId: Number(r.version_id), patient: r.content }));
}

/** Pairs a steward decided and that still stand. */
export async function selectDecidedPairs(q: Queryable): Promise<Array<{ a: RecordRef; b: RecordRef; status: PairStatus }>> {
  const { rows } = await q.query<{ a_tenant_id: string; a_patient_id: string; b_tenant_id: string; b_patient_id: string; status: PairStatus }>(
    "SELECT a_tenant_id, a_patient_id, b_tenant_id, b_patient_id, status FROM identity_pairs WHERE status IN ('linked', 'kept-apart', 'merged')",
  );
  return rows.map((r) => ({ a: { tenantId: r.a_tenant_id, patientId: r.a_patient_id }, b: { tenantId: r.b_tenant_id, patientId: r.b_patient_id }, status: r.status }));
}

export async function selectRegionalIdsByRecord(q: Queryable, tenantIds: readonly string[] | null): Promise<Map<string, string>> {
  const { rows } = await q.query<{ tenant_id: string; patient_id: string; regional_id: string }>(
    'SELECT tenant_id, patient_id, regional_id FROM identity_records WHERE $1::text[] IS NULL OR tenant_id = ANY($1::text[])',
    [tenantIds],
  );
  return new Map(rows.map((r) => [`${r.tenant_id}/${r.patient_id}`, r.regional_id]));
}

export interface BulkRecord extends RecordRef {
  versionId: number;
  person: PersonRecord;
  regionalId: string;
  keys: string[];
  identifiers: Array<{ system: string; value: string }>;
}

const CHUNK = 2000;

/**
 * Replaces the whole index with `records` (steward merges — replaced_by — are kept for records that remain).
 * A regional id no record uses any more is marked merged into the id most of its records moved to.
 */
export async function bulkReplaceIndex(q: Queryable, records: readonly BulkRecord[], onProgress: (done: number) => void, tenantIds: readonly string[] | null = null): Promise<void> {
  const old = await selectRegionalIdsByRecord(q, tenantIds);
  await q.query('DELETE FROM identity_block_keys WHERE $1::text[] IS NULL OR tenant_id = ANY($1::text[])', [tenantIds]);
  await q.query('DELETE FROM identity_identifiers WHERE $1::text[] IS NULL OR tenant_id = ANY($1::text[])', [tenantIds]);
  await q.query('CREATE TEMP TABLE IF NOT EXISTS identity_relink_keep (tenant_id text, patient_id text) ON COMMIT DROP');
  for (let i = 0; i < records.length; i += CHUNK) {
    const part = records.slice(i, i + CHUNK);
    await q.query(
      'INSERT INTO identity_persons (regional_id) SELECT DISTINCT unnest($1::text[]) ON CONFLICT (regional_id) DO UPDATE SET merged_into = NULL, merged_at = NULL',
      [part.map((r) => r.regionalId)],
    );
    await q.query(
      `INSERT INTO identity_records (tenant_id, patient_id, version_id, person, regional_id)
       SELECT * FROM unnest($1::text[], $2::text[], $3::int8[], $4::jsonb[], $5::text[])
       ON CONFLICT (tenant_id, patient_id) DO UPDATE SET version_id = EXCLUDED.version_id, person = EXCLUDED.person,
         regional_id = EXCLUDED.regional_id, indexed_at = now()`,
      [part.map((r) => r.tenantId), part.map((r) => r.patientId), part.map((r) => r.versionId), part.map((r) => JSON.stringify(r.person)), part.map((r) => r.regionalId)],
    );
    await q.query('INSERT INTO identity_relink_keep SELECT * FROM unnest($1::text[], $2::text[])', [part.map((r) => r.tenantId), part.map((r) => r.patientId)]);
    const keys = part.flatMap((r) => [...new Set(r.keys)].map((k) => [k, r.tenantId, r.patientId]));
    await q.query('INSERT INTO identity_block_keys (block_key, tenant_id, patient_id) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])', [
      keys.map((k) => k[0]), keys.map((k) => k[1]), keys.map((k) => k[2]),
    ]);
    const ids = part.flatMap((r) => [...new Map(r.identifiers.map((x) => [`${x.system}|${x.value}`, x])).values()].map((x) => [x.system, x.value, r.tenantId, r.patientId]));
    await q.query('INSERT INTO identity_identifiers (system, value, tenant_id, patient_id) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])', [
      ids.map((x) => x[0]), ids.map((x) => x[1]), ids.map((x) => x[2]), ids.map((x) => x[3]),
    ]);
    onProgress(Math.min(i + CHUNK, records.length));
  }
  await q.query(
    `DELETE FROM identity_records r WHERE ($1::text[] IS NULL OR r.tenant_id = ANY($1::text[]))
        AND NOT EXISTS (SELECT 1 FROM identity_relink_keep k WHERE k.tenant_id = r.tenant_id AND k.patient_id = r.patient_id)`,
    [tenantIds],
  );
  const now = new Map(records.map((r) => [`${r.tenantId}/${r.patientId}`, r.regionalId]));
  const used = new Set(now.values());
  const moves = new Map<string, Map<string, number>>();
  for (const [key, from] of old) {
    const to = now.get(key);
    if (!to || used.has(from)) continue;
    const m = moves.get(from) ?? new Map<string, number>();
    m.set(to, (m.get(to) ?? 0) + 1);
    moves.set(from, m);
  }
  for (const [from, targets] of moves) {
    const to = [...targets.entries()].sort((x, y) => y[1] - x[1])[0][0];
    await q.query('UPDATE identity_persons SET merged_into = $2, merged_at = now() WHERE regional_id = $1', [from, to]);
  }
}
