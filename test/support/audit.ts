import type { AuditEvent } from '@medplum/fhirtypes';
import type { Queryable } from '../../src/platform/storage/index.js';

export interface AuditRow {
  action: string;
  subtype: string;
  outcome: string;
  patient_id: string | null;
  event: AuditEvent;
}

/**
 * One agent's audit records at one institution, in log order: those a sequencer already appended to the
 * Merkle log (on a shared PostgreSQL database, another test file's `serve` runs one and drains every
 * tenant's queue), then those still queued. Filtering by agent leaves out what other hubs' background
 * work (the identity index writing regional ids back) records under the same institution.
 */
export async function auditRowsOf(db: Queryable, tenantId: string, agentId: string, subtype?: string): Promise<AuditRow[]> {
  const { rows } = await db.query<AuditRow>(
    `SELECT action, subtype, outcome, patient_id, event FROM (
       SELECT 0 AS source, x.seq AS n, x.part, x.action, x.subtype, x.outcome, x.patient_id,
              substr(l.leaf_data, strpos(l.leaf_data, '{'))::jsonb AS event
         FROM audit_access_index x JOIN audit_leaves l ON l.log_id = x.log_id AND l.seq = x.seq
        WHERE x.tenant_id = $1 AND x.agent_id = $2 AND ($3::text IS NULL OR x.subtype = $3)
       UNION ALL
       SELECT 1, id, 0, action, subtype, outcome, patient_id, event::jsonb FROM audit_queue
        WHERE tenant_id = $1 AND agent_id = $2 AND ($3::text IS NULL OR subtype = $3)
     ) both_sources ORDER BY source, n, part`,
    [tenantId, agentId, subtype ?? null],
  );
  return rows;
}
