import type { FastifyPluginAsync } from 'fastify';
import type { AppDeps } from '../../deps.js';
import { FHIR_JSON } from '../../platform/http/error-handler.js';
import { createAuthenticateHook } from '../access/index.js';
import { processBundle } from './bundle.service.js';
import { buildCapabilityStatement } from './capability.js';
import { crudRoutes } from './crud.routes.js';
import { searchRoutes } from './search.routes.js';

export interface FhirStorePluginOptions {
  deps: AppDeps;
}

const VERSION = '0.1.0';

/** The FHIR R4 REST API, mounted at /fhir. Every route needs a token except those marked public. */
export const fhirStorePlugin: FastifyPluginAsync<FhirStorePluginOptions> = async (app, { deps }) => {
  app.addHook('onRequest', createAuthenticateHook(deps.tokens, deps.config.baseUrl));

  app.get('/metadata', { config: { public: true } }, async (_request, reply) =>
    reply.type(FHIR_JSON).send(buildCapabilityStatement(deps.config.baseUrl, VERSION)),
  );

  app.post('/', async (request, reply) => {
    const bundle = await processBundle(deps.db, request.ctx, request.body, {
      defaultPageSize: deps.config.defaultPageSize,
      maxPageSize: deps.config.maxPageSize,
    });
    return reply.type(FHIR_JSON).send(bundle);
  });

  await app.register(crudRoutes, { deps });
  await app.register(searchRoutes, { deps });
};
