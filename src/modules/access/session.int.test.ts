import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, startTestHub, type TestHub } from '../../../test/support/app.js';
import { TokenService } from './token.service.js';
import { createUser } from './user.service.js';

let hub: TestHub;
let tenantId: string;
const PASSWORD = 'a-long-enough-secret';

function post(url: string, payload: unknown, token?: string) {
  return hub.app.inject({ method: 'POST', url, payload: payload as object, headers: token ? { authorization: `Bearer ${token}` } : {} });
}

function me(token: string) {
  return hub.app.inject({ method: 'GET', url: '/auth/me', headers: { authorization: `Bearer ${token}` } });
}

async function signIn(): Promise<{ userId: string; access_token: string; refresh_token: string; expires_in: number }> {
  const username = `sess.${randomUUID().slice(0, 8)}`;
  const { id } = await createUser(hub.db, { tenantId, username, displayName: '会话 测试', password: PASSWORD, roles: ['nurse'] });
  const response = await post('/auth/login', { username, password: PASSWORD });
  expect(response.statusCode, response.body).toBe(200);
  return { userId: id, ...response.json() };
}

beforeAll(async () => {
  hub = await startTestHub();
  tenantId = (await createTestTenant(hub)).id;
});

afterAll(async () => {
  await hub?.close();
});

describe('refresh tokens', () => {
  it('gives people short-lived access tokens and an opaque refresh token stored only as a hash', async () => {
    const session = await signIn();
    expect(session.expires_in).toBe(900);
    expect(session.refresh_token).toMatch(/^xrt_[\w-]{43}$/);
    const stored = await hub.db.query<{ token_hash: string }>('SELECT token_hash FROM auth_refresh_tokens WHERE user_id = $1', [session.userId]);
    expect(stored.rows).toHaveLength(1);
    expect(stored.rows[0].token_hash).not.toContain(session.refresh_token.slice(4));
  });

  it('rotates on use; reusing a rotated token revokes the whole family, access tokens included', async () => {
    const session = await signIn();
    const first = await post('/auth/refresh', { refresh_token: session.refresh_token });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.headers['cache-control']).toBe('no-store');
    const rotated = first.json();
    expect(rotated.refresh_token).not.toBe(session.refresh_token);
    expect(rotated.user.roles).toEqual(['nurse']);
    expect((await me(rotated.access_token)).statusCode).toBe(200);

    const reuse = await post('/auth/refresh', { refresh_token: session.refresh_token });
    expect(reuse.statusCode).toBe(400);
    expect(reuse.json().issue[0].details.coding[0]).toEqual({ system: 'urn:ietf:rfc:6749', code: 'invalid_grant' });
    // The thief's copy and the rightful holder's newer token are both dead now.
    expect((await post('/auth/refresh', { refresh_token: rotated.refresh_token })).statusCode).toBe(400);
    const after = await me(rotated.access_token);
    expect(after.statusCode).toBe(401);
    expect(after.json().issue[0].details.coding[0].code).toBe('ACCESS_TOKEN_REVOKED');
    expect((await me(session.access_token)).statusCode).toBe(401);
  });

  it('reads roles afresh on refresh', async () => {
    const session = await signIn();
    await hub.db.query(`UPDATE users SET roles = '{clinician}' WHERE id = $1`, [session.userId]);
    const refreshed = (await post('/auth/refresh', { refresh_token: session.refresh_token })).json();
    expect(refreshed.scope).toBe('user/*.cruds');
  });

  it('refuses a disabled user’s refresh token', async () => {
    const session = await signIn();
    await hub.db.query('UPDATE users SET disabled_at = now() WHERE id = $1', [session.userId]);
    expect((await post('/auth/refresh', { refresh_token: session.refresh_token })).statusCode).toBe(400);
  });

  it.each([
    ['an unknown token', { refresh_token: 'xrt_unknown' }, 400],
    ['no token', {}, 400],
    ['an empty token', { refresh_token: '' }, 400],
    ['an overlong token', { refresh_token: 'x'.repeat(500) }, 400],
  ])('answers %s with 400 and an OperationOutcome', async (_name, body, status) => {
    const response = await post('/auth/refresh', body);
    expect(response.statusCode).toBe(status);
    expect(response.json().resourceType).toBe('OperationOutcome');
  });
});

describe('logout', () => {
  it('revokes the access token and the refresh family', async () => {
    const session = await signIn();
    expect((await me(session.access_token)).statusCode).toBe(200);
    const out = await post('/auth/logout', {}, session.access_token);
    expect(out.statusCode).toBe(204);
    expect((await me(session.access_token)).statusCode).toBe(401);
    expect((await post('/auth/refresh', { refresh_token: session.refresh_token })).statusCode).toBe(400);
    // Logging out twice: the token is no longer valid.
    expect((await post('/auth/logout', {}, session.access_token)).statusCode).toBe(401);
  });

  it('is seen by another hub process after it reloads its revocation list', async () => {
    const session = await signIn();
    const otherProcess = await TokenService.create(hub.db, 'http://hub.test', 3600);
    expect((await otherProcess.verify(session.access_token)).actor.id).toBe(session.userId);
    await post('/auth/logout', {}, session.access_token);
    await otherProcess.revocations.reload();
    await expect(otherProcess.verify(session.access_token)).rejects.toMatchObject({ code: 'ACCESS_TOKEN_REVOKED' });
  });

  it('revokes a system token by its jti', async () => {
    const tenant = await createTestTenant(hub);
    expect((await me(tenant.token)).statusCode).toBe(200);
    expect((await post('/auth/logout', {}, tenant.token)).statusCode).toBe(204);
    expect((await me(tenant.token)).statusCode).toBe(401);
  });

  it('needs a token (401)', async () => {
    expect((await post('/auth/logout', {})).statusCode).toBe(401);
  });
});
