import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { randomUUID } from 'node:crypto';
import type { RequestContext } from '../../platform/context/request-context.js';
import { HubError } from '../../platform/errors/index.js';
import type { Db, Tx } from '../../platform/storage/index.js';
import { assertPermission } from '../access/index.js';
import { auditFhirInteraction } from '../audit/index.js';
import { bundleInteraction } from './access-audit.js';
import { ConditionalReferenceResolver, rewriteReferences } from './bundle-references.js';
import { findPatientId } from './compartment.js';
import { FhirErrors } from './errors.js';
import { patchInTx } from './patch.service.js';
import { readHistory, readResource, readResourceVersion } from './read.service.js';
import { findMatchingResources, searchResources, type SearchQuery } from './search/search.service.js';
import { assertResourceType, assertValidResource } from './validation.js';
import { conditionalDeleteInTx, conditionalUpdateInTx, createInTx, deleteInTx, insertNewResourcesInTx, updateInTx, type WriteResult } from './write.service.js';

export interface BundleOptions {
  defaultPageSize: number;
  maxPageSize: number;
}

type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
/** Transaction processing order: https://hl7.org/fhir/R4/http.html#trules */
const ORDER: Record<Method, number> = { DELETE: 0, POST: 1, PUT: 2, PATCH: 2, GET: 3, HEAD: 3 };

interface ParsedUrl {
  type: string;
  id?: string;
  vid?: string;
  history?: boolean;
  query?: string;
}

function parseEntryUrl(url: string, baseUrl: string, where: string): ParsedUrl {
  let path = url.startsWith(`${baseUrl}/fhir/`) ? url.slice(baseUrl.length + 6) : url.replace(/^\//, '');
  let query: string | undefined;
  const q = path.indexOf('?');
  if (q >= 0) {
    query = path.slice(q + 1);
    path = path.slice(0, q);
  }
  const parts = path.split('/').filter(Boolean);
  const valid = parts.length >= 1 && parts.length <= 4 && (parts.length < 3 || parts[2] === '_history');
  if (!valid) throw new HubError(FhirErrors.INVALID_BUNDLE, `${where}: unsupported request url "${url}"`);
  assertResourceType(parts[0]);
  return { type: parts[0], id: parts[1], history: parts[2] === '_history', vid: parts[3], query };
}

function toSearchQuery(query: string | undefined): SearchQuery {
  const out: SearchQuery = {};
  for (const [key, value] of new URLSearchParams(query ?? '')) {
    const existing = out[key];
    out[key] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return out;
}

function writeResponse(result: WriteResult, baseUrl: string): BundleEntry {
  const status = { created: '201 Created', updated: '200 OK', existing: '200 OK', deleted: '204 No Content', 'not-found': '204 No Content' }[result.outcome];
  const entry: BundleEntry = { response: { status } };
  if (result.versionId !== undefined && result.outcome !== 'deleted') {
    entry.response!.etag = `W/"${result.versionId}"`;
    entry.response!.location = `${baseUrl}/fhir/${result.resourceType}/${result.id}/_history/${result.versionId}`;
  }
  if (result.lastUpdated) entry.response!.lastModified = result.lastUpdated.toISOString();
  if (result.resource) {
    entry.fullUrl = `${baseUrl}/fhir/${result.resourceType}/${result.id}`;
    entry.resource = result.resource;
  }
  return entry;
}

interface PlannedEntry {
  index: number;
  method: Method;
  url: ParsedUrl;
  entry: BundleEntry;
  /** Server id chosen in advance for a POST, so references to its fullUrl can be rewritten. */
  assignedId?: string;
  /** True when the POST creates a new resource (no conditional-create match). */
  assignedIsNew?: boolean;
}

function planEntry(entry: BundleEntry, index: number, baseUrl: string): PlannedEntry {
  const where = `Bundle.entry[${index}]`;
  const method = entry.request?.method as Method | undefined;
  if (!method || !(method in ORDER) || !entry.request?.url) {
    throw new HubError(FhirErrors.INVALID_BUNDLE, `${where}: request.method and request.url are required`, { expression: [`${where}.request`] });
  }
  const url = parseEntryUrl(entry.request.url, baseUrl, where);
  if ((method === 'POST' || method === 'PUT') && !entry.resource) {
    throw new HubError(FhirErrors.INVALID_BUNDLE, `${where}: ${method} needs a resource`, { expression: [`${where}.resource`] });
  }
  return { index, method, url, entry };
}

/** Runs one entry inside `tx` and returns its response entry. */
async function executeEntry(tx: Tx, ctx: RequestContext, p: PlannedEntry, options: BundleOptions): Promise<BundleEntry> {
  const { type, id, vid, history, query } = p.url;
  const req = p.entry.request!;
  const scopes = ctx.scopes;
  switch (p.method) {
    case 'GET':
    case 'HEAD': {
      // Reads inside a batch or transaction are audited in its transaction, like its writes.
      if (id && vid) {
        assertPermission(scopes, type, 'r');
        const resource = await readResourceVersion(tx, ctx, type, id, vid);
        await auditFhirInteraction(tx, ctx, { interaction: 'vread', resourceType: type, id, versionId: vid, patientId: findPatientId(resource) });
        return { resource, response: { status: '200 OK' } };
      }
      if (id && history) {
        assertPermission(scopes, type, 'r');
        const bundle = await readHistory(tx, ctx, { resourceType: type, id }, options);
        await auditFhirInteraction(tx, ctx, bundleInteraction('history-instance', req.url ?? '', bundle, type === 'Patient' ? id : undefined));
        return { resource: bundle, response: { status: '200 OK' } };
      }
      if (id) {
        assertPermission(scopes, type, 'r');
        const resource = await readResource(tx, ctx, type, id);
        await auditFhirInteraction(tx, ctx, { interaction: 'read', resourceType: type, id, versionId: resource.meta?.versionId, patientId: findPatientId(resource) });
        return { resource, response: { status: '200 OK', etag: `W/"${resource.meta?.versionId}"` } };
      }
      assertPermission(scopes, type, 's');
      const bundle = await searchResources(tx, ctx, type, toSearchQuery(query), options);
      await auditFhirInteraction(tx, ctx, bundleInteraction('search-type', req.url ?? '', bundle));
      return { resource: bundle, response: { status: '200 OK' } };
    }
    case 'POST':
      assertPermission(scopes, type, 'c');
      return writeResponse(await createInTx(tx, ctx, p.entry.resource, type, { ifNoneExist: req.ifNoneExist, id: p.assignedId }), ctx.baseUrl);
    case 'PUT':
      assertPermission(scopes, type, 'u');
      if (id) return writeResponse(await updateInTx(tx, ctx, type, id, p.entry.resource, { ifMatch: req.ifMatch }), ctx.baseUrl);
      return writeResponse(await conditionalUpdateInTx(tx, ctx, type, query ?? '', p.entry.resource, { ifMatch: req.ifMatch }), ctx.baseUrl);
    case 'PATCH': {
      assertPermission(scopes, type, 'u');
      if (!id) throw new HubError(FhirErrors.NOT_SUPPORTED, 'Conditional patch is not supported');
      const body = p.entry.resource?.resourceType === 'Binary' ? JSON.parse(Buffer.from((p.entry.resource as { data?: string }).data ?? '', 'base64').toString('utf8')) : p.entry.resource;
      return writeResponse(await patchInTx(tx, ctx, type, id, body, { ifMatch: req.ifMatch }), ctx.baseUrl);
    }
    case 'DELETE':
      assertPermission(scopes, type, 'd');
      if (id) return writeResponse(await deleteInTx(tx, ctx, type, id, { ifMatch: req.ifMatch }), ctx.baseUrl);
      return writeResponse(await conditionalDeleteInTx(tx, ctx, type, query ?? ''), ctx.baseUrl);
  }
}

/**
 * Resolves identities inside a transaction before anything is written:
 * POSTs get their server id now (or the id of the existing match for a
 * conditional create), so every reference to an entry's `urn:uuid:` fullUrl
 * can be rewritten to `Type/id`; conditional references are resolved too.
 */
async function resolveTransactionReferences(tx: Tx, ctx: RequestContext, planned: PlannedEntry[]): Promise<void> {
  const idMap = new Map<string, string>();
  for (const p of planned) {
    const fullUrl = p.entry.fullUrl;
    if (p.method === 'POST') {
      let id: string = randomUUID();
      let isNew = true;
      if (p.entry.request?.ifNoneExist) {
        // Several matches stay on the per-entry path, which answers 412.
        const found = await findMatchingResources(tx, ctx.tenantId, p.url.type, p.entry.request.ifNoneExist, 2);
        if (found.length >= 1) isNew = false;
        if (found.length === 1) id = found[0].id!;
      }
      p.assignedId = id;
      p.assignedIsNew = isNew;
      if (fullUrl) idMap.set(fullUrl, `${p.url.type}/${id}`);
    } else if (p.method === 'PUT' && fullUrl && p.url.id) {
      idMap.set(fullUrl, `${p.url.type}/${p.url.id}`);
    }
  }
  const resolver = new ConditionalReferenceResolver(tx, ctx.tenantId);
  for (const p of planned) {
    if (!p.entry.resource) continue;
    rewriteReferences(p.entry.resource, (ref) => idMap.get(ref));
    await resolver.resolveAll(p.entry.resource, `Bundle.entry[${p.index}]`);
  }
}

function assertBundle(body: unknown): asserts body is Bundle {
  if (!body || typeof body !== 'object' || (body as Resource).resourceType !== 'Bundle') {
    throw new HubError(FhirErrors.INVALID_BUNDLE, 'POST to the base needs a Bundle of type batch or transaction');
  }
  const type = (body as Bundle).type;
  if (type !== 'batch' && type !== 'transaction') {
    throw new HubError(FhirErrors.INVALID_BUNDLE, `Bundle.type must be batch or transaction, not "${type}"`, { expression: ['Bundle.type'] });
  }
  if ((body as Bundle).entry !== undefined && !Array.isArray((body as Bundle).entry)) {
    throw new HubError(FhirErrors.INVALID_BUNDLE, 'Bundle.entry must be an array', { expression: ['Bundle.entry'] });
  }
}

/** Processes a batch or transaction Bundle (POST [base]). */
export async function processBundle(db: Db, ctx: RequestContext, body: unknown, options: BundleOptions): Promise<Bundle> {
  assertBundle(body);
  const entries = body.entry ?? [];
  if (body.type === 'transaction') {
    const planned = entries.map((entry, index) => planEntry(entry, index, ctx.baseUrl));
    return processTransaction(db, ctx, planned, options);
  }
  return processBatch(db, ctx, entries, options);
}

function entryFailure(err: unknown, p: PlannedEntry): unknown {
  if (!(err instanceof HubError)) return err;
  return new HubError(
    { code: err.code, status: err.status, issue: err.issueType },
    `Transaction failed at Bundle.entry[${p.index}] (${p.method} ${p.entry.request?.url}): ${err.message}`,
    { expression: err.expression ?? [`Bundle.entry[${p.index}]`], extraIssues: err.extraIssues },
  );
}

/**
 * Writes the POSTs whose conditional create found nothing (the common case:
 * a Synthea patient bundle is hundreds of them) with a few bulk statements
 * instead of several statements per entry. Returns the entries it handled.
 */
async function createNewEntriesInBulk(tx: Tx, ctx: RequestContext, planned: PlannedEntry[], responses: BundleEntry[]): Promise<Set<PlannedEntry>> {
  const fresh = planned.filter((p) => p.method === 'POST' && p.assignedIsNew);
  for (const p of fresh) {
    try {
      assertPermission(ctx.scopes, p.url.type, 'c');
      assertValidResource(p.entry.resource, p.url.type);
    } catch (err) {
      throw entryFailure(err, p);
    }
  }
  const stored = await insertNewResourcesInTx(tx, ctx.tenantId, fresh.map((p) => ({ ...p.entry.resource!, id: p.assignedId })), { baseUrl: ctx.baseUrl, audit: ctx });
  fresh.forEach((p, i) => {
    const resource = stored[i];
    responses[p.index] = writeResponse(
      { outcome: 'created', resource, resourceType: resource.resourceType, id: resource.id, versionId: 1, lastUpdated: new Date(resource.meta!.lastUpdated!) },
      ctx.baseUrl,
    );
  });
  return new Set(fresh);
}

/** All entries or none: one database transaction; the first failure rolls everything back. */
async function processTransaction(db: Db, ctx: RequestContext, planned: PlannedEntry[], options: BundleOptions): Promise<Bundle> {
  const responses: BundleEntry[] = new Array(planned.length);
  await db.transaction(async (tx) => {
    await resolveTransactionReferences(tx, ctx, planned);
    const ordered = [...planned].sort((a, b) => ORDER[a.method] - ORDER[b.method] || a.index - b.index);
    let bulkDone: Set<PlannedEntry> | undefined;
    for (const p of ordered) {
      if (p.method === 'POST' && !bulkDone) bulkDone = await createNewEntriesInBulk(tx, ctx, planned, responses);
      if (bulkDone?.has(p)) continue;
      try {
        responses[p.index] = await executeEntry(tx, ctx, p, options);
      } catch (err) {
        throw entryFailure(err, p);
      }
    }
  });
  return { resourceType: 'Bundle', type: 'transaction-response', entry: responses };
}

/**
 * Entries per database transaction in a batch. Each entry runs under its own
 * savepoint; PostgreSQL caches at most 64 subtransactions per backend
 * (PGPROC_MAX_CACHED_SUBXIDS) and beyond that every visibility check gets
 * slower, so a 2,382-entry batch under one transaction slows down with every
 * entry. Chunks of 50 stay under the cache and still save 49 commits in 50.
 */
const BATCH_CHUNK = 50;

/**
 * Each entry on its own: a failure (even a malformed entry) becomes that
 * entry's OperationOutcome and undoes only that entry (its savepoint); the
 * entries that succeeded commit with their chunk.
 */
async function processBatch(db: Db, ctx: RequestContext, entries: BundleEntry[], options: BundleOptions): Promise<Bundle> {
  const responses: BundleEntry[] = [];
  for (let start = 0; start < entries.length; start += BATCH_CHUNK) {
    await db.transaction(async (tx) => {
      for (let index = start; index < Math.min(start + BATCH_CHUNK, entries.length); index++) {
        await tx.query('SAVEPOINT batch_entry');
        try {
          const p = planEntry(entries[index], index, ctx.baseUrl);
          if (p.entry.resource) await new ConditionalReferenceResolver(tx, ctx.tenantId).resolveAll(p.entry.resource, `Bundle.entry[${p.index}]`);
          responses[index] = await executeEntry(tx, ctx, p, options);
          await tx.query('RELEASE SAVEPOINT batch_entry');
        } catch (err) {
          if (!(err instanceof HubError)) throw err;
          await tx.query('ROLLBACK TO SAVEPOINT batch_entry');
          responses[index] = { response: { status: String(err.status), outcome: err.toOutcome() } };
        }
      }
    });
  }
  return { resourceType: 'Bundle', type: 'batch-response', entry: responses };
}

