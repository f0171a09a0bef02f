import type { Queryable } from '../../platform/storage/index.js';

/** Codes that mean "general medicine / general practice" (SNOMED CT practice settings). */
export const GENERAL_SPECIALTIES = ['394802001', '394814009'];

/** Tenants whose PractitionerRole, HealthcareService or Schedule carries one of `codes`. */
export async function selectTenantsWithSpecialty(q: Queryable, codes: string[]): Promise<Set<string>> {
  const { rows } = await q.query<{ tenant_id: string }>(
    `SELECT DISTINCT tenant_id FROM fhir_resources
     WHERE resource_type IN ('PractitionerRole', 'HealthcareService', 'Schedule') AND NOT deleted
       AND EXISTS (SELECT 1 FROM jsonb_array_elements(COALESCE(content->'specialty', '[]'::jsonb)) s,
                               jsonb_array_elements(COALESCE(s->'coding', '[]'::jsonb)) c
                   WHERE c->>'code' = ANY($1::text[]))`,
    [codes],
  );
  return new Set(rows.map((r) => r.tenant_id));
}

/** Free Slots per tenant in [from, until) on Schedules of the specialty (Slot.schedule → Schedule.specialty). */
export async function selectFreeSlots(q: Queryable, code: string, from: Date, until: Date): Promise<Map<string, { schedules: number; free: number; earliest: Date | null }>> {
  const { rows } = await q.query<{ tenant_id: string; schedules: number; free: number; earliest: Date | null }>(
    `WITH sched AS (
       SELECT tenant_id, 'Schedule/' || id AS ref FROM fhir_resources
       WHERE resource_type = 'Schedule' AND NOT deleted AND COALESCE((content->>'active')::boolean, true)
         AND EXISTS (SELECT 1 FROM jsonb_array_elements(COALESCE(content->'specialty', '[]'::jsonb)) s,
                                 jsonb_array_elements(COALESCE(s->'coding', '[]'::jsonb)) c WHERE c->>'code' = $1)
     ), free AS (
       SELECT sl.tenant_id, (sl.content->>'start')::timestamptz AS start FROM fhir_resources sl
       JOIN sched ON sched.tenant_id = sl.tenant_id AND sched.ref = sl.content->'schedule'->>'reference'
       WHERE sl.resource_type = 'Slot' AND NOT sl.deleted AND sl.content->>'status' = 'free'
     )
     SELECT sched.tenant_id, count(DISTINCT sched.ref)::int AS schedules,
       (SELECT count(*)::int FROM free WHERE free.tenant_id = sched.tenant_id AND start >= $2 AND start < $3) AS free,
       (SELECT min(start) FROM free WHERE free.tenant_id = sched.tenant_id AND start >= $2 AND start < $3) AS earliest
     FROM sched GROUP BY sched.tenant_id`,
    [code, from, until],
  );
  return new Map(rows.map((r) => [r.tenant_id, { schedules: r.schedules, free: r.free, earliest: r.earliest }]));
}

/** Bed Locations (physicalType bd) per tenant; free = operationalStatus U (unoccupied, HL7 v2 table 0116). */
export async function selectBeds(q: Queryable): Promise<Map<string, { free: number; total: number }>> {
  const { rows } = await q.query<{ tenant_id: string; free: number; total: number }>(
    `SELECT tenant_id, count(*) FILTER (WHERE content->'operationalStatus'->>'code' = 'U' AND COALESCE(content->>'status', 'active') = 'active')::int AS free,
            count(*)::int AS total
     FROM fhir_resources
     WHERE resource_type = 'Location' AND NOT deleted AND content->'operationalStatus' IS NOT NULL
       AND EXISTS (SELECT 1 FROM jsonb_array_elements(COALESCE(content->'physicalType'->'coding', '[]'::jsonb)) c WHERE c->>'code' = 'bd')
     GROUP BY tenant_id`,
  );
  return new Map(rows.map((r) => [r.tenant_id, { free: r.free, total: r.total }]));
}

/** One position per tenant: a site/building Location first, else any Location with coordinates. */
export async function selectPositions(q: Queryable): Promise<Map<string, { latitude: number; longitude: number }>> {
  const { rows } = await q.query<{ tenant_id: string; latitude: string; longitude: string }>(
    `SELECT DISTINCT ON (tenant_id) tenant_id, content->'position'->>'latitude' AS latitude, content->'position'->>'longitude' AS longitude
     FROM fhir_resources
     WHERE resource_type = 'Location' AND NOT deleted AND content->'position'->>'latitude' IS NOT NULL
     ORDER BY tenant_id, CASE WHEN content->'physicalType'->'coding'->0->>'code' IN ('si', 'bu') THEN 0 ELSE 1 END, id`,
  );
  const out = new Map<string, { latitude: number; longitude: number }>();
  for (const r of rows) {
    const latitude = Number(r.latitude);
    const longitude = Number(r.longitude);
    if (Number.isFinite(latitude) && Number.isFinite(longitude)) out.set(r.tenant_id, { latitude, longitude });
  }
  return out;
}

export async function selectAgreementReceivers(q: Queryable, sender: string, code: string): Promise<Set<string>> {
  const { rows } = await q.query<{ receiver_tenant: string }>(
    `SELECT receiver_tenant FROM referral_agreements WHERE sender_tenant = $1 AND specialty_code IN ($2, '*')`,
    [sender, code],
  );
  return new Set(rows.map((r) => r.receiver_tenant));
}

/** Encounters per tenant of the Patient records carrying this resident id. */
export async function selectEncountersByResidentId(q: Queryable, system: string, value: string): Promise<Map<string, number>> {
  const { rows } = await q.query<{ tenant_id: string; n: number }>(
    `SELECT e.tenant_id, count(*)::int AS n
     FROM fhir_resources p JOIN fhir_resources e ON e.tenant_id = p.tenant_id AND e.patient_id = p.id AND e.resource_type = 'Encounter' AND NOT e.deleted
     WHERE p.resource_type = 'Patient' AND NOT p.deleted AND p.content->'identifier' @> $1::jsonb
     GROUP BY e.tenant_id`,
    [JSON.stringify([{ system, value }])],
  );
  return new Map(rows.map((r) => [r.tenant_id, r.n]));
}

/** Earlier referrals of the same person, per receiver. */
export async function selectReferralsByPatientKey(q: Queryable, patientKey: string): Promise<Map<string, number>> {
  const { rows } = await q.query<{ receiver_tenant: string; n: number }>(
    'SELECT receiver_tenant, count(*)::int AS n FROM referrals WHERE patient_key = $1 GROUP BY receiver_tenant',
    [patientKey],
  );
  return new Map(rows.map((r) => [r.receiver_tenant, r.n]));
}

export async function selectInstitutions(q: Queryable): Promise<Array<{ id: string; name: string; kind: string }>> {
  const { rows } = await q.query<{ id: string; name: string; kind: string }>('SELECT id, name, kind FROM institutions ORDER BY id');
  return rows;
}
