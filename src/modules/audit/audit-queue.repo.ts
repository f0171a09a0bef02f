import type { AuditEvent } from '@medplum/fhirtypes';
import type { Queryable } from '../../platform/storage/index.js';
import { canonicalJson } from './canonical-json.js';

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

/** A queued event as the sequencer takes it: its tenant and the canonical JSON text its leaf embeds. */
export interface QueueRow {
  id: number;
  tenantId: string;
  eventJson: string;
}
const COLUMNS = 'tenant_id, agent_kind, agent_id, action, subtype, outcome, patient_tenant_id, patient_id, purpose, basis, recorded';

function values(entry: Omit<QueuedAudit, 'event'>): unknown[] {
  return [
    entry.tenantId, entry.agentKind, entry.agentId, entry.action, entry.subtype, entry.outcome,
    entry.patientTenantId, entry.patientId, entry.purpose, entry.basis, entry.recorded,
  ];
}

/** Inserts queued events (one statement), each AuditEvent as canonical JSON text (migration 014). */
export async function insertQueued(q: Queryable, entries: readonly QueuedAudit[]): Promise<void> {
  if (entries.length === 0) return;
  const params: unknown[] = [];
  const tuples = entries.map((entry) => {
    const base = params.length;
    params.push(...values(entry), entry.accesses ? JSON.stringify(entry.accesses) : null, canonicalJson(entry.event));
    const placeholders = Array.from({ length: 11 }, (_, i) => `$${base + i + 1}`);
    return `(${placeholders.join(', ')}, $${base + 12}::jsonb, $${base + 13})`;
  });
  await q.query(`INSERT INTO audit_queue (${COLUMNS}, accesses, event) VALUES ${tuples.join(', ')}`, params);
}

interface QueueDbRow {
  id: number;
  tenant_id: string;
  /** Canonical JSON, or jsonb's text for a row queued before migration 014 (canonical false). */
  event: string;
  canonical: boolean;
}

/** The oldest queued events, in queue order, locked against a second sequencer. */
export async function selectQueueBatch(q: Queryable, limit: number): Promise<QueueRow[]> {
  const { rows } = await q.query<QueueDbRow>('SELECT id, tenant_id, event, canonical FROM audit_queue ORDER BY id LIMIT $1 FOR UPDATE', [limit]);
  return rows.map((row) => ({ id: Number(row.id), tenantId: row.tenant_id, eventJson: row.canonical ? row.event : canonicalJson(JSON.parse(row.event)) }));
}

/**
 * Moves sequenced events out of the queue and into the searchable index, with their leaf numbers,
 * in one statement that never sends the rows back: one index row per access (part 0, 1, … of a
 * batched event's leaf, from its `accesses`), the patient columns of a single access as queued.
 */
export async function moveToIndex(q: Queryable, logId: string, rows: readonly QueueRow[], seqs: readonly number[]): Promise<void> {
  if (rows.length === 0) return;
  await q.query(
    `WITH moved AS (
       DELETE FROM audit_queue q USING unnest($2::bigint[], $3::bigint[]) AS m(id, seq) WHERE q.id = m.id
       RETURNING m.seq, q.tenant_id, q.agent_kind, q.agent_id, q.action, q.subtype, q.outcome, q.patient_tenant_id, q.patient_id,
                 q.purpose, q.basis, q.recorded, q.accesses
     )
     INSERT INTO audit_access_index (log_id, seq, part, ${COLUMNS})
     SELECT $1, moved.seq, coalesce(a.ord - 1, 0), moved.tenant_id, moved.agent_kind, moved.agent_id, moved.action, moved.subtype,
            moved.outcome,
            CASE WHEN moved.accesses IS NULL THEN moved.patient_tenant_id ELSE a.value->>'t' END,
            CASE WHEN moved.accesses IS NULL THEN moved.patient_id ELSE a.value->>'p' END,
            moved.purpose, moved.basis, moved.recorded
       FROM moved LEFT JOIN LATERAL jsonb_array_elements(moved.accesses) WITH ORDINALITY AS a(value, ord) ON true`,
    [logId, rows.map((row) => row.id), seqs],
  );
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
