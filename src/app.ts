import Fastify, { type FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { AppDeps } from './deps.js';
export { createAppDeps, type AppDeps } from './deps.js';
import { installContentTypes } from './platform/http/content-types.js';
import { installErrorHandling } from './platform/http/error-handler.js';
import { fhirStorePlugin } from './modules/fhir-store/index.js';

export interface BuildAppOptions {
  /** pino logger options, or false to silence (tests). */
  logger?: boolean | Record<string, unknown>;
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
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('X-Request-Id', request.id);
  });
  installContentTypes(app);
  installErrorHandling(app);
  await app.register(fhirStorePlugin, { prefix: '/fhir', deps });
  return app;
}
