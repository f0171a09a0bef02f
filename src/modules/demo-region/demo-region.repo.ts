import type { Queryable } from '../../platform/storage/index.js';

export interface DemoRegionRow {
  seed: number;
  people: number;
  status: 'loading' | 'complete';
  patient_records: number | null;
  resources: number | null;
  started_at: Date;
  completed_at: Date | null;
}

/** The seeding record of the region under `tenantPrefix`, if one was ever started. */
export async function selectDemoRegion(q: Queryable, tenantPrefix: string): Promise<DemoRegionRow | undefined> {
  const result = await q.query<DemoRegionRow>(
    'SELECT seed, people, status, patient_records, resources, started_at, completed_at FROM demo_region WHERE tenant_prefix = $1',
    [tenantPrefix],
  );
  return result.rows[0];
}

/** Claims the region slot; false when another seeding got there first. */
export async function insertDemoRegionStart(q: Queryable, tenantPrefix: string, seed: number, people: number): Promise<boolean> {
  const result = await q.query(
    `INSERT INTO demo_region (tenant_prefix, seed, people, status) VALUES ($1, $2, $3, 'loading') ON CONFLICT (tenant_prefix) DO NOTHING`,
    [tenantPrefix, seed, people],
  );
  return result.rowCount === 1;
}

export async function markDemoRegionComplete(q: Queryable, tenantPrefix: string, patientRecords: number, resources: number): Promise<void> {
  await q.query(
    `UPDATE demo_region SET status = 'complete', patient_records = $2, resources = $3, completed_at = now() WHERE tenant_prefix = $1`,
    [tenantPrefix, patientRecords, resources],
  );
}

/** Inserts the institutions (tenants); existing ones are left as they are. */
export async function insertInstitutions(q: Queryable, rows: Array<{ id: string; name: string; kind: string }>): Promise<void> {
  await q.query(
    `INSERT INTO institutions (id, name, kind)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
     ON CONFLICT (id) DO NOTHING`,
    [rows.map((r) => r.id), rows.map((r) => r.name), rows.map((r) => r.kind)],
  );
}

/** Records which synthetic person each Patient record is. */
export async function insertIdentityTruth(q: Queryable, rows: Array<{ personKey: string; tenantId: string; patientId: string }>): Promise<void> {
  if (rows.length === 0) return;
  await q.query(
    `INSERT INTO demo_identity_truth (person_key, tenant_id, patient_id)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[])`,
    [rows.map((r) => r.personKey), rows.map((r) => r.tenantId), rows.map((r) => r.patientId)],
  );
}
