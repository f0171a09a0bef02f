import type { Queryable } from '../../platform/storage/index.js';
import type { ReferralState } from './referral-state.js';

/** A row of `referrals` (migration 008). */
export interface ReferralRow {
  id: string;
  sender_tenant: string;
  receiver_tenant: string;
  direction: 'up' | 'down' | 'lateral';
  patient_tenant: string;
  patient_id: string;
  patient_key: string;
  patient_display: string | null;
  specialty_code: string;
  specialty_display: string | null;
  priority: 'routine' | 'urgent' | 'asap' | 'stat';
  reason: string | null;
  state: ReferralState;
  version: number;
  requested_by: string;
  requester_display: string | null;
  service_request_id: string;
  discharge_summary: string | null;
  follow_up_plan: Array<{ description: string; dueDays?: number }> | null;
  follow_up_tasks: string[] | null;
  decline_reason: string | null;
  decline_note: string | null;
  appointment_at: Date | null;
  report_ref: string | null;
  forwarded_from: string | null;
  forwarded_to: string | null;
  attachments: string[] | null;
  requested_at: Date;
  received_at: Date | null;
  responded_at: Date | null;
  accepted_at: Date | null;
  scheduled_at: Date | null;
  started_at: Date | null;
  completed_at: Date | null;
  report_returned_at: Date | null;
  closed_at: Date | null;
  response_due_at: Date;
  reminded_at: Date | null;
  escalated_at: Date | null;
  updated_at: Date;
}

export interface TransitionRow {
  referral_id: string;
  seq: number;
  action: string;
  from_state: string | null;
  to_state: string;
  actor_tenant: string;
  actor_id: string;
  actor_display: string | null;
  at: Date;
  detail: Record<string, unknown> | null;
}

const JSON_COLUMNS = new Set(['follow_up_plan', 'follow_up_tasks', 'attachments']);

function encode(column: string, value: unknown): unknown {
  return JSON_COLUMNS.has(column) && value !== null && value !== undefined ? JSON.stringify(value) : value ?? null;
}

export async function insertReferral(q: Queryable, row: ReferralRow): Promise<void> {
  const columns = Object.keys(row) as Array<keyof ReferralRow>;
  const values = columns.map((c) => encode(c, row[c]));
  await q.query(
    `INSERT INTO referrals (${columns.join(', ')}) VALUES (${columns.map((c, i) => `$${i + 1}${JSON_COLUMNS.has(c) ? '::jsonb' : ''}`).join(', ')})`,
    values,
  );
}

/** One referral; `forUpdate` takes the row lock that serialises concurrent transitions. */
export async function selectReferral(q: Queryable, id: string, forUpdate = false): Promise<ReferralRow | undefined> {
  const { rows } = await q.query<ReferralRow>(`SELECT * FROM referrals WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [id]);
  return rows[0];
}

/** Applies `changes` only if the row is still at `version`; returns false when someone else moved it first. */
export async function updateReferral(q: Queryable, id: string, version: number, changes: Partial<ReferralRow>): Promise<boolean> {
  const columns = Object.keys(changes) as Array<keyof ReferralRow>;
  const sets = columns.map((c, i) => `${c} = $${i + 3}${JSON_COLUMNS.has(c) ? '::jsonb' : ''}`);
  const { rowCount } = await q.query(
    `UPDATE referrals SET ${[...sets, 'version = version + 1'].join(', ')} WHERE id = $1 AND version = $2`,
    [id, version, ...columns.map((c) => encode(c, changes[c]))],
  );
  return rowCount === 1;
}

export async function insertTransition(q: Queryable, t: Omit<TransitionRow, 'seq'>): Promise<void> {
  await q.query(
    `INSERT INTO referral_transitions (referral_id, seq, action, from_state, to_state, actor_tenant, actor_id, actor_display, at, detail)
     SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb FROM referral_transitions WHERE referral_id = $1`,
    [t.referral_id, t.action, t.from_state, t.to_state, t.actor_tenant, t.actor_id, t.actor_display, t.at, t.detail === null ? null : JSON.stringify(t.detail)],
  );
}

export async function selectTransitions(q: Queryable, referralId: string): Promise<TransitionRow[]> {
  const { rows } = await q.query<TransitionRow>('SELECT * FROM referral_transitions WHERE referral_id = $1 ORDER BY seq', [referralId]);
  return rows;
}

export interface WorklistFilter {
  tenantId: string;
  role: 'sender' | 'receiver';
  /** open: not in a final state; closed: final; all. */
  status: 'open' | 'closed' | 'all';
  limit: number;
  offset: number;
}

const PRIORITY_RANK = `CASE priority WHEN 'stat' THEN 0 WHEN 'asap' THEN 1 WHEN 'urgent' THEN 2 ELSE 3 END`;

/**
 * A worklist. Receivers triage by urgency, then up-referrals before others
 * (they carry the patient's priority access), then longest waiting first;
 * senders see their newest first.
 */
export async function selectWorklist(q: Queryable, f: WorklistFilter): Promise<{ rows: ReferralRow[]; total: number }> {
  const column = f.role === 'sender' ? 'sender_tenant' : 'receiver_tenant';
  const status = f.status === 'open' ? ' AND closed_at IS NULL' : f.status === 'closed' ? ' AND closed_at IS NOT NULL' : '';
  const order = f.role === 'receiver'
    ? `${PRIORITY_RANK}, CASE direction WHEN 'up' THEN 0 ELSE 1 END, requested_at ASC, id`
    : 'requested_at DESC, id';
  const { rows } = await q.query<ReferralRow>(
    `SELECT * FROM referrals WHERE ${column} = $1${status} ORDER BY ${order} LIMIT $2 OFFSET $3`,
    [f.tenantId, f.limit, f.offset],
  );
  const count = await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM referrals WHERE ${column} = $1${status}`, [f.tenantId]);
  return { rows, total: count.rows[0].n };
}

/** Open referrals of the same person for the same specialty (duplicate check). */
export async function selectOpenDuplicates(q: Queryable, patientKey: string, specialtyCode: string): Promise<ReferralRow[]> {
  const { rows } = await q.query<ReferralRow>(
    'SELECT * FROM referrals WHERE patient_key = $1 AND specialty_code = $2 AND closed_at IS NULL ORDER BY requested_at',
    [patientKey, specialtyCode],
  );
  return rows;
}

export async function selectInstitution(q: Queryable, id: string): Promise<{ id: string; name: string; kind: string } | undefined> {
  const { rows } = await q.query<{ id: string; name: string; kind: string }>('SELECT id, name, kind FROM institutions WHERE id = $1', [id]);
  return rows[0];
}

export async function selectInstitutionNames(q: Queryable, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const { rows } = await q.query<{ id: string; name: string }>('SELECT id, name FROM institutions WHERE id = ANY($1::text[])', [ids]);
  return new Map(rows.map((r) => [r.id, r.name]));
}

/** The current content of a FHIR resource in a tenant, or undefined (deleted or never there). */
export async function selectResource<T = Record<string, unknown>>(q: Queryable, tenantId: string, type: string, id: string): Promise<T | undefined> {
  const { rows } = await q.query<{ content: T }>(
    'SELECT content FROM fhir_resources WHERE tenant_id = $1 AND resource_type = $2 AND id = $3 AND NOT deleted',
    [tenantId, type, id],
  );
  return rows[0]?.content;
}

export async function insertCareRelationship(q: Queryable, r: { referralId: string; receiverTenant: string; patientTenant: string; patientId: string; since: Date }): Promise<void> {
  await q.query(
    `INSERT INTO referral_care_relationships (referral_id, receiver_tenant, patient_tenant, patient_id, since)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (referral_id) DO NOTHING`,
    [r.referralId, r.receiverTenant, r.patientTenant, r.patientId, r.since],
  );
}

export async function endCareRelationship(q: Queryable, referralId: string, until: Date): Promise<void> {
  await q.query('UPDATE referral_care_relationships SET until = $2 WHERE referral_id = $1 AND until IS NULL', [referralId, until]);
}

/** True when `tenantId` holds a current referral care relationship with the patient record. */
export async function existsCareRelationship(q: Queryable, tenantId: string, patient: { tenantId: string; id: string }, at: Date): Promise<boolean> {
  const { rows } = await q.query(
    `SELECT 1 FROM referral_care_relationships
     WHERE receiver_tenant = $1 AND patient_tenant = $2 AND patient_id = $3 AND since <= $4 AND (until IS NULL OR until > $4) LIMIT 1`,
    [tenantId, patient.tenantId, patient.id, at],
  );
  return rows.length > 0;
}
