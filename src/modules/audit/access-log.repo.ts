import type { Queryable } from '../../platform/storage/index.js';

export interface AccessLogFilter {
  /** Patient records (any institution) the events must be about. */
  patients?: ReadonlyArray<{ tenantId: string; id: string }>;
  /** The acting user or client id. */
  agentId?: string;
  /** The acting institution. */
  tenantId?: string;
  from?: Date;
  to?: Date;
  limit: number;
}

export interface AccessLogEntry {
  /** Leaf number in the Merkle log; null while still queued for the sequencer. */
  seq: number | null;
  recorded: Date;
  tenantId: string;
  agentKind: string;
  agentId: string;
  agentDisplay?: string;
  action: string;
  subtype: string;
  outcome: string;
  patient: { tenantId: string; id: string } | null;
  purpose: string | null;
  basis: string | null;
}

interface Row {
  seq: number | null; recorded: Date; tenant_id: string; agent_kind: string; agent_id: string; action: string; subtype: string;
  outcome: string; patient_tenant_id: string | null; patient_id: string | null; purpose: string | null; basis: string | null; agent_display: string | null;
}

const COLUMNS = 'tenant_id, agent_kind, agent_id, action, subtype, outcome, patient_tenant_id, patient_id, purpose, basis, recorded';

/**
 * Sequenced accesses from the index plus those still queued (a batched event
 * counts once per access), newest first.
 * The display name comes from the AuditEvent itself (the leaf text for sequenced events).
 */
export async function selectAccessLog(q: Queryable, f: AccessLogFilter): Promise<AccessLogEntry[]> {
  const params: unknown[] = [];
  const where: string[] = [];
  const add = (sql: (n: number) => string, value: unknown) => {
    params.push(value);
    where.push(sql(params.length));
  };
  if (f.patients) {
    params.push(f.patients.map((p) => p.tenantId), f.patients.map((p) => p.id));
    const n = params.length;
    where.push(`EXISTS (SELECT 1 FROM unnest($${n - 1}::text[], $${n}::text[]) AS r(t, p) WHERE r.t = x.patient_tenant_id AND r.p = x.patient_id)`);
  }
  if (f.agentId) add((n) => `x.agent_id = $${n}`, f.agentId);
  if (f.tenantId) add((n) => `x.tenant_id = $${n}`, f.tenantId);
  if (f.from) add((n) => `x.recorded >= $${n}`, f.from);
  if (f.to) add((n) => `x.recorded < $${n}`, f.to);
  const cond = where.length ? `WHERE ${where.join(' AND ')}` : '';
  params.push(f.limit);
  const { rows } = await q.query<Row>(
    `SELECT * FROM (
       SELECT x.seq, ${COLUMNS.split(', ').map((c) => `x.${c}`).join(', ')},
              (l.leaf_data::text) AS agent_display
         FROM audit_access_index x JOIN audit_leaves l ON l.log_id = x.log_id AND l.seq = x.seq ${cond}
       UNION ALL
       SELECT NULL::bigint AS seq, ${COLUMNS.split(', ').map((c) => `x.${c}`).join(', ')}, x.event::text AS agent_display
         FROM (SELECT q.tenant_id, q.agent_kind, q.agent_id, q.action, q.subtype, q.outcome, q.purpose, q.basis, q.recorded, q.event,
                      CASE WHEN q.accesses IS NULL THEN q.patient_tenant_id ELSE a.value->>'t' END AS patient_tenant_id,
                      CASE WHEN q.accesses IS NULL THEN q.patient_id ELSE a.value->>'p' END AS patient_id
                 FROM audit_queue q LEFT JOIN LATERAL jsonb_array_elements(q.accesses) AS a ON true) x ${cond}
     ) AS both_sources ORDER BY recorded DESC, seq DESC NULLS FIRST LIMIT $${params.length}`,
    params,
  );
  return rows.map((r) => ({
    seq: r.seq, recorded: r.recorded, tenantId: r.tenant_id, agentKind: r.agent_kind, agentId: r.agent_id,
    ...(displayOf(r.agent_display) ? { agentDisplay: displayOf(r.agent_display) } : {}),
    action: r.action, subtype: r.subtype, outcome: r.outcome,
    patient: r.patient_tenant_id && r.patient_id ? { tenantId: r.patient_tenant_id, id: r.patient_id } : null,
    purpose: r.purpose, basis: r.basis,
  }));
}

/** The requesting agent's display from the leaf text or event JSON (the first "display" after "requestor"-bearing who). */
function displayOf(text: string | null): string | undefined {
  if (!text) return undefined;
  const json = text.slice(text.indexOf('{'));
  try {
    const event = JSON.parse(json) as { agent?: Array<{ requestor?: boolean; who?: { display?: string } }> };
    return event.agent?.find((a) => a.requestor)?.who?.display;
  } catch {
    return undefined;
  }
}
