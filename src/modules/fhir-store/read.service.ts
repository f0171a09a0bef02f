import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import type { RequestContext } from '../../platform/context/request-context.js';
import { HubError } from '../../platform/errors/index.js';
import type { Queryable } from '../../platform/storage/index.js';
import { FhirErrors } from './errors.js';
import { selectCurrent, selectHistory, selectVersion, type CurrentJsonRow, type HistoryRow } from './resource.repo.js';
import { assertValidId } from './validation.js';

/** Read (GET [type]/[id]): 404 when never existed, 410 when deleted. */
export async function readResource(db: Queryable, ctx: RequestContext, type: string, id: string): Promise<Resource> {
  assertValidId(id);
  const row = await selectCurrent(db, ctx.tenantId, type, id);
  if (!row) throw new HubError(FhirErrors.NOT_FOUND, `${type}/${id} not found`);
  if (row.deleted || !row.content) {
    throw new HubError(FhirErrors.GONE, `${type}/${id} was deleted`, { headers: { ETag: `W/"${row.version_id}"` } });
  }
  return row.content;
}

/** A current resource as the stored JSON text, for the HTTP read that sends it unparsed. */
export interface StoredJson {
  json: string;
  versionId: number;
  lastUpdated: Date;
  patientId: string | null;
}

/** Where current rows come from: the grouped reader of the HTTP route (read-batcher.ts). */
export interface CurrentRowSource {
  read(tenantId: string, resourceType: string, id: string): Promise<CurrentJsonRow | undefined>;
}

/** Read (GET [type]/[id]) returning stored JSON text; the same 404 / 410 rules as {@link readResource}. */
export async function readResourceJson(source: CurrentRowSource, ctx: RequestContext, type: string, id: string): Promise<StoredJson> {
  assertValidId(id);
  const row = await source.read(ctx.tenantId, type, id);
  if (!row) throw new HubError(FhirErrors.NOT_FOUND, `${type}/${id} not found`);
  if (row.deleted || row.content === null) {
    throw new HubError(FhirErrors.GONE, `${type}/${id} was deleted`, { headers: { ETag: `W/"${row.version_id}"` } });
  }
  return { json: row.content, versionId: row.version_id, lastUpdated: row.last_updated, patientId: row.patient_id };
}

/** Version read (GET [type]/[id]/_history/[vid]). */
export async function readResourceVersion(db: Queryable, ctx: RequestContext, type: string, id: string, versionId: string): Promise<Resource> {
  assertValidId(id);
  if (!/^\d{1,15}$/.test(versionId)) throw new HubError(FhirErrors.NOT_FOUND, `Version "${versionId}" of ${type}/${id} not found`);
  const row = await selectVersion(db, ctx.tenantId, type, id, Number(versionId));
  if (!row) throw new HubError(FhirErrors.NOT_FOUND, `Version ${versionId} of ${type}/${id} not found`);
  if (row.deleted || !row.content) throw new HubError(FhirErrors.GONE, `Version ${versionId} of ${type}/${id} is a deletion`);
  return row.content;
}

export interface HistoryParams {
  resourceType?: string;
  id?: string;
  since?: string;
  at?: string;
  count?: string;
  offset?: string;
}

function parseInstant(name: string, value: string): Date {
  const date = new Date(value);
  if (!/^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/.test(value) || Number.isNaN(date.getTime())) {
    throw new HubError(FhirErrors.INVALID_PARAMETER, `${name} must be a FHIR instant or date, got "${value}"`, { expression: [name] });
  }
  return date;
}

function parseCount(value: string | undefined, fallback: number, max: number, name = '_count'): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new HubError(FhirErrors.INVALID_PARAMETER, `${name} must be a non-negative integer`, { expression: [name] });
  return Math.min(Number(value), max);
}

function historyEntry(ctx: RequestContext, row: HistoryRow): BundleEntry {
  const url = `${row.resource_type}/${row.id}`;
  const entry: BundleEntry = {
    fullUrl: `${ctx.baseUrl}/fhir/${url}`,
    request: { method: row.method === 'PATCH' ? 'PATCH' : (row.method as 'POST' | 'PUT' | 'DELETE'), url: row.method === 'POST' ? row.resource_type : url },
    response: { status: row.deleted ? '204' : row.version_id === 1 ? '201' : '200', etag: `W/"${row.version_id}"`, lastModified: row.last_updated.toISOString() },
  };
  if (row.content) entry.resource = row.content;
  return entry;
}

/**
 * History for an instance, a type or the whole tenant, newest first, with
 * `_since`, `_at` (versions current at that instant… approximated as changes
 * up to it), `_count` and next links (https://hl7.org/fhir/R4/http.html#history).
 */
export async function readHistory(
  db: Queryable,
  ctx: RequestContext,
  params: HistoryParams,
  paging: { defaultPageSize: number; maxPageSize: number },
): Promise<Bundle> {
  if (params.id) assertValidId(params.id);
  const since = params.since ? parseInstant('_since', params.since) : undefined;
  const at = params.at ? parseInstant('_at', params.at) : undefined;
  const count = parseCount(params.count, paging.defaultPageSize, paging.maxPageSize);
  const offset = parseCount(params.offset, 0, Number.MAX_SAFE_INTEGER, '_offset');
  const { rows, total } = await selectHistory(db, {
    tenantId: ctx.tenantId, resourceType: params.resourceType, id: params.id, since, before: at ? new Date(at.getTime() + 1) : undefined, limit: count, offset,
  });
  if (params.id && total === 0) throw new HubError(FhirErrors.NOT_FOUND, `${params.resourceType}/${params.id} not found`);
  const path = [params.resourceType, params.id].filter(Boolean).join('/');
  const base = `${ctx.baseUrl}/fhir/${path ? `${path}/` : ''}_history`;
  const query = (o: number) => {
    const q = new URLSearchParams();
    if (params.since) q.set('_since', params.since);
    if (params.at) q.set('_at', params.at);
    q.set('_count', String(count));
    if (o > 0) q.set('_offset', String(o));
    return `${base}?${q.toString()}`;
  };
  const link: Bundle['link'] = [{ relation: 'self', url: query(offset) }];
  if (offset + rows.length < total && count > 0) link.push({ relation: 'next', url: query(offset + count) });
  if (offset > 0) link.push({ relation: 'previous', url: query(Math.max(0, offset - count)) });
  return { resourceType: 'Bundle', type: 'history', total, link, entry: rows.map((row) => historyEntry(ctx, row)) };
}
