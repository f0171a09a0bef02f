import type { FastifyPluginAsync } from 'fastify';
import type { AppDeps } from '../../deps.js';
import { FHIR_JSON } from '../../platform/http/error-handler.js';
import { createAuthenticateHook } from '../access/index.js';
import { processBundle } from './bundle.service.js';
import { buildCapabilityStatement } from './capability.js';
import { crudRoutes } from './crud.routes.js';
import { searchRoutes } from './search.routes.js';
import { subscriptionsPlugin } from './subscriptions/subscriptions.routes.js';
import { bulkExportPlugin } from './bulk-export/bulk-export.routes.js';

export interface FhirStorePluginOptions {
  deps: AppDeps;
}

const VERSION = '0.1.0';

/** The FHIR R4 REST API, mounted at /fhir. Every route needs a token except those marked public. */
export const fhirStorePlugin: FastifyPluginAsync<FhirStorePluginOptions> = async (app, { deps }) => {
  app.addHook('onRequest', createAuthenticateHook(deps.tokens, deps.config.baseUrl));
  // A refused interaction (403: scope, role, patient context) is an access too: it is recorded as a denial.
  app.addHook('onError', async (request, _reply, error) => {
    if ((error as { status?: number }).status !== 403 || !request.ctx) return;
    await deps.audit
      .record(request.ctx, { interaction: `${request.method} ${request.routeOptions.url ?? ''}`.trim(), outcome: 'denied', detail: error.message, query: request.url })
      .catch((err: unknown) => request.log.error({ err }, 'could not record the denied access'));
  });

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
  await app.register(subscriptionsPlugin, { deps });
  await app.register(bulkExportPlugin, { deps });
};
