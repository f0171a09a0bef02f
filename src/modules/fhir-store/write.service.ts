import type { Resource } from '@medplum/fhirtypes';
import { randomUUID } from 'node:crypto';
import type { RequestContext } from '../../platform/context/request-context.js';
import { HubError } from '../../platform/errors/index.js';
import type { Db, Tx } from '../../platform/storage/index.js';
import { auditFhirInteraction, auditFhirInteractions, type FhirInteraction } from '../audit/index.js';
import { findPatientId } from './compartment.js';
import { FhirErrors } from './errors.js';
import { insertFirstVersions, insertOutboxEvents, selectCurrent, writeVersion, type VersionToWrite } from './resource.repo.js';
import { deleteSearchIndex, writeSearchIndex, writeSearchIndexBatch } from './search/index-writer.js';
import { findMatchingResources } from './search/search.service.js';
import { noteResourceWrites } from './table-statistics.js';
import { assertValidId, assertValidResource } from './validation.js';
import { parseVersionTag, stampMeta } from './versioning.js';

/** What a write did, for the HTTP layer to pick status, headers and body. */
export interface WriteResult {
  outcome: 'created' | 'updated' | 'deleted' | 'existing' | 'not-found';
  resource?: Resource;
  resourceType: string;
  id?: string;
  versionId?: number;
  lastUpdated?: Date;
}

export interface WriteOptions {
  /** If-Match header value: the write applies only to this version (412 otherwise). */
  ifMatch?: string;
}

async function persist(
  tx: Tx,
  ctx: RequestContext,
  resource: Resource,
  id: string,
  versionId: number,
  method: VersionToWrite['method'],
  /** No index rows can exist for it yet (new, or revived after a delete). */
  isNew: boolean,
): Promise<Resource> {
  const lastUpdated = new Date();
  const stored = stampMeta(resource, id, versionId, lastUpdated);
  const patientId = findPatientId(stored);
  await writeVersion(tx, {
    tenantId: ctx.tenantId,
    resourceType: stored.resourceType,
    id,
    versionId,
    lastUpdated,
    deleted: false,
    method,
    patientId,
    content: stored,
  }, versionId === 1 ? 'fhir.create' : 'fhir.update');
  await writeSearchIndex(tx, ctx.tenantId, stored, { baseUrl: ctx.baseUrl, fresh: isNew });
  await noteResourceWrites(tx, 1);
  // The AuditEvent commits with the change it records, or neither does.
  await auditFhirInteraction(tx, ctx, {
    interaction: method === 'PATCH' ? 'patch' : versionId === 1 ? 'create' : 'update',
    resourceType: stored.resourceType, id, versionId: String(versionId), patientId,
  });
  return stored;
}

/** The audit record of a resource's first version, from the row written for it. */
export function createdInteraction(v: Pick<VersionToWrite, 'resourceType' | 'id' | 'patientId'>): FhirInteraction {
  return { interaction: 'create', resourceType: v.resourceType, id: v.id, versionId: '1', patientId: v.patientId };
}

function checkIfMatch(ifMatch: string | undefined, currentVersion: number | undefined, type: string, id: string): void {
  if (ifMatch === undefined) return;
  const wanted = parseVersionTag(ifMatch);
  if (currentVersion !== wanted) {
    throw new HubError(
      FhirErrors.VERSION_CONFLICT,
      `${type}/${id} is at version ${currentVersion ?? 'none'}, not ${wanted} (If-Match)`,
    );
  }
}

/** Finds matches for conditional operations; more than one is 412. */
async function findSingleMatch(tx: Tx, ctx: RequestContext, type: string, criteria: string, what: string): Promise<Resource | undefined> {
  const matches = await findMatchingResources(tx, ctx.tenantId, type, criteria, 2);
  if (matches.length > 1) {
    throw new HubError(FhirErrors.MULTIPLE_MATCHES, `${what}: criteria "${criteria}" match more than one ${type}`);
  }
  return matches[0];
}

/**
 * Create (POST [type]); with `ifNoneExist` a conditional create
 * (https://hl7.org/fhir/R4/http.html#ccreate): no match creates, one match
 * returns it unchanged, several are 412. The server assigns the id.
 */
export async function createInTx(tx: Tx, ctx: RequestContext, body: unknown, type: string, options: { ifNoneExist?: string; id?: string } = {}): Promise<WriteResult> {
  assertValidResource(body, type);
  if (options.ifNoneExist) {
    const existing = await findSingleMatch(tx, ctx, type, options.ifNoneExist, 'Conditional create');
    if (existing) {
      return { outcome: 'existing', resource: existing, resourceType: type, id: existing.id, versionId: Number(existing.meta?.versionId) };
    }
  }
  const id = options.id ?? randomUUID();
  const stored = await persist(tx, ctx, body, id, 1, 'POST', true);
  return { outcome: 'created', resource: stored, resourceType: type, id, versionId: 1, lastUpdated: new Date(stored.meta!.lastUpdated!) };
}

/**
 * Update (PUT [type]/[id]). A missing resource is created with the client's
 * id (update-as-create); a deleted one is revived with a new version.
 */
export async function updateInTx(tx: Tx, ctx: RequestContext, type: string, id: string, body: unknown, options: WriteOptions = {}): Promise<WriteResult> {
  assertValidId(id);
  assertValidResource(body, type);
  if (body.id === undefined) {
    throw new HubError(FhirErrors.ID_MISMATCH, `The body of an update must carry the id "${id}"`, { expression: [`${type}.id`] });
  }
  if (body.id !== id) {
    throw new HubError(FhirErrors.ID_MISMATCH, `The body id "${body.id}" does not match the URL id "${id}"`, { expression: [`${type}.id`] });
  }
  const current = await selectCurrent(tx, ctx.tenantId, type, id, true);
  checkIfMatch(options.ifMatch, current?.version_id, type, id);
  const versionId = (current?.version_id ?? 0) + 1;
  const stored = await persist(tx, ctx, body, id, versionId, 'PUT', !current || current.deleted);
  const created = !current || current.deleted;
  return { outcome: created ? 'created' : 'updated', resource: stored, resourceType: type, id, versionId, lastUpdated: new Date(stored.meta!.lastUpdated!) };
}

/** Conditional update (PUT [type]?criteria): https://hl7.org/fhir/R4/http.html#cond-update */
export async function conditionalUpdateInTx(tx: Tx, ctx: RequestContext, type: string, criteria: string, body: unknown, options: WriteOptions = {}): Promise<WriteResult> {
  assertValidResource(body, type);
  const match = await findSingleMatch(tx, ctx, type, criteria, 'Conditional update');
  if (!match) {
    if (body.id) return updateInTx(tx, ctx, type, body.id, body, options);
    return createInTx(tx, ctx, body, type);
  }
  if (body.id !== undefined && body.id !== match.id) {
    throw new HubError(FhirErrors.ID_MISMATCH, `The body id "${body.id}" differs from the matched ${type}/${match.id}`, { expression: [`${type}.id`] });
  }
  return updateInTx(tx, ctx, type, match.id!, { ...body, id: match.id }, options);
}

/** Delete (DELETE [type]/[id]); deleting a missing or deleted resource succeeds and changes nothing. */
export async function deleteInTx(tx: Tx, ctx: RequestContext, type: string, id: string, options: WriteOptions = {}): Promise<WriteResult> {
  assertValidId(id);
  const current = await selectCurrent(tx, ctx.tenantId, type, id, true);
  checkIfMatch(options.ifMatch, current?.version_id, type, id);
  if (!current || current.deleted) return { outcome: 'not-found', resourceType: type, id };
  const versionId = current.version_id + 1;
  const lastUpdated = new Date();
  await writeVersion(tx, {
    tenantId: ctx.tenantId, resourceType: type, id, versionId, lastUpdated, deleted: true, method: 'DELETE', patientId: null, content: null,
  }, 'fhir.delete');
  await deleteSearchIndex(tx, ctx.tenantId, type, id);
  await auditFhirInteraction(tx, ctx, { interaction: 'delete', resourceType: type, id, versionId: String(versionId), patientId: current.content ? findPatientId(current.content) : null });
  return { outcome: 'deleted', resourceType: type, id, versionId, lastUpdated };
}

/** Conditional delete, single-match semantics: none → nothing to do, one → delete it, several → 412. */
export async function conditionalDeleteInTx(tx: Tx, ctx: RequestContext, type: string, criteria: string): Promise<WriteResult> {
  const match = await findSingleMatch(tx, ctx, type, criteria, 'Conditional delete');
  if (!match) return { outcome: 'not-found', resourceType: type };
  return deleteInTx(tx, ctx, type, match.id!);
}

/** One-transaction wrappers for single interactions. */
export const createResource = (db: Db, ctx: RequestContext, body: unknown, type: string, options?: { ifNoneExist?: string }) =>
  db.transaction((tx) => createInTx(tx, ctx, body, type, options));
export const updateResource = (db: Db, ctx: RequestContext, type: string, id: string, body: unknown, options?: WriteOptions) =>
  db.transaction((tx) => updateInTx(tx, ctx, type, id, body, options));
export const conditionalUpdateResource = (db: Db, ctx: RequestContext, type: string, criteria: string, body: unknown, options?: WriteOptions) =>
  db.transaction((tx) => conditionalUpdateInTx(tx, ctx, type, criteria, body, options));
export const deleteResource = (db: Db, ctx: RequestContext, type: string, id: string, options?: WriteOptions) =>
  db.transaction((tx) => deleteInTx(tx, ctx, type, id, options));
export const conditionalDeleteResource = (db: Db, ctx: RequestContext, type: string, criteria: string) =>
  db.transaction((tx) => conditionalDeleteInTx(tx, ctx, type, criteria));

/**
 * Inserts many new resources (version 1) with history, search index and
 * outbox rows in a handful of statements, inside the caller's transaction.
 * Each resource is validated first; ids are kept when given, else assigned.
 */
export async function insertNewResourcesInTx(
  tx: Tx,
  tenantId: string,
  resources: readonly Resource[],
  options: { baseUrl?: string; validate?: boolean; audit?: RequestContext } = {},
): Promise<Resource[]> {
  const { baseUrl, validate = true, audit } = options;
  const lastUpdated = new Date();
  const stored = resources.map((resource) => {
    if (validate) assertValidResource(resource);
    return stampMeta(resource, resource.id ?? randomUUID(), 1, lastUpdated);
  });
  const versions = stored.map((r) => ({
    tenantId, resourceType: r.resourceType, id: r.id!, versionId: 1, lastUpdated, deleted: false, method: 'POST' as const, patientId: findPatientId(r), content: r,
  }));
  await insertFirstVersions(tx, versions);
  await writeSearchIndexBatch(tx, tenantId, stored, { baseUrl, fresh: true });
  await noteResourceWrites(tx, stored.length);
  await insertOutboxEvents(
    tx,
    stored.map((r) => ({ tenantId, eventType: 'fhir.create', resourceType: r.resourceType, resourceId: r.id!, versionId: 1 })),
  );
  // A caller's creates are audited with them; trusted bulk loads (storeResourcesBulk: seeding, imports) are not per resource.
  if (audit) {
    await auditFhirInteractions(tx, versions.map((v) => ({ ctx: audit, interaction: createdInteraction(v) })));
  }
  return stored;
}

/**
 * Bulk load of new resources into one tenant (demo seeding, imports): ids as
 * given (or assigned), version 1, history, search index and outbox rows, all
 * in one transaction. One invalid resource fails the whole call.
 * `validate: false` is for generators whose output is proven valid by their
 * own tests (validation is the largest cost of a bulk load); never for input
 * from outside the hub.
 */
export async function storeResourcesBulk(db: Db, tenantId: string, resources: Resource[], options: { validate?: boolean } = {}): Promise<Resource[]> {
  return db.transaction((tx) => insertNewResourcesInTx(tx, tenantId, resources, options));
}
