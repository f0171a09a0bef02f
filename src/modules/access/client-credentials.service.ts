import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors as joseErrors,
  jwtVerify,
  type JWK,
  type JWTVerifyGetKey,
} from 'jose';
import type { Db, Queryable } from '../../platform/storage/index.js';
import { findClient, purgeExpiredAssertions, recordAssertionJti, type ClientRow } from './client.repo.js';
import { CLIENT_ASSERTION_ALGS } from './client.service.js';
import { OAuthError } from './oauth-error.js';
import { formatScopes, intersectScopes, parseScopes } from './scopes.js';
import type { IssuedToken, TokenService } from './token.service.js';

/** RFC 7523 §2.2 client authentication with a JWT. */
export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** SMART: the assertion's exp "SHALL be no more than five minutes in the future". */
const MAX_ASSERTION_LIFETIME_SECONDS = 300;
/** Tolerated clock difference between the client and the hub. */
const CLOCK_SKEW_SECONDS = 30;
const MAX_JTI_LENGTH = 255;

/** Resolves a client's verification keys; remote sets are cached per URL (jose honours cache-control and a cooldown). */
export class ClientKeyResolver {
  private readonly remote = new Map<string, JWTVerifyGetKey>();

  keysFor(client: ClientRow): JWTVerifyGetKey {
    if (client.jwks_url) {
      let keySet = this.remote.get(client.jwks_url);
      if (!keySet) {
        keySet = createRemoteJWKSet(new URL(client.jwks_url), { timeoutDuration: 5000, cooldownDuration: 30_000 });
        this.remote.set(client.jwks_url, keySet);
      }
      return keySet;
    }
    return createLocalJWKSet({ keys: (client.jwks?.keys ?? []) as JWK[] });
  }
}

export interface ClientCredentialsDeps {
  db: Db;
  tokens: TokenService;
  /** The token endpoint's absolute URL: the only accepted `aud`. */
  tokenEndpoint: string;
  keys: ClientKeyResolver;
}

type Form = Record<string, unknown>;

function single(form: Form, name: string): string | undefined {
  const value = form[name];
  if (value === undefined) return undefined;
  // RFC 6749 §3.2: "Request and response parameters MUST NOT be included more than once."
  if (typeof value !== 'string') throw new OAuthError('invalid_request', `Parameter ${name} must appear exactly once`);
  return value;
}

function required(form: Form, name: string): string {
  const value = single(form, name);
  if (!value) throw new OAuthError('invalid_request', `Missing required parameter ${name}`);
  return value;
}

/** Turns jose's verification failures into invalid_client with a message a client developer can act on. */
function describeVerifyError(err: unknown, tokenEndpoint: string): OAuthError {
  const fail = (message: string) => new OAuthError('invalid_client', message, { cause: err });
  if (err instanceof joseErrors.JWTExpired) return fail('client_assertion has expired');
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    switch (err.claim) {
      case 'aud':
        return fail(`client_assertion aud must be the token endpoint URL ${tokenEndpoint}`);
      case 'iss':
      case 'sub':
        return fail('client_assertion iss and sub must both be the client_id');
      case 'nbf':
      case 'iat':
        return fail(`client_assertion ${err.claim} is in the future`);
      default:
        return fail(`client_assertion lacks or has an invalid "${err.claim}" claim`);
    }
  }
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return fail("client_assertion signature does not verify with the client's registered keys");
  if (err instanceof joseErrors.JWKSNoMatchingKey) return fail('No registered key of this client matches the assertion (check kid and alg)');
  if (err instanceof joseErrors.JWKSMultipleMatchingKeys) return fail('Several registered keys match: put a kid in the assertion header');
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return fail(`client_assertion alg must be one of ${CLIENT_ASSERTION_ALGS.join(', ')}`);
  if (err instanceof joseErrors.JWKSTimeout || err instanceof joseErrors.JWKSInvalid) return fail("The client's JWKS could not be fetched or read from its jwks_url");
  if (err instanceof joseErrors.JOSEError) return fail(`client_assertion is not valid (${err.code})`);
  // Network failures from createRemoteJWKSet surface as plain errors.
  return fail("The client's JWKS could not be fetched from its jwks_url");
}

/**
 * Authenticates a client from its signed assertion (SMART client-confidential-asymmetric):
 * iss = sub = client_id, aud = token endpoint, exp ≤ 5 min ahead, a jti never used before,
 * signed by a registered key. Every failure is invalid_client (401).
 * https://hl7.org/fhir/smart-app-launch/client-confidential-asymmetric.html#signature-verification
 */
export async function authenticateClient(deps: ClientCredentialsDeps, assertion: string, claimedClientId?: string): Promise<ClientRow> {
  let issuer: unknown;
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(assertion);
    issuer = decodeJwt(assertion).iss;
  } catch (err) {
    throw new OAuthError('invalid_client', 'client_assertion is not a well-formed signed JWT', { cause: err });
  }
  if (typeof issuer !== 'string' || issuer.length === 0) throw new OAuthError('invalid_client', 'client_assertion has no iss (the client_id)');
  if (claimedClientId !== undefined && claimedClientId !== issuer) {
    throw new OAuthError('invalid_client', 'client_id parameter does not match the client_assertion iss');
  }
  const client = await findClient(deps.db, issuer);
  if (!client) throw new OAuthError('invalid_client', 'Unknown client');
  if (client.disabled_at) throw new OAuthError('invalid_client', 'This client is disabled');
  if (header.jku !== undefined && header.jku !== client.jwks_url) {
    throw new OAuthError('invalid_client', 'client_assertion jku is not the jwks_url registered for this client');
  }

  let payload: Awaited<ReturnType<typeof jwtVerify>>['payload'];
  try {
    ({ payload } = await jwtVerify(assertion, deps.keys.keysFor(client), {
      algorithms: [...CLIENT_ASSERTION_ALGS],
      issuer: client.client_id,
      subject: client.client_id,
      audience: deps.tokenEndpoint,
      requiredClaims: ['exp', 'jti'],
      clockTolerance: CLOCK_SKEW_SECONDS,
    }));
  } catch (err) {
    throw describeVerifyError(err, deps.tokenEndpoint);
  }
  const now = Math.floor(Date.now() / 1000);
  const exp = payload.exp as number;
  if (exp - now > MAX_ASSERTION_LIFETIME_SECONDS + CLOCK_SKEW_SECONDS) {
    throw new OAuthError('invalid_client', 'client_assertion exp must be no more than 5 minutes in the future');
  }
  const jti = payload.jti;
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH) throw new OAuthError('invalid_client', `client_assertion jti must be 1 to ${MAX_JTI_LENGTH} characters`);
  // Keep the jti until the assertion would have expired (plus skew), so a replay is caught for its whole life.
  if (!(await recordAssertionJti(deps.db, client.client_id, jti, new Date((exp + CLOCK_SKEW_SECONDS) * 1000)))) {
    throw new OAuthError('invalid_client', 'client_assertion jti has already been used (replay)');
  }
  await purgeExpiredAssertions(deps.db, CLOCK_SKEW_SECONDS);
  return client;
}

/**
 * Grants the requested scopes within what the client is registered for
 * (intersection) and mints the access token. Nothing left → invalid_scope.
 */
export async function grantClientToken(tokens: TokenService, client: ClientRow, requestedScope: string): Promise<IssuedToken> {
  const granted = intersectScopes(parseScopes(requestedScope), parseScopes(client.scope));
  if (granted.length === 0) {
    throw new OAuthError('invalid_scope', `None of the requested scopes is allowed for this client (registered: ${client.scope})`);
  }
  return tokens.mint({
    tenantId: client.tenant_id,
    actor: { kind: 'system', id: client.client_id, display: client.name },
    scope: formatScopes(granted),
  });
}

/**
 * The SMART Backend Services token request (client_credentials grant with a
 * private_key_jwt assertion), from the form-encoded body to the token response.
 * https://hl7.org/fhir/smart-app-launch/backend-services.html#obtain-access-token
 */
export async function exchangeClientCredentials(deps: ClientCredentialsDeps, form: unknown): Promise<IssuedToken> {
  if (typeof form !== 'object' || form === null || Array.isArray(form)) {
    throw new OAuthError('invalid_request', 'Send the token request as application/x-www-form-urlencoded');
  }
  const body = form as Form;
  const grantType = required(body, 'grant_type');
  if (grantType !== 'client_credentials') {
    throw new OAuthError('unsupported_grant_type', `grant_type "${grantType}" is not supported; use client_credentials`);
  }
  const assertionType = required(body, 'client_assertion_type');
  if (assertionType !== CLIENT_ASSERTION_TYPE) {
    throw new OAuthError('invalid_request', `client_assertion_type must be ${CLIENT_ASSERTION_TYPE}`);
  }
  const assertion = required(body, 'client_assertion');
  const scope = required(body, 'scope');
  const client = await authenticateClient(deps, assertion, single(body, 'client_id'));
  return grantClientToken(deps.tokens, client, scope);
}

/** Loads a client by id for callers that authenticate it another way (the CLI reading the data dir). */
export async function loadEnabledClient(db: Queryable, clientId: string): Promise<ClientRow> {
  const client = await findClient(db, clientId);
  if (!client) throw new OAuthError('invalid_client', `Unknown client ${clientId}`);
  if (client.disabled_at) throw new OAuthError('invalid_client', `Client ${clientId} is disabled`);
  return client;
}
