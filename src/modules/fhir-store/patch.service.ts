import type { Resource } from '@medplum/fhirtypes';
import jsonpatch from 'fast-json-patch';
import type { RequestContext } from '../../platform/context/request-context.js';
import { HubError } from '../../platform/errors/index.js';
import type { Db, Tx } from '../../platform/storage/index.js';
import { FhirErrors } from './errors.js';
import { readResource } from './read.service.js';
import { updateInTx, type WriteOptions, type WriteResult } from './write.service.js';

type Operation = jsonpatch.Operation;

function assertPatchDocument(body: unknown): asserts body is Operation[] {
  if (!Array.isArray(body)) throw new HubError(FhirErrors.INVALID_PATCH, 'A JSON Patch body must be an array of operations (RFC 6902)');
  const error = jsonpatch.validate(body as Operation[]);
  if (error) {
    throw new HubError(FhirErrors.INVALID_PATCH, `Invalid JSON Patch operation ${error.index ?? ''}: ${error.name}`, {
      expression: [`[${error.index ?? 0}]`],
    });
  }
}

/**
 * JSON Patch (PATCH [type]/[id], application/json-patch+json), applied to the
 * current version and stored as a new version after full validation
 * (https://hl7.org/fhir/R4/http.html#patch). A failing `test` op is 422.
 */
export async function patchInTx(tx: Tx, ctx: RequestContext, type: string, id: string, body: unknown, options: WriteOptions = {}): Promise<WriteResult> {
  assertPatchDocument(body);
  const current = await readResource(tx, ctx, type, id);
  let patched: Resource;
  try {
    patched = jsonpatch.applyPatch(structuredClone(current), body, true, false).newDocument;
  } catch (err) {
    const code = (err as { name?: string }).name === 'TEST_OPERATION_FAILED' ? FhirErrors.UNPROCESSABLE_PATCH : FhirErrors.INVALID_PATCH;
    throw new HubError(code, `JSON Patch could not be applied: ${(err as Error).message.split('\n')[0]}`);
  }
  if (patched.resourceType !== type || patched.id !== id) {
    throw new HubError(FhirErrors.INVALID_PATCH, 'A patch may not change resourceType or id');
  }
  const { meta, ...rest } = patched;
  const keptMeta = meta ? { profile: meta.profile, tag: meta.tag, security: meta.security, source: meta.source } : undefined;
  return updateInTx(tx, ctx, type, id, { ...rest, ...(keptMeta ? { meta: keptMeta } : {}) } as Resource, options);
}

export const patchResource = (db: Db, ctx: RequestContext, type: string, id: string, body: unknown, options?: WriteOptions) =>
  db.transaction((tx) => patchInTx(tx, ctx, type, id, body, options));
