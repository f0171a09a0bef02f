import type { Queryable } from '../../platform/storage/index.js';

export interface MeasureScope {
  from: Date;
  to: Date;
  /** Only referrals this institution sent or received; undefined for the whole region. */
  tenantId?: string;
}

function where(s: MeasureScope): { sql: string; params: unknown[] } {
  const params: unknown[] = [s.from, s.to];
  let sql = 'requested_at >= $1 AND requested_at < $2';
  if (s.tenantId) {
    params.push(s.tenantId);
    sql += ' AND (sender_tenant = $3 OR receiver_tenant = $3)';
  }
  return { sql, params };
}

export interface SummaryRow {
  total: number;
  eligible: number;
  accepted: number;
  closed: number;
  open: number;
  declined: number;
  cancelled: number;
  expired: number;
  answered_in_time: number;
  answered_late: number;
  unanswered_late: number;
}

/** Counts over referrals requested in the window. `now` decides which unanswered ones are already late. */
export async function selectSummary(q: Queryable, s: MeasureScope, now: Date): Promise<SummaryRow> {
  const w = where(s);
  const n = w.params.length + 1;
  const { rows } = await q.query<SummaryRow>(
    `SELECT count(*)::int AS total,
       count(*) FILTER (WHERE state NOT IN ('cancelled', 'forwarded'))::int AS eligible,
       count(*) FILTER (WHERE accepted_at IS NOT NULL)::int AS accepted,
       count(*) FILTER (WHERE state = 'report-returned')::int AS closed,
       count(*) FILTER (WHERE closed_at IS NULL)::int AS open,
       count(*) FILTER (WHERE state = 'declined')::int AS declined,
       count(*) FILTER (WHERE state = 'cancelled')::int AS cancelled,
       count(*) FILTER (WHERE state = 'expired')::int AS expired,
       count(*) FILTER (WHERE responded_at IS NOT NULL AND responded_at <= response_due_at)::int AS answered_in_time,
       count(*) FILTER (WHERE responded_at > response_due_at)::int AS answered_late,
       count(*) FILTER (WHERE responded_at IS NULL AND response_due_at < $${n} AND state NOT IN ('cancelled'))::int AS unanswered_late
     FROM referrals WHERE ${w.sql}`,
    [...w.params, now],
  );
  return rows[0];
}

export interface DurationRow {
  measure: string;
  n: number;
  median_hours: number | null;
  p90_hours: number | null;
}

/** Median and p90 hours from request to acceptance, to the appointment, and to the returned report. */
export async function selectDurations(q: Queryable, s: MeasureScope): Promise<DurationRow[]> {
  const w = where(s);
  const parts = [
    ['toAcceptance', 'accepted_at'],
    ['toAppointment', 'appointment_at'],
    ['toReportReturned', 'report_returned_at'],
  ].map(([name, column]) =>
    `SELECT '${name}' AS measure, count(${column})::int AS n,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM ${column} - requested_at) / 3600.0) AS median_hours,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM ${column} - requested_at) / 3600.0) AS p90_hours
     FROM referrals WHERE ${w.sql} AND ${column} IS NOT NULL`);
  const { rows } = await q.query<DurationRow>(parts.join(' UNION ALL '), w.params);
  return rows.map((r) => ({ ...r, median_hours: r.median_hours === null ? null : Number(r.median_hours), p90_hours: r.p90_hours === null ? null : Number(r.p90_hours) }));
}

export async function selectDeclineReasons(q: Queryable, s: MeasureScope): Promise<Array<{ reason: string; n: number }>> {
  const w = where(s);
  const { rows } = await q.query<{ reason: string; n: number }>(
    `SELECT decline_reason AS reason, count(*)::int AS n FROM referrals WHERE ${w.sql} AND decline_reason IS NOT NULL GROUP BY decline_reason ORDER BY n DESC, reason`,
    w.params,
  );
  return rows;
}

export interface MonthlyRow {
  month: string;
  institution: string;
  role: 'sender' | 'receiver';
  direction: string;
  n: number;
}

/** Referrals per month (China Standard Time) per institution, as sender and as receiver, by direction. */
export async function selectMonthly(q: Queryable, s: MeasureScope): Promise<MonthlyRow[]> {
  const w = where(s);
  const month = `to_char((requested_at AT TIME ZONE 'UTC') + interval '8 hours', 'YYYY-MM')`;
  const { rows } = await q.query<MonthlyRow>(
    `SELECT ${month} AS month, sender_tenant AS institution, 'sender' AS role, direction, count(*)::int AS n FROM referrals WHERE ${w.sql} GROUP BY 1, 2, 4
     UNION ALL
     SELECT ${month} AS month, receiver_tenant AS institution, 'receiver' AS role, direction, count(*)::int AS n FROM referrals WHERE ${w.sql} GROUP BY 1, 2, 4
     ORDER BY 1, 2, 3, 4`,
    w.params,
  );
  return s.tenantId ? rows.filter((r) => r.institution === s.tenantId) : rows;
}
