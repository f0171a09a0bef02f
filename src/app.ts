import Fastify, { type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { AppDeps } from './deps.js';
export { createAppDeps, type AppDeps } from './deps.js';
import { installContentTypes } from './platform/http/content-types.js';
import { FHIR_JSON, installErrorHandling } from './platform/http/error-handler.js';
import { buildOutcome } from './fhir/outcome.js';
import { installOps } from './platform/http/ops.js';
import { installOpenApi } from './platform/http/openapi.js';
import { fhirStorePlugin } from './modules/fhir-store/index.js';
import { accessRoutes, breakGlassRoutes, createAuthenticateHook } from './modules/access/index.js';
import { patientRoutes, sharingRoutes } from './modules/sharing/index.js';
import { analyticsRoutes } from './modules/analytics/index.js';
import { auditPlugin } from './modules/audit/index.js';
import { identityFhirRoutes, identityReviewRoutes } from './modules/identity/index.js';
import { referralRoutes } from './modules/referrals/index.js';
import { webConsolePlugin } from './platform/http/web-console.js';

export interface BuildAppOptions {
  /** pino logger options (see buildLoggerOptions in platform/logging), or false to silence (tests). */
  logger?: FastifyServerOptions['logger'];
}

/** Builds the Fastify app from injected deps. Never listens. */
export async function buildApp(deps: AppDeps, options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: deps.config.bodyLimit,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,128}$/.test(given) ? given : randomUUID();
    },
    requestIdHeader: false,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 256 },
    // Errors Fastify raises before routing (a malformed URL, a bad header) still answer with an OperationOutcome.
    frameworkErrors: (error, _request, reply: FastifyReply) => {
      reply.status(400).type(FHIR_JSON).send(buildOutcome([{ code: 'invalid', text: `Malformed request: ${error.message}`, errorCode: 'HTTP_MALFORMED_REQUEST' }]));
    },
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('X-Request-Id', request.id);
  });
  installContentTypes(app);
  installErrorHandling(app);
  await installOpenApi(app); // before any route: its onRoute hook collects them for /docs
  await installOps(app, { db: deps.db }); // before the module routes: the metrics hook must see them
  await app.register(accessRoutes, { deps });
  await app.register(fhirStorePlugin, { prefix: '/fhir', deps });
  await app.register(analyticsRoutes, { prefix: '/api', deps });
  await app.register(identityFhirRoutes, { prefix: '/fhir', deps });
  await app.register(identityReviewRoutes, { prefix: '/api/identity', deps });
  await app.register(patientRoutes, { prefix: '/api/patient', deps });
  await app.register(breakGlassRoutes, { prefix: '/api/access', deps });
  await app.register(sharingRoutes, { prefix: '/api/sharing', deps });
  await app.register(auditPlugin, { prefix: '/audit', deps, authenticate: createAuthenticateHook(deps.tokens, deps.config.baseUrl) });
  await app.register(referralRoutes, { prefix: '/api/referrals', deps });
  await app.register(webConsolePlugin); // last: its catch-all GET must not shadow API routes
  return app;
}
