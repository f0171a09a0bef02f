import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { SignJWT, createLocalJWKSet, importJWK, jwtVerify, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, startTestHub, type TestHub } from '../../../test/support/app.js';
import { signClientAssertion } from './client-assertion.js';
import { disableClient } from './client.repo.js';
import { generateClientKeyPair, registerClient, type ClientAssertionAlg, type ClientKeyPair } from './client.service.js';
import { OAUTH_ERROR_SYSTEM } from './oauth-error.js';

const TOKEN_URL = 'http://hub.test/auth/token';
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

let hub: TestHub;
let tenantId: string;

interface TestClient {
  clientId: string;
  pair: ClientKeyPair;
}

async function makeClient(alg: ClientAssertionAlg = 'ES384', scope = 'system/*.cruds'): Promise<TestClient> {
  const pair = await generateClientKeyPair(alg);
  const { clientId } = await registerClient(hub.db, { tenantId, name: `client ${alg}`, jwks: { keys: [pair.publicJwk] }, scope });
  return { clientId, pair };
}

interface AssertionOverrides {
  iss?: string;
  sub?: string;
  aud?: string;
  exp?: number | null;
  jti?: string | null;
  key?: JWK;
  alg?: string;
  kid?: string;
}

/** Signs an assertion with full control over every claim, for the failure cases. */
async function craftAssertion(client: TestClient, o: AssertionOverrides = {}): Promise<string> {
  const jwk = o.key ?? client.pair.privateJwk;
  const alg = o.alg ?? client.pair.alg;
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = { iss: o.iss ?? client.clientId, sub: o.sub ?? client.clientId, aud: o.aud ?? TOKEN_URL, iat: now };
  if (o.exp !== null) claims.exp = o.exp ?? now + 60;
  if (o.jti !== null) claims.jti = o.jti ?? randomUUID();
  return new SignJWT(claims).setProtectedHeader({ alg, kid: o.kid ?? client.pair.kid }).sign(await importJWK(jwk, alg));
}

function tokenRequest(fields: Record<string, string | string[]>) {
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) for (const v of [value].flat()) form.append(name, v);
  return hub.app.inject({
    method: 'POST',
    url: '/auth/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: form.toString(),
  });
}

function grantFields(assertion: string, scope = 'system/Patient.rs'): Record<string, string> {
  return { grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: assertion, scope };
}

/** Asserts an OperationOutcome carrying the OAuth error code. */
function expectOAuthError(response: Awaited<ReturnType<typeof tokenRequest>>, status: number, code: string): void {
  expect(response.statusCode, response.body).toBe(status);
  const outcome = response.json();
  expect(outcome.resourceType).toBe('OperationOutcome');
  expect(outcome.issue[0].severity).toBe('error');
  expect(outcome.issue[0].details.coding).toContainEqual({ system: OAUTH_ERROR_SYSTEM, code });
  expect(outcome.issue[0].details.text.length).toBeGreaterThan(5);
  expect(response.headers['cache-control']).toBe('no-store');
}

beforeAll(async () => {
  hub = await startTestHub();
  tenantId = (await createTestTenant(hub)).id;
});

afterAll(async () => {
  await hub?.close();
});

describe('client_credentials with private_key_jwt (success)', () => {
  it.each(['ES384', 'RS384', 'EdDSA'] as const)('issues a token to a %s client, usable on protected routes', async (alg) => {
    const client = await makeClient(alg);
    const assertion = await signClientAssertion({ privateJwk: client.pair.privateJwk, clientId: client.clientId, audience: TOKEN_URL });
    const response = await tokenRequest(grantFields(assertion, 'system/Patient.rs system/Observation.r'));
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const body = response.json();
    expect(body).toMatchObject({ token_type: 'bearer', expires_in: 3600, scope: 'system/Patient.rs system/Observation.r' });

    const claims = await hub.deps.tokens.verify(body.access_token);
    expect(claims).toMatchObject({ tenantId, actor: { kind: 'system', id: client.clientId }, scope: 'system/Patient.rs system/Observation.r' });

    const me = await hub.app.inject({ method: 'GET', url: '/auth/me', headers: { authorization: `Bearer ${body.access_token}` } });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ kind: 'system', id: client.clientId, institution: { id: tenantId }, displayName: `client ${alg}` });
  });

  it('opens the FHIR API within the granted scope; without a token it is 401', async () => {
    const client = await makeClient('ES384', 'system/Patient.rs system/Observation.rs');
    const token = (await tokenRequest(grantFields(await craftAssertion(client), 'system/Patient.rs'))).json().access_token;
    const withToken = await hub.app.inject({ method: 'GET', url: '/fhir/Patient', headers: { authorization: `Bearer ${token}` } });
    expect(withToken.statusCode, withToken.body).toBe(200);
    expect(withToken.json().resourceType).toBe('Bundle');
    const outsideScope = await hub.app.inject({ method: 'GET', url: '/fhir/Observation', headers: { authorization: `Bearer ${token}` } });
    expect(outsideScope.statusCode).toBe(403);
    const noToken = await hub.app.inject({ method: 'GET', url: '/fhir/Patient' });
    expect(noToken.statusCode).toBe(401);
    expect(noToken.json().resourceType).toBe('OperationOutcome');
  });

  it('grants only the intersection of the request and the registered scope', async () => {
    const client = await makeClient('ES384', 'system/Patient.rs system/Observation.rs');
    const assertion = await craftAssertion(client);
    const response = await tokenRequest(grantFields(assertion, 'system/*.cruds openid'));
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().scope).toBe('system/Patient.rs system/Observation.rs');
  });

  it('accepts keys published at a jwks_url', async () => {
    const pair = await generateClientKeyPair('ES384');
    const server: Server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [pair.publicJwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
      const { clientId } = await registerClient(hub.db, { tenantId, name: 'remote keys', jwksUrl: url });
      const assertion = await signClientAssertion({ privateJwk: pair.privateJwk, clientId, audience: TOKEN_URL });
      const response = await tokenRequest(grantFields(assertion));
      expect(response.statusCode, response.body).toBe(200);
    } finally {
      server.close();
    }
  });

  it('reports invalid_client when a jwks_url cannot be fetched', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const pair = await generateClientKeyPair('ES384');
    const { clientId } = await registerClient(hub.db, { tenantId, name: 'gone keys', jwksUrl: `http://127.0.0.1:${port}/jwks.json` });
    const assertion = await signClientAssertion({ privateJwk: pair.privateJwk, clientId, audience: TOKEN_URL });
    expectOAuthError(await tokenRequest(grantFields(assertion)), 401, 'invalid_client');
  });

  it('issues tokens whose signature checks against GET /auth/jwks', async () => {
    const client = await makeClient();
    const token = (await tokenRequest(grantFields(await craftAssertion(client)))).json().access_token;
    const jwks = await hub.app.inject({ method: 'GET', url: '/auth/jwks' });
    expect(jwks.statusCode).toBe(200);
    const keys = jwks.json();
    expect(keys.keys[0]).not.toHaveProperty('d');
    const { payload } = await jwtVerify(token, createLocalJWKSet(keys), { issuer: 'http://hub.test' });
    expect(payload.sub).toBe(client.clientId);
  });
});

describe('token request failures (RFC 6749 §5.2)', () => {
  let client: TestClient;
  beforeAll(async () => {
    client = await makeClient('ES384', 'system/Patient.rs');
  });

  it('unsupported or missing grant_type', async () => {
    const assertion = await craftAssertion(client);
    expectOAuthError(await tokenRequest({ ...grantFields(assertion), grant_type: 'authorization_code' }), 400, 'unsupported_grant_type');
    const { grant_type: _omit, ...rest } = grantFields(assertion);
    expectOAuthError(await tokenRequest(rest), 400, 'invalid_request');
  });

  it('wrong or missing client_assertion_type, missing assertion, missing scope', async () => {
    const assertion = await craftAssertion(client);
    expectOAuthError(await tokenRequest({ ...grantFields(assertion), client_assertion_type: 'urn:example:other' }), 400, 'invalid_request');
    const { client_assertion: _a, ...noAssertion } = grantFields(assertion);
    expectOAuthError(await tokenRequest(noAssertion), 400, 'invalid_request');
    const { scope: _s, ...noScope } = grantFields(assertion);
    expectOAuthError(await tokenRequest(noScope), 400, 'invalid_request');
    const { client_assertion_type: _t, ...noType } = grantFields(assertion);
    expectOAuthError(await tokenRequest(noType), 400, 'invalid_request');
  });

  it('a parameter sent twice', async () => {
    const assertion = await craftAssertion(client);
    expectOAuthError(await tokenRequest({ ...grantFields(assertion), scope: ['system/Patient.r', 'system/Patient.s'] }), 400, 'invalid_request');
  });

  it('a JSON body or no body instead of a form', async () => {
    const json = await hub.app.inject({ method: 'POST', url: '/auth/token', payload: grantFields(await craftAssertion(client)) });
    expectOAuthError(json, 400, 'invalid_request');
    const empty = await hub.app.inject({ method: 'POST', url: '/auth/token' });
    expectOAuthError(empty, 400, 'invalid_request');
  });

  it('an assertion that is not a JWT, or an unsigned one', async () => {
    expectOAuthError(await tokenRequest(grantFields('not-a-jwt')), 401, 'invalid_client');
    const header = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    const body = Buffer.from(JSON.stringify({ iss: client.clientId, sub: client.clientId, aud: TOKEN_URL, exp: Math.floor(Date.now() / 1000) + 60, jti: randomUUID() })).toString('base64url');
    const response = await tokenRequest(grantFields(`${header}.${body}.`));
    expectOAuthError(response, 401, 'invalid_client');
  });

  it('an unknown client', async () => {
    const response = await tokenRequest(grantFields(await craftAssertion(client, { iss: 'no-such-client', sub: 'no-such-client' })));
    expectOAuthError(response, 401, 'invalid_client');
    expect(response.json().issue[0].details.text).toContain('Unknown client');
  });

  it('a disabled client', async () => {
    const disabled = await makeClient();
    await disableClient(hub.db, disabled.clientId);
    const response = await tokenRequest(grantFields(await craftAssertion(disabled)));
    expectOAuthError(response, 401, 'invalid_client');
    expect(response.json().issue[0].details.text).toContain('disabled');
  });

  it('an expired assertion, and one that lives longer than five minutes', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await tokenRequest(grantFields(await craftAssertion(client, { exp: now - 120 })));
    expectOAuthError(expired, 401, 'invalid_client');
    expect(expired.json().issue[0].details.text).toContain('expired');
    const tooLong = await tokenRequest(grantFields(await craftAssertion(client, { exp: now + 600 })));
    expectOAuthError(tooLong, 401, 'invalid_client');
    expect(tooLong.json().issue[0].details.text).toContain('5 minutes');
    const noExp = await tokenRequest(grantFields(await craftAssertion(client, { exp: null })));
    expectOAuthError(noExp, 401, 'invalid_client');
  });

  it('a replayed jti, and a missing one', async () => {
    const assertion = await craftAssertion(client);
    expect((await tokenRequest(grantFields(assertion))).statusCode).toBe(200);
    const replay = await tokenRequest(grantFields(assertion));
    expectOAuthError(replay, 401, 'invalid_client');
    expect(replay.json().issue[0].details.text).toContain('already been used');
    // Same jti in a freshly signed assertion is a replay too.
    const jti = randomUUID();
    expect((await tokenRequest(grantFields(await craftAssertion(client, { jti })))).statusCode).toBe(200);
    expectOAuthError(await tokenRequest(grantFields(await craftAssertion(client, { jti }))), 401, 'invalid_client');
    expectOAuthError(await tokenRequest(grantFields(await craftAssertion(client, { jti: null }))), 401, 'invalid_client');
  });

  it('a wrong aud', async () => {
    const response = await tokenRequest(grantFields(await craftAssertion(client, { aud: 'http://hub.test/fhir' })));
    expectOAuthError(response, 401, 'invalid_client');
    expect(response.json().issue[0].details.text).toContain(TOKEN_URL);
  });

  it('iss and sub that differ', async () => {
    const other = await makeClient();
    const response = await tokenRequest(grantFields(await craftAssertion(client, { sub: other.clientId })));
    expectOAuthError(response, 401, 'invalid_client');
  });

  it('a client_id parameter that does not match the assertion', async () => {
    const response = await tokenRequest({ ...grantFields(await craftAssertion(client)), client_id: 'someone-else' });
    expectOAuthError(response, 401, 'invalid_client');
  });

  it('a bad signature: signed with a key the client never registered', async () => {
    const stranger = await generateClientKeyPair('ES384');
    const response = await tokenRequest(grantFields(await craftAssertion(client, { key: stranger.privateJwk })));
    expectOAuthError(response, 401, 'invalid_client');
    expect(response.json().issue[0].details.text).toContain('signature');
  });

  it('a kid that matches no registered key', async () => {
    const response = await tokenRequest(grantFields(await craftAssertion(client, { kid: 'no-such-kid' })));
    expectOAuthError(response, 401, 'invalid_client');
    expect(response.json().issue[0].details.text).toContain('kid');
  });

  it('a jku header pointing somewhere else than the registered keys', async () => {
    const key = await importJWK(client.pair.privateJwk, 'ES384');
    const now = Math.floor(Date.now() / 1000);
    const assertion = await new SignJWT({ jti: randomUUID() })
      .setProtectedHeader({ alg: 'ES384', kid: client.pair.kid, jku: 'https://attacker.example/jwks.json' })
      .setIssuer(client.clientId)
      .setSubject(client.clientId)
      .setAudience(TOKEN_URL)
      .setExpirationTime(now + 60)
      .sign(key);
    const response = await tokenRequest(grantFields(assertion));
    expectOAuthError(response, 401, 'invalid_client');
    expect(response.json().issue[0].details.text).toContain('jku');
  });

  it('a symmetric (HS256) assertion', async () => {
    const hmacKey = { kty: 'oct', k: Buffer.from('a shared secret that is long enough!!').toString('base64url') } as JWK;
    const response = await tokenRequest(grantFields(await craftAssertion(client, { key: hmacKey, alg: 'HS256' })));
    expectOAuthError(response, 401, 'invalid_client');
  });

  it('a requested scope outside the registered scope', async () => {
    const response = await tokenRequest(grantFields(await craftAssertion(client), 'system/Observation.rs'));
    expectOAuthError(response, 400, 'invalid_scope');
    const userScope = await tokenRequest(grantFields(await craftAssertion(client), 'user/Patient.rs'));
    expectOAuthError(userScope, 400, 'invalid_scope');
    const writeOnly = await tokenRequest(grantFields(await craftAssertion(client), 'system/Patient.cud'));
    expectOAuthError(writeOnly, 400, 'invalid_scope');
  });
});

describe('discovery', () => {
  it.each(['/.well-known/smart-configuration', '/fhir/.well-known/smart-configuration'])('GET %s without a token', async (url) => {
    const response = await hub.app.inject({ method: 'GET', url });
    expect(response.statusCode).toBe(200);
    const config = response.json();
    expect(config.token_endpoint).toBe(TOKEN_URL);
    expect(config.token_endpoint_auth_methods_supported).toEqual(['private_key_jwt']);
    expect(config.token_endpoint_auth_signing_alg_values_supported).toEqual(expect.arrayContaining(['RS384', 'ES384']));
    expect(config.grant_types_supported).toContain('client_credentials');
    expect(config.capabilities).toContain('client-confidential-asymmetric');
    expect(config.jwks_uri).toBe('http://hub.test/auth/jwks');
  });

  it('protects /auth/me: 401 OperationOutcome without or with a bad token', async () => {
    const none = await hub.app.inject({ method: 'GET', url: '/auth/me' });
    expect(none.statusCode).toBe(401);
    expect(none.json().resourceType).toBe('OperationOutcome');
    expect(none.headers['www-authenticate']).toContain('Bearer');
    const bad = await hub.app.inject({ method: 'GET', url: '/auth/me', headers: { authorization: 'Bearer abc.def.ghi' } });
    expect(bad.statusCode).toBe(401);
  });
});
