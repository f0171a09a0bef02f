import type { Queryable } from '../../../platform/storage/index.js';

export type JobState = 'accepted' | 'in-progress' | 'completed' | 'failed' | 'cancelled';

/** One file of a finished export. */
export interface OutputFile {
  type: string;
  file: string;
  count: number;
}

export interface ExportJob {
  id: string;
  tenantId: string;
  level: 'system' | 'patient';
  requestUrl: string;
  types: string[] | null;
  since: Date | null;
  state: JobState;
  transactionTime: Date | null;
  progress: string | null;
  output: OutputFile[];
  error: string | null;
  runs: number;
}

interface JobRow {
  id: string;
  tenant_id: string;
  level: 'system' | 'patient';
  request_url: string;
  types: string[] | null;
  since: Date | null;
  state: JobState;
  transaction_time: Date | null;
  progress: string | null;
  output: OutputFile[];
  error: string | null;
  runs: number;
}

const COLUMNS = 'id, tenant_id, level, request_url, types, since, state, transaction_time, progress, output, error, runs';

function toJob(r: JobRow): ExportJob {
  return {
    id: r.id, tenantId: r.tenant_id, level: r.level, requestUrl: r.request_url, types: r.types, since: r.since, state: r.state,
    transactionTime: r.transaction_time, progress: r.progress, output: r.output ?? [], error: r.error, runs: r.runs,
  };
}

/** A new job, owned at once by the process that accepted it (its heartbeat starts now). */
export async function insertJob(q: Queryable, job: { id: string; tenantId: string; level: string; requestUrl: string; types?: string[]; since?: Date }): Promise<void> {
  await q.query(
    `INSERT INTO bulk_export_jobs (id, tenant_id, level, request_url, types, since, state, runs, heartbeat_at)
     VALUES ($1, $2, $3, $4, $5, $6, 'in-progress', 1, now())`,
    [job.id, job.tenantId, job.level, job.requestUrl, job.types ?? null, job.since ?? null],
  );
}

export async function selectJob(q: Queryable, tenantId: string, id: string): Promise<ExportJob | undefined> {
  const { rows } = await q.query<JobRow>(`SELECT ${COLUMNS} FROM bulk_export_jobs WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
  return rows[0] ? toJob(rows[0]) : undefined;
}

export async function selectJobState(q: Queryable, id: string): Promise<JobState | undefined> {
  const { rows } = await q.query<{ state: JobState }>('SELECT state FROM bulk_export_jobs WHERE id = $1', [id]);
  return rows[0]?.state;
}

/**
 * Takes over jobs whose owner stopped beating (a crash or a stop): they run
 * again from the start with a new transaction time; jobs that already ran
 * `maxRuns` times fail instead of looping.
 */
export async function claimStaleJobs(q: Queryable, leaseMs: number, maxRuns: number): Promise<ExportJob[]> {
  await q.query(
    `UPDATE bulk_export_jobs SET state = 'failed', error = 'The export was interrupted ' || runs || ' times', finished_at = now()
      WHERE state IN ('accepted', 'in-progress') AND runs >= $2
        AND (heartbeat_at IS NULL OR heartbeat_at < now() - ($1::int8 * interval '1 millisecond'))`,
    [leaseMs, maxRuns],
  );
  const { rows } = await q.query<JobRow>(
    `UPDATE bulk_export_jobs SET state = 'in-progress', runs = runs + 1, heartbeat_at = now(), output = '[]', progress = NULL
      WHERE id IN (SELECT id FROM bulk_export_jobs
                    WHERE state IN ('accepted', 'in-progress')
                      AND (heartbeat_at IS NULL OR heartbeat_at < now() - ($1::int8 * interval '1 millisecond'))
                    FOR UPDATE SKIP LOCKED)
      RETURNING ${COLUMNS}`,
    [leaseMs],
  );
  return rows.map(toJob);
}

/** Records progress and proves the owner is alive. Returns the job's state (a DELETE may have cancelled it). */
export async function beatJob(q: Queryable, id: string, progress: string): Promise<JobState | undefined> {
  const { rows } = await q.query<{ state: JobState }>(
    `UPDATE bulk_export_jobs SET heartbeat_at = now(), progress = $2 WHERE id = $1 RETURNING state`,
    [id, progress],
  );
  return rows[0]?.state;
}

export async function completeJob(q: Queryable, id: string, transactionTime: Date, output: OutputFile[]): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE bulk_export_jobs SET state = 'completed', transaction_time = $2, output = $3, progress = 'done', finished_at = now()
      WHERE id = $1 AND state = 'in-progress'`,
    [id, transactionTime, JSON.stringify(output)],
  );
  return rowCount > 0;
}

export async function failJob(q: Queryable, id: string, error: string): Promise<void> {
  await q.query(
    `UPDATE bulk_export_jobs SET state = 'failed', error = $2, finished_at = now() WHERE id = $1 AND state = 'in-progress'`,
    [id, error.slice(0, 2000)],
  );
}

/** Hands a job back on a clean stop, so the next start resumes it at once. */
export async function releaseJob(q: Queryable, id: string): Promise<void> {
  await q.query(`UPDATE bulk_export_jobs SET state = 'accepted', heartbeat_at = NULL WHERE id = $1 AND state = 'in-progress'`, [id]);
}

/** DELETE on the status URL. Returns false when there is no such job for the tenant. */
export async function cancelJob(q: Queryable, tenantId: string, id: string): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE bulk_export_jobs SET state = 'cancelled', finished_at = COALESCE(finished_at, now())
      WHERE tenant_id = $1 AND id = $2 AND state <> 'cancelled'`,
    [tenantId, id],
  );
  return rowCount > 0;
}

/** The now() of the database: every process agrees on the transaction time. */
export async function selectNow(q: Queryable): Promise<Date> {
  const { rows } = await q.query<{ now: Date }>('SELECT now() AS now');
  return rows[0].now;
}

/** The types a tenant holds, for an export without `_type`. Patient level: Patients and resources in a Patient compartment. */
export async function selectTypesPresent(q: Queryable, tenantId: string, level: 'system' | 'patient'): Promise<string[]> {
  const { rows } = await q.query<{ resource_type: string }>(
    level === 'system'
      ? `SELECT DISTINCT resource_type FROM fhir_resources WHERE tenant_id = $1`
      : `SELECT DISTINCT resource_type FROM fhir_resources WHERE tenant_id = $1 AND (patient_id IS NOT NULL OR resource_type = 'Patient')`,
    [tenantId],
  );
  return rows.map((r) => r.resource_type).sort();
}

export interface ExportRow {
  id: string;
  lastUpdated: Date;
  json: string | null;
}

/**
 * One keyset page (ids after `afterId`) of a type: the current rows that
 * belong in the export, plus every row changed after the transaction time
 * (whose version at that time the caller looks up in the history). The JSON
 * comes back as text and is written as is: no parse, no re-serialisation.
 */
export async function selectExportPage(
  q: Queryable,
  p: { tenantId: string; resourceType: string; afterId: string; limit: number; since: Date | null; until: Date; patientOnly: boolean },
): Promise<ExportRow[]> {
  const { rows } = await q.query<{ id: string; last_updated: Date; json: string | null }>(
    `SELECT id, last_updated, CASE WHEN last_updated > $5 THEN NULL ELSE content::text END AS json
       FROM fhir_resources
      WHERE tenant_id = $1 AND resource_type = $2 AND id > $3
        AND (last_updated > $5 OR (NOT deleted AND ($6::timestamptz IS NULL OR last_updated > $6)))
        AND ($7::boolean = false OR patient_id IS NOT NULL OR resource_type = 'Patient')
      ORDER BY id
      LIMIT $4`,
    [p.tenantId, p.resourceType, p.afterId, p.limit, p.until, p.since, p.patientOnly],
  );
  return rows.map((r) => ({ id: r.id, lastUpdated: r.last_updated, json: r.json }));
}

/** The versions current at `at` of resources changed since (deleted or absent then: left out). */
export async function selectVersionsAt(q: Queryable, tenantId: string, resourceType: string, ids: readonly string[], at: Date, since: Date | null): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const { rows } = await q.query<{ id: string; deleted: boolean; last_updated: Date; json: string | null }>(
    `SELECT DISTINCT ON (id) id, deleted, last_updated, content::text AS json
       FROM fhir_resource_history
      WHERE tenant_id = $1 AND resource_type = $2 AND id = ANY($3::text[]) AND last_updated <= $4
      ORDER BY id, version_id DESC`,
    [tenantId, resourceType, ids, at],
  );
  const out = new Map<string, string>();
  for (const r of rows) {
    if (!r.deleted && r.json && (!since || r.last_updated > since)) out.set(r.id, r.json);
  }
  return out;
}
