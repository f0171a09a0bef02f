import type { Queryable } from '../../platform/storage/index.js';

export interface Candidate {
  tenantId: string;
  agentId: string;
  observed: number;
  baseline: number | null;
}

/** Local hour in China Standard Time (UTC+8, no daylight saving) of an hourly bucket, without needing the tz database. */
const LOCAL_HOUR = `extract(hour from (hour AT TIME ZONE 'UTC') + interval '8 hours')`;
const OFF_HOURS = `(${LOCAL_HOUR} >= $6 OR ${LOCAL_HOUR} < $7)`;

// The volume and off-hours rules read audit_agent_hours (hourly counts per agent, kept by a trigger on
// the access index, migration 012), so a run costs the same after a day of traffic as after a minute.
// Windows are whole UTC hours: detectAnomalies aligns them.

/** Agents whose event count in [from, to) reaches max(min, factor × their mean per active hour over [historyFrom, from)). */
export async function selectVolumeCandidates(q: Queryable, w: { from: Date; to: Date; historyFrom: Date; min: number; factor: number }): Promise<Candidate[]> {
  const hours = (w.to.getTime() - w.from.getTime()) / 3_600_000;
  const { rows } = await q.query<{ tenant_id: string; agent_id: string; n: number; baseline: number | null }>(
    `WITH cur AS (SELECT tenant_id, agent_id, sum(events)::int AS n FROM audit_agent_hours WHERE hour >= $1 AND hour < $2 GROUP BY 1, 2),
          hist AS (SELECT agent_id, sum(events)::float8 / count(DISTINCT hour) AS per_hour
                     FROM audit_agent_hours WHERE hour >= $3 AND hour < $1 AND agent_id IN (SELECT agent_id FROM cur) GROUP BY 1)
     SELECT cur.tenant_id, cur.agent_id, cur.n, hist.per_hour AS baseline FROM cur LEFT JOIN hist USING (agent_id)
      WHERE cur.n >= greatest($4::float8, coalesce(hist.per_hour, 0) * $5 * $6)`,
    [w.from, w.to, w.historyFrom, w.min, w.factor, hours],
  );
  return rows.map((r) => ({ tenantId: r.tenant_id, agentId: r.agent_id, observed: r.n, baseline: r.baseline }));
}

/** People active off-hours in [from, to) well beyond their own habit (mean off-hours events per day over the history). */
export async function selectOffHoursCandidates(
  q: Queryable,
  w: { from: Date; to: Date; historyFrom: Date; min: number; factor: number; startHour: number; endHour: number },
): Promise<Candidate[]> {
  const days = Math.max(1, (w.from.getTime() - w.historyFrom.getTime()) / 86_400_000);
  const { rows } = await q.query<{ tenant_id: string; agent_id: string; n: number; baseline: number | null }>(
    `WITH cur AS (SELECT tenant_id, agent_id, sum(events)::int AS n FROM audit_agent_hours
                   WHERE hour >= $1 AND hour < $2 AND agent_kind = 'user' AND ${OFF_HOURS} GROUP BY 1, 2),
          hist AS (SELECT agent_id, sum(events)::float8 / $8 AS per_day FROM audit_agent_hours
                   WHERE hour >= $3 AND hour < $1 AND agent_kind = 'user' AND ${OFF_HOURS} AND agent_id IN (SELECT agent_id FROM cur) GROUP BY 1)
     SELECT cur.tenant_id, cur.agent_id, cur.n, hist.per_day AS baseline FROM cur LEFT JOIN hist USING (agent_id)
      WHERE cur.n >= greatest($4::float8, coalesce(hist.per_day, 0) * $5)`,
    [w.from, w.to, w.historyFrom, w.min, w.factor, w.startHour, w.endHour, days],
  );
  return rows.map((r) => ({ tenantId: r.tenant_id, agentId: r.agent_id, observed: r.n, baseline: r.baseline }));
}

/** The rare kinds counted over a window; each has a partial index on the access index (migration 012). */
const COUNTED = {
  'no-care-relationship': `basis = 'no-care-relationship'`,
  'break-glass': `subtype = 'break-glass'`,
} as const;

/** Agents with at least `min` events of a kind in [from, to): denials for lack of a care relationship, or break-the-glass declarations. */
export async function selectCountCandidates(q: Queryable, w: { from: Date; to: Date; min: number; kind: keyof typeof COUNTED }): Promise<Candidate[]> {
  const { rows } = await q.query<{ tenant_id: string; agent_id: string; n: number }>(
    `SELECT tenant_id, agent_id, count(*)::int AS n FROM audit_access_index
      WHERE recorded >= $1 AND recorded < $2 AND ${COUNTED[w.kind]} GROUP BY 1, 2 HAVING count(*) >= $3`,
    [w.from, w.to, w.min],
  );
  return rows.map((r) => ({ tenantId: r.tenant_id, agentId: r.agent_id, observed: r.n, baseline: null }));
}

export interface AlertRow {
  id: number;
  rule: string;
  tenantId: string;
  agentId: string;
  windowStart: Date;
  windowEnd: Date;
  observed: number;
  baseline: number | null;
  detail: string;
  status: string;
  resolvedBy: string | null;
  resolvedAt: Date | null;
  createdAt: Date;
}

/** Inserts an alert, or raises the count of the same rule, agent and window. Returns it when it is new. */
export async function upsertAlert(q: Queryable, a: Omit<AlertRow, 'id' | 'status' | 'resolvedBy' | 'resolvedAt' | 'createdAt'>): Promise<boolean> {
  const { rows } = await q.query<{ inserted: boolean }>(
    `INSERT INTO audit_alerts (rule, tenant_id, agent_id, window_start, window_end, observed, baseline, detail)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (rule, agent_id, window_start) DO UPDATE SET observed = greatest(audit_alerts.observed, EXCLUDED.observed), detail = EXCLUDED.detail
     RETURNING (xmax = 0) AS inserted`,
    [a.rule, a.tenantId, a.agentId, a.windowStart, a.windowEnd, a.observed, a.baseline, a.detail],
  );
  return rows[0]?.inserted === true;
}

interface DbAlert {
  id: number; rule: string; tenant_id: string; agent_id: string; window_start: Date; window_end: Date; observed: number;
  baseline: number | null; detail: string; status: string; resolved_by: string | null; resolved_at: Date | null; created_at: Date;
}
const toAlert = (r: DbAlert): AlertRow => ({
  id: r.id, rule: r.rule, tenantId: r.tenant_id, agentId: r.agent_id, windowStart: r.window_start, windowEnd: r.window_end,
  observed: r.observed, baseline: r.baseline, detail: r.detail, status: r.status, resolvedBy: r.resolved_by, resolvedAt: r.resolved_at, createdAt: r.created_at,
});

export async function selectAlerts(q: Queryable, f: { status?: string; agentId?: string; limit: number }): Promise<AlertRow[]> {
  const { rows } = await q.query<DbAlert>(
    `SELECT * FROM audit_alerts WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR agent_id = $2) ORDER BY id DESC LIMIT $3`,
    [f.status ?? null, f.agentId ?? null, f.limit],
  );
  return rows.map(toAlert);
}

export async function resolveAlertRow(q: Queryable, id: number, status: 'dismissed' | 'confirmed', by: string): Promise<AlertRow | undefined> {
  const { rows } = await q.query<DbAlert>(
    `UPDATE audit_alerts SET status = $2, resolved_by = $3, resolved_at = now() WHERE id = $1 AND status = 'open' RETURNING *`,
    [id, status, by],
  );
  return rows[0] ? toAlert(rows[0]) : undefined;
}

export async function alertExists(q: Queryable, id: number): Promise<boolean> {
  const { rows } = await q.query('SELECT 1 FROM audit_alerts WHERE id = $1', [id]);
  return rows.length > 0;
}
