import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, startTestHub, type TestHub } from '../../../test/support/app.js';
import { HubError } from '../../platform/errors/index.js';
import { signInWithPassword, type LockoutPolicy } from './login.service.js';
import { peoplePolicyFromConfig, type SignedIn } from './session.service.js';
import { createUser } from './user.service.js';

let hub: TestHub;
let tenantId: string;
const PASSWORD = 'a-long-enough-secret';

/** A fresh username per test: lockout state is per username and the PostgreSQL test database is shared. */
function newUsername(prefix = 'user'): string {
  return `${prefix}.${randomUUID().slice(0, 8)}`;
}

function login(body: unknown, contentType = 'application/json') {
  return hub.app.inject({
    method: 'POST',
    url: '/auth/login',
    headers: { 'content-type': contentType },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function expectHubError(promise: Promise<unknown>, code: string): Promise<HubError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HubError);
  expect((err as HubError).code).toBe(code);
  return err as HubError;
}

beforeAll(async () => {
  hub = await startTestHub();
  tenantId = (await createTestTenant(hub, 'system/*.cruds', '协同测试医院')).id;
});

afterAll(async () => {
  await hub?.close();
});

describe('POST /auth/login', () => {
  it('signs a clinician in with user/*.cruds and the identity the console shows', async () => {
    const username = newUsername('doctor');
    const { id } = await createUser(hub.db, { tenantId, username, displayName: '李医生', password: PASSWORD, roles: ['clinician'] });
    const response = await login({ username: username.toUpperCase(), password: PASSWORD });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const body = response.json();
    expect(body).toMatchObject({
      token_type: 'bearer',
      expires_in: 900,
      scope: 'user/*.cruds',
      user: { id, username, displayName: '李医生', institution: { id: tenantId, name: '协同测试医院' }, roles: ['clinician'], mfaEnabled: false },
    });
    const claims = await hub.deps.tokens.verify(body.access_token);
    expect(claims).toMatchObject({ tenantId, actor: { kind: 'user', id, roles: ['clinician'] }, scope: 'user/*.cruds' });

    const me = await hub.app.inject({ method: 'GET', url: '/auth/me', headers: { authorization: `Bearer ${body.access_token}` } });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ kind: 'user', id, username, displayName: '李医生', roles: ['clinician'], institution: { id: tenantId, name: '协同测试医院' } });
  });

  it('gives other roles the scopes of the role policy: an analyst and auditor reads the audit log only', async () => {
    const username = newUsername('analyst');
    await createUser(hub.db, { tenantId, username, displayName: 'Analyst', password: PASSWORD, roles: ['regional-analyst', 'auditor'] });
    const response = await login({ username, password: PASSWORD });
    expect(response.statusCode).toBe(200);
    expect(response.json().scope).toBe('user/AuditEvent.rs');
    expect(response.json().user.pages).toEqual(['overview', 'analytics', 'audit', 'security']);
  });

  it('refuses a wrong password and an unknown user alike (401, same message)', async () => {
    const username = newUsername();
    await createUser(hub.db, { tenantId, username, displayName: 'Someone', password: PASSWORD, roles: ['referral-coordinator'] });
    const wrong = await login({ username, password: 'not-the-password' });
    const unknown = await login({ username: newUsername('ghost'), password: PASSWORD });
    for (const response of [wrong, unknown]) {
      expect(response.statusCode).toBe(401);
      const outcome = response.json();
      expect(outcome.resourceType).toBe('OperationOutcome');
      expect(outcome.issue[0].code).toBe('login');
    }
    expect(wrong.json().issue[0].details.text).toBe(unknown.json().issue[0].details.text);
    expect(wrong.json().issue[0].details.text).toBe('Wrong username or password');
  });

  it('refuses a disabled user with the same 401', async () => {
    const username = newUsername();
    const { id } = await createUser(hub.db, { tenantId, username, displayName: 'Gone', password: PASSWORD, roles: ['clinician'] });
    await hub.db.query('UPDATE users SET disabled_at = now() WHERE id = $1', [id]);
    const response = await login({ username, password: PASSWORD });
    expect(response.statusCode).toBe(401);
    expect(response.json().issue[0].details.text).toBe('Wrong username or password');
  });

  it('locks the username after 5 failures: 429 with Retry-After, even for the right password', async () => {
    const username = newUsername();
    await createUser(hub.db, { tenantId, username, displayName: 'Target', password: PASSWORD, roles: ['clinician'] });
    for (let i = 0; i < 4; i++) expect((await login({ username, password: `guess-${i}` })).statusCode).toBe(401);
    const fifth = await login({ username, password: 'guess-5' });
    expect(fifth.statusCode).toBe(429);
    const locked = await login({ username, password: PASSWORD });
    expect(locked.statusCode).toBe(429);
    expect(locked.json().issue[0].code).toBe('throttled');
    const retryAfter = Number(locked.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(250);
    expect(retryAfter).toBeLessThanOrEqual(300);
  });

  it('locks unknown usernames too, so lockout does not reveal which exist', async () => {
    const username = newUsername('ghost');
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await login({ username, password: `guess-${i}` })).statusCode);
    expect(statuses).toEqual([401, 401, 401, 401, 429, 429]);
  });

  it.each([
    ['no username', { password: PASSWORD }, 'username'],
    ['empty username', { username: '  ', password: PASSWORD }, 'username'],
    ['no password', { username: 'someone' }, 'password'],
    ['numeric password', { username: 'someone', password: 12345678 }, 'password'],
    ['an overlong password', { username: 'someone', password: 'x'.repeat(1025) }, 'password'],
    ['an array body', [1, 2], 'username'],
  ])('400 OperationOutcome for %s', async (_name, body, field) => {
    const response = await login(body);
    expect(response.statusCode).toBe(400);
    expect(response.json().issue[0].expression).toEqual([field]);
  });

  it('400 for malformed JSON and 415 for a form body', async () => {
    expect((await login('{"username": ', 'application/json')).statusCode).toBe(400);
    const form = await login('username=a&password=b', 'text/plain');
    expect(form.statusCode).toBe(415);
    expect(form.json().resourceType).toBe('OperationOutcome');
  });
});

describe('lockout over time (service, injected clock)', () => {
  const policy: LockoutPolicy = { maxFailures: 3, windowSeconds: 60, lockSeconds: 120 };
  const at = (base: number, seconds: number) => new Date(base + seconds * 1000);

  it('lifts the lock when it expires', async () => {
    const username = newUsername();
    await createUser(hub.db, { tenantId, username, displayName: 'Clock', password: PASSWORD, roles: ['clinician'] });
    const t0 = Date.now();
    const deps = { db: hub.db, tokens: hub.deps.tokens, people: { ...peoplePolicyFromConfig(hub.deps.config), lockout: policy } };
    for (let i = 0; i < 2; i++) await expectHubError(signInWithPassword(deps, { username, password: 'x' }, { now: at(t0, i) }), 'ACCESS_LOGIN_FAILED');
    const lockedErr = await expectHubError(signInWithPassword(deps, { username, password: 'x' }, { now: at(t0, 2) }), 'ACCESS_LOGIN_LOCKED');
    expect(lockedErr.headers['Retry-After']).toBe('120');
    const stillLocked = await expectHubError(signInWithPassword(deps, { username, password: PASSWORD }, { now: at(t0, 100) }), 'ACCESS_LOGIN_LOCKED');
    expect(stillLocked.headers['Retry-After']).toBe('22');
    const ok = await signInWithPassword(deps, { username, password: PASSWORD }, { now: at(t0, 123) });
    expect((ok as SignedIn).user.username).toBe(username);
  });

  it('forgets failures older than the window, and a success resets the count', async () => {
    const username = newUsername();
    await createUser(hub.db, { tenantId, username, displayName: 'Window', password: PASSWORD, roles: ['clinician'] });
    const t0 = Date.now();
    const deps = { db: hub.db, tokens: hub.deps.tokens, people: { ...peoplePolicyFromConfig(hub.deps.config), lockout: policy } };
    const fail = (s: number) => expectHubError(signInWithPassword(deps, { username, password: 'x' }, { now: at(t0, s) }), 'ACCESS_LOGIN_FAILED');
    await fail(0);
    await fail(1);
    await fail(100); // the first two fell out of the 60 s window
    await fail(101);
    await signInWithPassword(deps, { username, password: PASSWORD }, { now: at(t0, 102) });
    await fail(103);
    await fail(104); // only 2 since the success
  });
});

describe('createUser', () => {
  const base = () => ({ tenantId, username: newUsername(), displayName: 'Valid Name', password: PASSWORD, roles: ['clinician'] });

  it('stores a scrypt hash, never the password', async () => {
    const input = base();
    const { id } = await createUser(hub.db, input);
    const row = (await hub.db.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE id = $1', [id])).rows[0];
    expect(row.password_hash).toMatch(/^scrypt\$N=32768,/);
    expect(row.password_hash).not.toContain(PASSWORD);
  });

  it.each([
    ['a short password', { password: 'short' }, 'ACCESS_INVALID_USER'],
    ['a bad username', { username: 'no spaces allowed' }, 'ACCESS_INVALID_USER'],
    ['a too short username', { username: 'ab' }, 'ACCESS_INVALID_USER'],
    ['an empty display name', { displayName: '   ' }, 'ACCESS_INVALID_USER'],
    ['no roles', { roles: [] }, 'ACCESS_INVALID_USER'],
    ['an unknown role', { roles: ['superuser'] }, 'ACCESS_INVALID_USER'],
    ['an unknown institution', { tenantId: 'no-such-institution' }, 'ACCESS_UNKNOWN_TENANT'],
  ])('rejects %s', async (_name, change, code) => {
    await expectHubError(createUser(hub.db, { ...base(), ...change }), code);
  });

  it('rejects a taken username (case-insensitively) with 409', async () => {
    const input = base();
    await createUser(hub.db, input);
    const err = await expectHubError(createUser(hub.db, { ...base(), username: input.username.toUpperCase() }), 'ACCESS_USERNAME_TAKEN');
    expect(err.status).toBe(409);
  });
});
