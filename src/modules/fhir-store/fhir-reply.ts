import type { Resource } from '@medplum/fhirtypes';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { buildOkOutcome } from '../../fhir/outcome.js';
import { FHIR_JSON } from '../../platform/http/error-handler.js';
import { HubError } from '../../platform/errors/index.js';
import { FhirErrors } from './errors.js';
import { formatEtag } from './versioning.js';
import type { WriteResult } from './write.service.js';

export type ReturnPreference = 'minimal' | 'representation' | 'OperationOutcome';

/** Reads `Prefer: return=…` (https://hl7.org/fhir/R4/http.html#ops). */
export function preferredReturn(request: FastifyRequest): ReturnPreference {
  const prefer = String(request.headers.prefer ?? '');
  const match = /return=(minimal|representation|OperationOutcome)/i.exec(prefer);
  if (!match) return 'representation';
  const value = match[1].toLowerCase();
  return value === 'minimal' ? 'minimal' : value === 'operationoutcome' ? 'OperationOutcome' : 'representation';
}

export function isStrictHandling(request: FastifyRequest): boolean {
  return /handling=strict/i.test(String(request.headers.prefer ?? ''));
}

export function sendResource(reply: FastifyReply, resource: Resource, status = 200): FastifyReply {
  if (resource.meta?.versionId) reply.header('ETag', formatEtag(resource.meta.versionId));
  if (resource.meta?.lastUpdated) reply.header('Last-Modified', new Date(resource.meta.lastUpdated).toUTCString());
  return reply.status(status).type(FHIR_JSON).send(resource);
}

/** Sends a resource that is already JSON text (a stored document, meta included) without re-serialising it. */
export function sendStoredJson(reply: FastifyReply, stored: { json: string; versionId: number; lastUpdated: Date }): FastifyReply {
  reply.header('ETag', formatEtag(stored.versionId));
  reply.header('Last-Modified', stored.lastUpdated.toUTCString());
  return reply.status(200).type(FHIR_JSON).send(stored.json);
}

const STATUS: Record<WriteResult['outcome'], number> = { created: 201, updated: 200, existing: 200, deleted: 200, 'not-found': 204 };

/** Sends the result of a write with Location, ETag and the body the client preferred. */
export function sendWriteResult(request: FastifyRequest, reply: FastifyReply, result: WriteResult, baseUrl: string): FastifyReply {
  const status = STATUS[result.outcome];
  if (result.versionId !== undefined && result.outcome !== 'deleted') {
    reply.header('ETag', formatEtag(result.versionId));
    if (result.outcome === 'created' || result.outcome === 'updated') {
      reply.header('Location', `${baseUrl}/fhir/${result.resourceType}/${result.id}/_history/${result.versionId}`);
    }
  }
  if (result.lastUpdated) reply.header('Last-Modified', result.lastUpdated.toUTCString());
  const preference = preferredReturn(request);
  if (result.outcome === 'deleted' || result.outcome === 'not-found') {
    if (preference === 'OperationOutcome' || result.outcome === 'deleted') {
      const text = result.outcome === 'deleted' ? `Deleted ${result.resourceType}/${result.id}` : 'Nothing to delete';
      return reply.status(200).type(FHIR_JSON).send(buildOkOutcome(text));
    }
    return reply.status(204).send();
  }
  if (preference === 'minimal') return reply.status(status).send();
  if (preference === 'OperationOutcome') {
    return reply.status(status).type(FHIR_JSON).send(buildOkOutcome(`${result.outcome} ${result.resourceType}/${result.id}`));
  }
  return reply.status(status).type(FHIR_JSON).send(result.resource);
}

/** Query string of the original URL (for conditional operations' criteria). */
export function rawQuery(request: FastifyRequest): string {
  const index = request.url.indexOf('?');
  return index < 0 ? '' : request.url.slice(index + 1);
}

export function requireCriteria(request: FastifyRequest, what: string): string {
  const criteria = rawQuery(request);
  if (!criteria) throw new HubError(FhirErrors.INVALID_PARAMETER, `${what} needs search criteria in the query string`);
  return criteria;
}
