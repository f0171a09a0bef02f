import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { AppDeps } from '../../deps.js';
import { createAuthenticateHook } from './authenticate.js';
import { ClientKeyResolver, exchangeClientCredentials, type ClientCredentialsDeps } from './client-credentials.service.js';
import { OAuthError } from './oauth-error.js';
import { describeIdentity } from './login.service.js';
import { peopleRoutes } from './people.routes.js';
import { peoplePolicyFromConfig } from './session.service.js';
import { userAdminRoutes } from './user-admin.routes.js';
import { buildSmartConfiguration, tokenEndpointUrl } from './smart-configuration.js';

export interface AccessRoutesOptions {
  deps: AppDeps;
}

/** RFC 6749 §5.1: responses carrying tokens must not be cached. */
function noStore(reply: FastifyReply): FastifyReply {
  return reply.header('Cache-Control', 'no-store').header('Pragma', 'no-cache');
}

const tokenResponse = {
  type: 'object',
  properties: {
    access_token: { type: 'string' },
    token_type: { type: 'string' },
    expires_in: { type: 'integer' },
    scope: { type: 'string' },
  },
} as const;

/**
 * Sign-in and discovery: the SMART Backend Services token endpoint, the
 * people sign-in (people.routes.ts), user administration
 * (user-admin.routes.ts), the hub's public keys and the SMART configuration.
 * Registered at the root (not under /fhir).
 */
export const accessRoutes: FastifyPluginAsync<AccessRoutesOptions> = async (app, { deps }) => {
  const { config, db, tokens } = deps;
  const clientCredentials: ClientCredentialsDeps = { db, tokens, tokenEndpoint: tokenEndpointUrl(config.baseUrl), keys: new ClientKeyResolver() };
  const smartConfiguration = buildSmartConfiguration(config.baseUrl);
  app.addHook('onRequest', createAuthenticateHook(tokens, config.baseUrl));

  app.post(
    '/auth/token',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        summary: 'SMART Backend Services token endpoint (client_credentials + private_key_jwt)',
        description:
          'Form-encoded: grant_type=client_credentials, client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer, ' +
          'client_assertion (JWT signed with a registered key, iss=sub=client_id, aud=this URL, exp ≤ 5 min, unique jti), scope. ' +
          'Errors are OperationOutcomes whose issue.details.coding holds the RFC 6749 error code (system urn:ietf:rfc:6749).',
        consumes: ['application/x-www-form-urlencoded'],
        response: { 200: tokenResponse },
      },
    },
    async (request, reply) => {
      // RFC 6749 §4.4.2: the token request is form-encoded; a JSON body is a malformed request.
      if (!/^application\/x-www-form-urlencoded\b/i.test(request.headers['content-type'] ?? '')) {
        throw new OAuthError('invalid_request', 'Send the token request as application/x-www-form-urlencoded');
      }
      const issued = await exchangeClientCredentials(clientCredentials, request.body);
      return noStore(reply).send(issued);
    },
  );

  const people = { db, tokens, people: peoplePolicyFromConfig(config) };
  await app.register(peopleRoutes, { people });
  await app.register(userAdminRoutes, { people });

  app.get('/auth/me', { schema: { tags: ['auth'], summary: 'The identity behind the bearer token' } }, async (request) =>
    describeIdentity(db, request.ctx),
  );

  app.get('/auth/jwks', { config: { public: true }, schema: { tags: ['auth'], summary: "The hub's public token-signing keys (JWK Set)" } }, async () => ({
    keys: [tokens.publicJwk],
  }));

  const discovery = { config: { public: true }, schema: { tags: ['auth'], summary: 'SMART configuration (discovery)' } };
  app.get('/.well-known/smart-configuration', discovery, async () => smartConfiguration);
  app.get('/fhir/.well-known/smart-configuration', discovery, async () => smartConfiguration);
};
