import type { AuditEvent } from '@medplum/fhirtypes';
import type { Queryable } from '../../platform/storage/index.js';

/** A queued AuditEvent with the columns the access index keeps. */
export interface QueuedAudit {
  tenantId: string;
  agentKind: string;
  agentId: string;
  action: string;
  subtype: string;
  outcome: string;
  patientTenantId: string | null;
  patientId: string | null;
  purpose: string | null;
  basis: string | null;
  recorded: Date;
  /**
   * For an event about several accesses (batched reads): each access's patient, in entity order
   * (t: the institution holding the record, p: its id; null when the access touched none).
   * Null for an event about one access, whose patient is patientTenantId / patientId.
   */
  accesses: Array<{ t: string | null; p: string | null }> | null;
  event: AuditEvent;
}

export interface QueueRow extends QueuedAudit {
  id: number;
}

const COLUMNS = 'tenant_id, agent_kind, agent_id, action, subtype, outcome, patient_tenant_id, patient_id, purpose, basis, recorded';

function values(entry: QueuedAudit): unknown[] {
  return [
    entry.tenantId, entry.agentKind, entry.agentId, entry.action, entry.subtype, entry.outcome,
    entry.patientTenantId, entry.patientId, entry.purpose, entry.basis, entry.recorded,
  ];
}

/** Inserts queued events (one statement). */
export async function insertQueued(q: Queryable, entries: readonly QueuedAudit[]): Promise<void> {
  if (entries.length === 0) return;
  const params: unknown[] = [];
  const tuples = entries.map((entry) => {
    const base = params.length;
    params.push(...values(entry), entry.accesses ? JSON.stringify(entry.accesses) : null, JSON.stringify(entry.event));
    const placeholders = Array.from({ length: 11 }, (_, i) => `$${base + i + 1}`);
    return `(${placeholders.join(', ')}, $${base + 12}::jsonb, $${base + 13}::jsonb)`;
  });
  await q.query(`INSERT INTO audit_queue (${COLUMNS}, accesses, event) VALUES ${tuples.join(', ')}`, params);
}

interface QueueDbRow {
  id: number;
  tenant_id: string;
  agent_kind: string;
  agent_id: string;
  action: string;
  subtype: string;
  outcome: string;
  patient_tenant_id: string | null;
  patient_id: string | null;
  purpose: string | null;
  basis: string | null;
  recorded: Date;
  accesses: Array<{ t: string | null; p: string | null }> | null;
  event: AuditEvent;
}

/** The oldest queued events, in queue order, locked against a second sequencer. */
export async function selectQueueBatch(q: Queryable, limit: number): Promise<QueueRow[]> {
  const { rows } = await q.query<QueueDbRow>(`SELECT id, ${COLUMNS}, accesses, event FROM audit_queue ORDER BY id LIMIT $1 FOR UPDATE`, [limit]);
  return rows.map((row) => ({
    id: row.id, tenantId: row.tenant_id, agentKind: row.agent_kind, agentId: row.agent_id, action: row.action,
    subtype: row.subtype, outcome: row.outcome, patientTenantId: row.patient_tenant_id, patientId: row.patient_id,
    purpose: row.purpose, basis: row.basis, recorded: row.recorded, accesses: row.accesses, event: row.event,
  }));
}

/**
 * Moves sequenced events out of the queue and into the searchable index, with their leaf numbers:
 * one index row per access (part 0, 1, … of a batched event's leaf).
 */
export async function moveToIndex(q: Queryable, logId: string, rows: readonly QueueRow[], seqs: readonly number[]): Promise<void> {
  if (rows.length === 0) return;
  // One array per column (unnest): a batch of batched events can hold more index rows than a statement has parameters.
  const columns: unknown[][] = Array.from({ length: 13 }, () => []);
  rows.forEach((row, i) => {
    const parts = row.accesses ?? [{ t: row.patientTenantId, p: row.patientId }];
    parts.forEach((part, k) => {
      [seqs[i], k, ...values({ ...row, patientTenantId: part.t, patientId: part.p })].forEach((value, c) => columns[c]!.push(value));
    });
  });
  columns[12] = columns[12]!.map((recorded) => (recorded as Date).toISOString());
  await q.query(
    `INSERT INTO audit_access_index (log_id, seq, part, ${COLUMNS})
     SELECT $1, * FROM unnest($2::int8[], $3::int4[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
                              $10::text[], $11::text[], $12::text[], $13::text[], $14::timestamptz[])`,
    [logId, ...columns],
  );
  await q.query('DELETE FROM audit_queue WHERE id = ANY($1::bigint[])', [rows.map((row) => row.id)]);
}

/** Number of events waiting for the sequencer. */
export async function countQueued(q: Queryable): Promise<number> {
  const { rows } = await q.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_queue');
  return rows[0].n;
}

/** Locks the log head first, so two sequencers never interleave batches. */
export async function lockLogForSequencing(q: Queryable, logId: string): Promise<void> {
  await q.query('SELECT tree_size FROM audit_logs WHERE log_id = $1 FOR UPDATE', [logId]);
}
