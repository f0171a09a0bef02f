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
    params.push(...values(entry), JSON.stringify(entry.event));
    const placeholders = Array.from({ length: 11 }, (_, i) => `$${base + i + 1}`);
    return `(${placeholders.join(', ')}, $${base + 12}::jsonb)`;
  });
  await q.query(`INSERT INTO audit_queue (${COLUMNS}, event) VALUES ${tuples.join(', ')}`, params);
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
  event: AuditEvent;
}

/** The oldest queued events, in queue order, locked against a second sequencer. */
export async function selectQueueBatch(q: Queryable, limit: number): Promise<QueueRow[]> {
  const { rows } = await q.query<QueueDbRow>(`SELECT id, ${COLUMNS}, event FROM audit_queue ORDER BY id LIMIT $1 FOR UPDATE`, [limit]);
  return rows.map((row) => ({
    id: row.id, tenantId: row.tenant_id, agentKind: row.agent_kind, agentId: row.agent_id, action: row.action,
    subtype: row.subtype, outcome: row.outcome, patientTenantId: row.patient_tenant_id, patientId: row.patient_id,
    purpose: row.purpose, basis: row.basis, recorded: row.recorded, event: row.event,
  }));
}

/** Moves sequenced events out of the queue and into the searchable index, with their leaf numbers. */
export async function moveToIndex(q: Queryable, logId: string, rows: readonly QueueRow[], seqs: readonly number[]): Promise<void> {
  if (rows.length === 0) return;
  const params: unknown[] = [logId];
  const tuples = rows.map((row, i) => {
    const base = params.length;
    params.push(seqs[i], ...values(row));
    return `($1, ${Array.from({ length: 12 }, (_, k) => `$${base + k + 1}`).join(', ')})`; // seq + 11 columns
  });
  await q.query(`INSERT INTO audit_access_index (log_id, seq, ${COLUMNS}) VALUES ${tuples.join(', ')}`, params);
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
