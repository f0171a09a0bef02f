import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../deps.js';
import { HubError } from '../../platform/errors/index.js';
import { FHIR_JSON } from '../../platform/http/error-handler.js';
import { assertPermission, hasPermission } from '../access/index.js';
import { bundleInteraction, searchsetInteraction } from './access-audit.js';
import { patientEverything, type EverythingParams } from './everything.service.js';
import { isStrictHandling } from './fhir-reply.js';
import { SearchErrors } from './search/search-errors.js';
import { searchResourcesText, searchsetJson, type SearchQuery } from './search/search.service.js';
import { assertResourceType } from './validation.js';

function mergeForm(request: FastifyRequest<{ Querystring: SearchQuery; Body: SearchQuery | undefined }>): SearchQuery {
  const query: SearchQuery = { ...(request.query ?? {}) };
  const body = request.body;
  const form = /^application\/x-www-form-urlencoded\b/i.test(request.headers['content-type'] ?? '');
  if (body !== undefined && (!form || typeof body !== 'object' || body === null || Array.isArray(body))) {
    throw new HubError(SearchErrors.INVALID_VALUE, 'POST _search takes application/x-www-form-urlencoded parameters');
  }
  for (const [key, value] of Object.entries(body ?? {})) {
    const existing = query[key];
    query[key] = existing === undefined ? value : [...[existing].flat(), ...[value].flat()];
  }
  return query;
}

/** Operation parameters as single strings; a repeated one is a 400 rather than a silent pick. */
function everythingParams(query: SearchQuery): EverythingParams {
  const out: Record<string, string> = {};
  for (const name of ['_since', '_type', '_count', '_offset'] as const) {
    const value = query[name];
    if (Array.isArray(value)) throw new HubError(SearchErrors.INVALID_VALUE, `Parameter '${name}' may be given once`, { expression: [name] });
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/**
 * Search: GET [type]?…, POST [type]/_search (form-encoded,
 * https://hl7.org/fhir/R4/search.html#Introduction), compartment search
 * GET Patient/[id]/[type]?… (https://hl7.org/fhir/R4/compartmentdefinition.html)
 * and Patient/[id]/$everything.
 */
export const searchRoutes: FastifyPluginAsync<{ deps: AppDeps }> = async (app, { deps }) => {
  const options = { defaultPageSize: deps.config.defaultPageSize, maxPageSize: deps.config.maxPageSize };
  const canRead = (request: FastifyRequest) => (type: string): boolean => hasPermission(request.ctx.scopes, type, 'r');
  const guards = (request: FastifyRequest) => ({
    strict: isStrictHandling(request),
    canRead: canRead(request),
    assertSearchable: (type: string) => assertPermission(request.ctx.scopes, type, 's'),
  });
  /** Runs a search, records what it disclosed, and sends the searchset with its matches as stored. */
  const answerSearch = async (request: FastifyRequest, reply: FastifyReply, type: string, query: SearchQuery, compartment?: { type: string; id: string }) => {
    const result = await searchResourcesText(deps.db, request.ctx, type, query, { ...options, ...guards(request), ...(compartment ? { compartment } : {}) });
    await deps.audit.record(request.ctx, searchsetInteraction('search-type', request.url, result, compartment?.id));
    return reply.type(FHIR_JSON).send(searchsetJson(result));
  };

  app.get<{ Params: { type: string }; Querystring: SearchQuery }>('/:type', async (request, reply) => {
    const { type } = request.params;
    assertResourceType(type);
    assertPermission(request.ctx.scopes, type, 's');
    return answerSearch(request, reply, type, request.query ?? {});
  });

  app.post<{ Params: { type: string }; Querystring: SearchQuery; Body: SearchQuery | undefined }>('/:type/_search', async (request, reply) => {
    const { type } = request.params;
    assertResourceType(type);
    assertPermission(request.ctx.scopes, type, 's');
    return answerSearch(request, reply, type, mergeForm(request));
  });

  // Compartment search and $everything share the three-segment shape [type]/[id]/[x]; _history routes are static and win.
  app.get<{ Params: { type: string; id: string; target: string }; Querystring: SearchQuery }>('/:type/:id/:target', async (request, reply) => {
    const { type, id, target } = request.params;
    assertResourceType(type);
    if (type !== 'Patient') throw new HubError(SearchErrors.UNSUPPORTED, `Compartment search and operations on ${type} are not supported; only the Patient compartment is`);
    if (target === '$everything') {
      assertPermission(request.ctx.scopes, 'Patient', 'r');
      const bundle = await patientEverything(deps.db, request.ctx, id, everythingParams(request.query ?? {}), { ...options, canRead: canRead(request) });
      await deps.audit.record(request.ctx, bundleInteraction('operation', request.url, bundle, id));
      return reply.type(FHIR_JSON).send(bundle);
    }
    assertResourceType(target);
    assertPermission(request.ctx.scopes, target, 's');
    return answerSearch(request, reply, target, request.query ?? {}, { type, id });
  });
};
