import { randomUUID } from 'node:crypto';
import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, startTestHub, type TestHub } from '../../../test/support/app.js';
import { createUser } from './user.service.js';

let hub: TestHub;
let tenantId: string;
const PASSWORD = 'a-long-enough-secret';

function post(url: string, payload: unknown, token?: string) {
  return hub.app.inject({ method: 'POST', url, payload: payload as object, headers: token ? { authorization: `Bearer ${token}` } : {} });
}

async function signIn(username: string, password = PASSWORD) {
  const response = await post('/auth/login', { username, password });
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as { access_token: string; refresh_token: string };
}

async function newUser(): Promise<string> {
  const username = `acct.${randomUUID().slice(0, 8)}`;
  await createUser(hub.db, { tenantId, username, displayName: '账号 测试', password: PASSWORD, roles: ['clinician'] });
  return username;
}

beforeAll(async () => {
  hub = await startTestHub(); // MFA optional: people enrol from a signed-in session
  tenantId = (await createTestTenant(hub)).id;
});

afterAll(async () => {
  await hub?.close();
});

describe('password change', () => {
  it('needs the current password, then ends the other sessions and keeps this one', async () => {
    const username = await newUser();
    const here = await signIn(username);
    const elsewhere = await signIn(username);
    const wrong = await post('/auth/password', { current_password: 'not-it', new_password: 'a-new-long-secret' }, here.access_token);
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().issue[0].expression).toEqual(['current_password']);

    const changed = await post('/auth/password', { current_password: PASSWORD, new_password: 'a-new-long-secret' }, here.access_token);
    expect(changed.statusCode, changed.body).toBe(204);
    expect((await hub.app.inject({ method: 'GET', url: '/auth/me', headers: { authorization: `Bearer ${here.access_token}` } })).statusCode).toBe(200);
    expect((await hub.app.inject({ method: 'GET', url: '/auth/me', headers: { authorization: `Bearer ${elsewhere.access_token}` } })).statusCode).toBe(401);
    expect((await post('/auth/refresh', { refresh_token: elsewhere.refresh_token })).statusCode).toBe(400);
    expect((await post('/auth/refresh', { refresh_token: here.refresh_token })).statusCode).toBe(200);
    expect((await post('/auth/login', { username, password: PASSWORD })).statusCode).toBe(401);
    await signIn(username, 'a-new-long-secret');
  });

  it.each([
    ['a short new password', { current_password: PASSWORD, new_password: 'short' }, 400],
    ['no new password', { current_password: PASSWORD }, 400],
    ['no current password', { new_password: 'a-new-long-secret' }, 400],
  ])('400 OperationOutcome for %s', async (_name, body, status) => {
    const session = await signIn(await newUser());
    const response = await post('/auth/password', body, session.access_token);
    expect(response.statusCode).toBe(status);
    expect(response.json().resourceType).toBe('OperationOutcome');
  });

  it('is for people only, and needs a token', async () => {
    const system = await createTestTenant(hub);
    expect((await post('/auth/password', { current_password: 'x', new_password: 'a-new-long-secret' }, system.token)).statusCode).toBe(403);
    expect((await post('/auth/password', { current_password: 'x', new_password: 'a-new-long-secret' })).statusCode).toBe(401);
  });
});

describe('enrolment from a signed-in session, and new recovery codes', () => {
  it('enrols with the bearer token, then replaces the recovery codes with a fresh TOTP code', async () => {
    const session = await signIn(await newUser());
    const started = await post('/auth/mfa/enrol', {}, session.access_token);
    expect(started.statusCode, started.body).toBe(200);
    const { secret } = started.json() as { secret: string };
    const now = Math.floor(Date.now() / 1000);
    const confirmed = await post('/auth/mfa/confirm', { code: await generate({ secret, epoch: now }) }, session.access_token);
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    const first = confirmed.json().recovery_codes as string[];
    expect(first).toHaveLength(10);
    expect(confirmed.json().access_token).toBeUndefined(); // already signed in: no new tokens

    // The code just used for enrolment is refused; the next step's code is accepted.
    expect((await post('/auth/mfa/recovery-codes', { code: await generate({ secret, epoch: now }) }, session.access_token)).statusCode).toBe(401);
    const renewed = await post('/auth/mfa/recovery-codes', { code: await generate({ secret, epoch: now + 30 }) }, session.access_token);
    expect(renewed.statusCode, renewed.body).toBe(200);
    const second = renewed.json().recovery_codes as string[];
    expect(second).toHaveLength(10);
    expect(second.filter((code) => first.includes(code))).toEqual([]);
  });

  it('refuses new recovery codes without MFA (409)', async () => {
    const session = await signIn(await newUser());
    const response = await post('/auth/mfa/recovery-codes', { code: '123456' }, session.access_token);
    expect(response.statusCode).toBe(409);
  });
});
