import type { FastifyPluginAsync } from 'fastify';
import type { AppDeps } from '../../deps.js';
import { createAuthenticateHook } from '../access/index.js';

export interface FhirStorePluginOptions {
  deps: AppDeps;
}

/** The FHIR R4 REST API, mounted at /fhir. Every route needs a token except those marked public. */
export const fhirStorePlugin: FastifyPluginAsync<FhirStorePluginOptions> = async (app, { deps }) => {
  app.addHook('onRequest', createAuthenticateHook(deps.tokens, deps.config.baseUrl));
};
