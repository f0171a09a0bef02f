import { generateKeyPairSync } from 'node:crypto';
import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, startTestHub, type TestHub } from '../../../test/support/app.js';
import { HubError } from '../../platform/errors/index.js';
import { findClient } from './client.repo.js';
import { generateClientKeyPair, registerClient, resolveInstitution, type RegisterClientInput } from './client.service.js';

let hub: TestHub;
let tenantId: string;
let tenantName: string;

async function expectHubError(promise: Promise<unknown>, code: string, expression?: string): Promise<HubError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HubError);
  expect((err as HubError).code).toBe(code);
  expect((err as HubError).status).toBe(400);
  if (expression) expect((err as HubError).expression?.[0]).toBe(expression);
  return err as HubError;
}

beforeAll(async () => {
  hub = await startTestHub();
  tenantName = `Registry Hospital ${Date.now()}`;
  tenantId = (await createTestTenant(hub, 'system/*.cruds', tenantName)).id;
});

afterAll(async () => {
  await hub?.close();
});

describe('registerClient', () => {
  it('stores the public JWKS and normalised scope of a new client', async () => {
    const pair = await generateClientKeyPair('ES384');
    const { clientId } = await registerClient(hub.db, { tenantId, name: '  HIS gateway ', jwks: { keys: [pair.publicJwk] }, scope: 'system/Patient.read' });
    const row = await findClient(hub.db, clientId);
    expect(row).toMatchObject({ tenant_id: tenantId, name: 'HIS gateway', scope: 'system/Patient.rs', jwks_url: null, demo: false, disabled_at: null });
    expect(row?.jwks?.keys[0]).toMatchObject({ kid: pair.kid, kty: 'EC', crv: 'P-384' });
    expect(row?.jwks?.keys[0]).not.toHaveProperty('d');
  });

  it('defaults the scope to system/*.cruds', async () => {
    const pair = await generateClientKeyPair('EdDSA');
    const { clientId } = await registerClient(hub.db, { tenantId, name: 'LIS', jwks: { keys: [pair.publicJwk] } });
    expect((await findClient(hub.db, clientId))?.scope).toBe('system/*.cruds');
  });

  const validJwks = async () => ({ keys: [(await generateClientKeyPair('ES384')).publicJwk] });
  const input = async (change: Partial<RegisterClientInput>): Promise<RegisterClientInput> => ({ tenantId, name: 'x', jwks: await validJwks(), ...change });

  it('rejects a private key in the JWKS', async () => {
    const pair = await generateClientKeyPair('ES384');
    const err = await expectHubError(registerClient(hub.db, await input({ jwks: { keys: [pair.privateJwk] } })), 'ACCESS_INVALID_JWKS', 'jwks.keys[0]');
    expect(err.message).toContain('private');
  });

  it('rejects JWKS that are not a key set, empty, or hold unusable keys', async () => {
    await expectHubError(registerClient(hub.db, await input({ jwks: 'not json' })), 'ACCESS_INVALID_JWKS', 'jwks');
    await expectHubError(registerClient(hub.db, await input({ jwks: { keys: [] } })), 'ACCESS_INVALID_JWKS', 'jwks');
    await expectHubError(registerClient(hub.db, await input({ jwks: { keys: ['x'] } })), 'ACCESS_INVALID_JWKS', 'jwks.keys[0]');
    await expectHubError(registerClient(hub.db, await input({ jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } })), 'ACCESS_INVALID_JWKS');
    const p256 = await exportJWK((await generateKeyPair('ES256', { extractable: true })).publicKey);
    await expectHubError(registerClient(hub.db, await input({ jwks: { keys: [p256] } })), 'ACCESS_INVALID_JWKS', 'jwks.keys[0]');
    const broken = { ...(await generateClientKeyPair('ES384')).publicJwk, x: 'AAAA' };
    await expectHubError(registerClient(hub.db, await input({ jwks: { keys: [broken] } })), 'ACCESS_INVALID_JWKS', 'jwks.keys[0]');
    const wrongAlg = { ...(await generateClientKeyPair('ES384')).publicJwk, alg: 'RS384' };
    await expectHubError(registerClient(hub.db, await input({ jwks: { keys: [wrongAlg] } })), 'ACCESS_INVALID_JWKS');
    const encKey = { ...(await generateClientKeyPair('ES384')).publicJwk, use: 'enc' };
    await expectHubError(registerClient(hub.db, await input({ jwks: { keys: [encKey] } })), 'ACCESS_INVALID_JWKS');
  });

  it('rejects RSA keys shorter than 2048 bits', async () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const jwk = publicKey.export({ format: 'jwk' });
    const err = await expectHubError(registerClient(hub.db, await input({ jwks: { keys: [jwk] } })), 'ACCESS_INVALID_JWKS');
    expect(err.message).toContain('2048');
  });

  it('needs exactly one of jwks and jwksUrl, and a safe jwksUrl', async () => {
    await expectHubError(registerClient(hub.db, { tenantId, name: 'x' }), 'ACCESS_INVALID_JWKS');
    await expectHubError(registerClient(hub.db, await input({ jwksUrl: 'https://example.org/jwks.json' })), 'ACCESS_INVALID_JWKS');
    await expectHubError(registerClient(hub.db, { tenantId, name: 'x', jwksUrl: 'http://example.org/jwks.json' }), 'ACCESS_INVALID_JWKS', 'jwksUrl');
    await expectHubError(registerClient(hub.db, { tenantId, name: 'x', jwksUrl: 'not a url' }), 'ACCESS_INVALID_JWKS', 'jwksUrl');
    const ok = await registerClient(hub.db, { tenantId, name: 'x', jwksUrl: 'https://his.example.org/.well-known/jwks.json' });
    expect((await findClient(hub.db, ok.clientId))?.jwks_url).toBe('https://his.example.org/.well-known/jwks.json');
  });

  it('rejects user or patient scopes, unknown scope strings and an empty scope', async () => {
    await expectHubError(registerClient(hub.db, await input({ scope: 'user/*.cruds' })), 'ACCESS_INVALID_CLIENT_SCOPE', 'scope');
    await expectHubError(registerClient(hub.db, await input({ scope: 'system/*.cruds patient/*.rs' })), 'ACCESS_INVALID_CLIENT_SCOPE');
    await expectHubError(registerClient(hub.db, await input({ scope: 'system/*.cruds launch' })), 'ACCESS_INVALID_CLIENT_SCOPE');
    await expectHubError(registerClient(hub.db, await input({ scope: '' })), 'ACCESS_INVALID_CLIENT_SCOPE');
  });

  it('rejects an empty or overlong name and an unknown institution', async () => {
    await expectHubError(registerClient(hub.db, await input({ name: '   ' })), 'ACCESS_INVALID_CLIENT_NAME', 'name');
    await expectHubError(registerClient(hub.db, await input({ name: 'n'.repeat(201) })), 'ACCESS_INVALID_CLIENT_NAME');
    await expectHubError(registerClient(hub.db, await input({ tenantId: 'no-such-institution' })), 'ACCESS_UNKNOWN_TENANT', 'tenantId');
  });
});

describe('resolveInstitution', () => {
  it('finds an institution by id or by exact name', async () => {
    expect((await resolveInstitution(hub.db, tenantId)).id).toBe(tenantId);
    expect((await resolveInstitution(hub.db, tenantName)).id).toBe(tenantId);
  });

  it('explains when nothing or several match', async () => {
    const none = await expectHubError(resolveInstitution(hub.db, 'Nowhere Hospital'), 'ACCESS_UNKNOWN_TENANT');
    expect(none.message).toContain('Nowhere Hospital');
    const twinName = `Twin Clinic ${Date.now()}`;
    await createTestTenant(hub, 'system/*.cruds', twinName);
    await createTestTenant(hub, 'system/*.cruds', twinName);
    const twins = await expectHubError(resolveInstitution(hub.db, twinName), 'ACCESS_UNKNOWN_TENANT');
    expect(twins.message).toContain('Several');
  });
});
