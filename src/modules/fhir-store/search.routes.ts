import type { FastifyPluginAsync } from 'fastify';
import type { AppDeps } from '../../deps.js';
import { FHIR_JSON } from '../../platform/http/error-handler.js';
import { assertPermission } from '../access/index.js';
import { isStrictHandling } from './fhir-reply.js';
import { searchResources, type SearchQuery } from './search/search.service.js';
import { assertResourceType } from './validation.js';

/** Type-level search: GET [type]?… and POST [type]/_search (form-encoded, https://hl7.org/fhir/R4/search.html#Introduction). */
export const searchRoutes: FastifyPluginAsync<{ deps: AppDeps }> = async (app, { deps }) => {
  const options = { defaultPageSize: deps.config.defaultPageSize, maxPageSize: deps.config.maxPageSize };

  app.get<{ Params: { type: string }; Querystring: SearchQuery }>('/:type', async (request, reply) => {
    const { type } = request.params;
    assertResourceType(type);
    assertPermission(request.ctx.scopes, type, 's');
    const bundle = await searchResources(deps.db, request.ctx, type, request.query ?? {}, { ...options, strict: isStrictHandling(request) });
    return reply.type(FHIR_JSON).send(bundle);
  });

  app.post<{ Params: { type: string }; Querystring: SearchQuery; Body: SearchQuery | undefined }>('/:type/_search', async (request, reply) => {
    const { type } = request.params;
    assertResourceType(type);
    assertPermission(request.ctx.scopes, type, 's');
    const query: SearchQuery = { ...(request.query ?? {}) };
    for (const [key, value] of Object.entries(request.body ?? {})) {
      const existing = query[key];
      query[key] = existing === undefined ? value : [...[existing].flat(), ...[value].flat()];
    }
    const bundle = await searchResources(deps.db, request.ctx, type, query, { ...options, strict: isStrictHandling(request) });
    return reply.type(FHIR_JSON).send(bundle);
  });
};
