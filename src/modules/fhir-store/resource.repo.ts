import type { Resource } from '@medplum/fhirtypes';
import type { Queryable } from '../../platform/storage/index.js';

export interface ResourceRow {
  version_id: number;
  last_updated: Date;
  deleted: boolean;
  content: Resource | null;
}

export interface VersionToWrite {
  tenantId: string;
  resourceType: string;
  id: string;
  versionId: number;
  lastUpdated: Date;
  deleted: boolean;
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  patientId: string | null;
  content: Resource | null;
}

export interface HistoryRow {
  resource_type: string;
  id: string;
  version_id: number;
  last_updated: Date;
  deleted: boolean;
  method: string;
  content: Resource | null;
}

export async function selectCurrent(
  q: Queryable,
  tenantId: string,
  resourceType: string,
  id: string,
  forUpdate = false,
): Promise<ResourceRow | undefined> {
  const result = await q.query<ResourceRow>(
    `SELECT version_id, last_updated, deleted, content FROM fhir_resources
     WHERE tenant_id = $1 AND resource_type = $2 AND id = $3${forUpdate ? ' FOR UPDATE' : ''}`,
    [tenantId, resourceType, id],
  );
  return result.rows[0];
}

export async function selectVersion(
  q: Queryable,
  tenantId: string,
  resourceType: string,
  id: string,
  versionId: number,
): Promise<ResourceRow | undefined> {
  const result = await q.query<ResourceRow>(
    `SELECT version_id, last_updated, deleted, content FROM fhir_resource_history
     WHERE tenant_id = $1 AND resource_type = $2 AND id = $3 AND version_id = $4`,
    [tenantId, resourceType, id, versionId],
  );
  return result.rows[0];
}

/**
 * Writes one version in one statement: the current row (insert or replace),
 * its history row and, with `eventType`, the outbox event.
 */
export async function writeVersion(q: Queryable, v: VersionToWrite, eventType?: string): Promise<void> {
  const outbox = eventType
    ? `, ev AS (INSERT INTO outbox_events (tenant_id, event_type, resource_type, resource_id, version_id) VALUES ($1, $10, $2, $3, $4))`
    : '';
  await q.query(
    `WITH cur AS (
       INSERT INTO fhir_resources (tenant_id, resource_type, id, version_id, last_updated, deleted, patient_id, content)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (tenant_id, resource_type, id) DO UPDATE SET
         version_id = EXCLUDED.version_id, last_updated = EXCLUDED.last_updated, deleted = EXCLUDED.deleted,
         patient_id = EXCLUDED.patient_id, content = EXCLUDED.content
     )${outbox}
     INSERT INTO fhir_resource_history (tenant_id, resource_type, id, version_id, last_updated, deleted, method, content)
     VALUES ($1, $2, $3, $4, $5, $6, $9, $8)`,
    [v.tenantId, v.resourceType, v.id, v.versionId, v.lastUpdated, v.deleted, v.patientId, v.content, v.method, ...(eventType ? [eventType] : [])],
  );
}

/** Inserts many first versions at once (bulk loads). Fails as a whole if any id already exists. */
export async function insertFirstVersions(q: Queryable, versions: VersionToWrite[]): Promise<void> {
  if (versions.length === 0) return;
  const cols = {
    tenant: versions.map((v) => v.tenantId),
    type: versions.map((v) => v.resourceType),
    id: versions.map((v) => v.id),
    at: versions.map((v) => v.lastUpdated.toISOString()),
    patient: versions.map((v) => v.patientId),
    content: versions.map((v) => JSON.stringify(v.content)),
  };
  await q.query(
    `INSERT INTO fhir_resources (tenant_id, resource_type, id, version_id, last_updated, deleted, patient_id, content)
     SELECT t, r, i, 1, a::timestamptz, false, p, c::jsonb
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS x(t, r, i, a, p, c)`,
    [cols.tenant, cols.type, cols.id, cols.at, cols.patient, cols.content],
  );
  await q.query(
    `INSERT INTO fhir_resource_history (tenant_id, resource_type, id, version_id, last_updated, deleted, method, content)
     SELECT t, r, i, 1, a::timestamptz, false, 'POST', c::jsonb
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS x(t, r, i, a, c)`,
    [cols.tenant, cols.type, cols.id, cols.at, cols.content],
  );
}

/**
 * Inserts first versions of new resources, possibly of several tenants (a
 * group commit of concurrent creates), with their history rows and
 * `fhir.create` outbox events, in ONE statement: atomic on its own, one round
 * trip. The rows travel as one JSON array (`jsonb_to_recordset`): a single
 * JSON.stringify in the hub and one parse in the server, where text arrays
 * would escape every document element by element and parse it twice.
 */
export async function insertCreatedVersions(q: Queryable, versions: readonly VersionToWrite[]): Promise<void> {
  if (versions.length === 0) return;
  const rows = versions.map((v) => ({ t: v.tenantId, r: v.resourceType, i: v.id, a: v.lastUpdated.toISOString(), p: v.patientId, c: v.content }));
  await q.query(
    `WITH x AS MATERIALIZED (
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(t text, r text, i text, a timestamptz, p text, c jsonb)
     ), cur AS (
       INSERT INTO fhir_resources (tenant_id, resource_type, id, version_id, last_updated, deleted, patient_id, content)
       SELECT t, r, i, 1, a, false, p, c FROM x
     ), hist AS (
       INSERT INTO fhir_resource_history (tenant_id, resource_type, id, version_id, last_updated, deleted, method, content)
       SELECT t, r, i, 1, a, false, 'POST', c FROM x
     )
     INSERT INTO outbox_events (tenant_id, event_type, resource_type, resource_id, version_id)
     SELECT t, 'fhir.create', r, i, 1 FROM x`,
    [JSON.stringify(rows)],
    { prepareAs: 'fhir_insert_created_v1' },
  );
}

/** The current row of one resource, with its document as stored JSON text (not parsed). */
export interface CurrentJsonRow {
  version_id: number;
  last_updated: Date;
  deleted: boolean;
  /** The stored document as JSON text, meta included; null once deleted. */
  content: string | null;
  /** The Patient whose compartment holds it (for the audit record of the read). */
  patient_id: string | null;
}

/**
 * Current rows of many resources in one indexed statement (grouped reads);
 * the result is aligned with `keys` (undefined where a resource never existed).
 */
export async function selectCurrentJsonMany(
  q: Queryable,
  keys: ReadonlyArray<{ tenantId: string; resourceType: string; id: string }>,
): Promise<Array<CurrentJsonRow | undefined>> {
  const result = await q.query<CurrentJsonRow & { n: number }>(
    `SELECT x.n, f.version_id, f.last_updated, f.deleted, f.patient_id, f.content::text AS content
       FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS x(t, r, i, n)
       JOIN fhir_resources f ON f.tenant_id = x.t AND f.resource_type = x.r AND f.id = x.i`,
    [keys.map((k) => k.tenantId), keys.map((k) => k.resourceType), keys.map((k) => k.id)],
    { prepareAs: 'fhir_select_current_json_v2' },
  );
  const out: Array<CurrentJsonRow | undefined> = new Array(keys.length).fill(undefined);
  for (const { n, ...row } of result.rows) out[Number(n) - 1] = row;
  return out;
}

export interface OutboxEvent {
  tenantId: string;
  eventType: string;
  resourceType: string;
  resourceId: string;
  versionId: number;
}

export async function insertOutboxEvents(q: Queryable, events: OutboxEvent[]): Promise<void> {
  if (events.length === 0) return;
  await q.query(
    `INSERT INTO outbox_events (tenant_id, event_type, resource_type, resource_id, version_id)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[])`,
    [
      events.map((e) => e.tenantId),
      events.map((e) => e.eventType),
      events.map((e) => e.resourceType),
      events.map((e) => e.resourceId),
      events.map((e) => e.versionId),
    ],
  );
}

export interface HistoryQuery {
  tenantId: string;
  resourceType?: string;
  id?: string;
  since?: Date;
  before?: Date;
  limit: number;
  offset: number;
}

/** History newest first, for an instance, a type or the whole tenant. */
export async function selectHistory(q: Queryable, h: HistoryQuery): Promise<{ rows: HistoryRow[]; total: number }> {
  const where = ['tenant_id = $1'];
  const params: unknown[] = [h.tenantId];
  if (h.resourceType) where.push(`resource_type = $${params.push(h.resourceType)}`);
  if (h.id) where.push(`id = $${params.push(h.id)}`);
  if (h.since) where.push(`last_updated >= $${params.push(h.since)}`);
  if (h.before) where.push(`last_updated < $${params.push(h.before)}`);
  const whereSql = where.join(' AND ');
  const total = await q.query<{ n: number }>(`SELECT count(*)::int8 AS n FROM fhir_resource_history WHERE ${whereSql}`, params);
  const rows = await q.query<HistoryRow>(
    `SELECT resource_type, id, version_id, last_updated, deleted, method, content FROM fhir_resource_history
     WHERE ${whereSql} ORDER BY last_updated DESC, version_id DESC, id LIMIT $${params.push(h.limit)} OFFSET $${params.push(h.offset)}`,
    params,
  );
  return { rows: rows.rows, total: Number(total.rows[0]?.n ?? 0) };
}
