import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, startTestHub, type TestHub } from '../../../test/support/app.js';
import { createUser } from './user.service.js';

let hub: TestHub;
let tenantA: string;
let tenantB: string;
const PASSWORD = 'a-long-enough-secret';

function call(method: 'GET' | 'POST', url: string, token: string, payload?: unknown) {
  return hub.app.inject({ method, url, payload: payload as object | undefined, headers: { authorization: `Bearer ${token}` } });
}

function newName(prefix: string): string {
  return `${prefix}.${randomUUID().slice(0, 8)}`;
}

async function login(username: string, password = PASSWORD) {
  return hub.app.inject({ method: 'POST', url: '/auth/login', payload: { username, password } });
}

/** A user with `roles` at `tenantId` and their access token. */
async function person(tenantId: string, roles: string[]): Promise<{ id: string; username: string; token: string }> {
  const username = newName(roles[0]);
  const { id } = await createUser(hub.db, { tenantId, username, displayName: `${roles[0]} 用户`, password: PASSWORD, roles });
  const response = await login(username);
  expect(response.statusCode, response.body).toBe(200);
  return { id, username, token: response.json().access_token };
}

let instAdmin: { id: string; username: string; token: string };
let regionAdmin: { id: string; username: string; token: string };

beforeAll(async () => {
  hub = await startTestHub();
  tenantA = (await createTestTenant(hub, 'system/*.cruds', '甲医院')).id;
  tenantB = (await createTestTenant(hub, 'system/*.cruds', '乙卫生院')).id;
  instAdmin = await person(tenantA, ['institution-admin']);
  regionAdmin = await person(tenantB, ['regional-admin']);
});

afterAll(async () => {
  await hub?.close();
});

describe('user administration', () => {
  it('lets an institution admin create a clinician in their institution, who can then sign in', async () => {
    const username = newName('new.doctor');
    const created = await call('POST', '/auth/users', instAdmin.token, { username, displayName: '新医生', password: PASSWORD, roles: ['clinician'] });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ username, displayName: '新医生', roles: ['clinician'], institution: { id: tenantA }, disabled: false, mfaEnabled: false });
    expect(created.json().password_hash).toBeUndefined();
    expect((await login(username)).statusCode).toBe(200);
  });

  it('lists only the admin’s own institution for an institution admin, everything for a regional admin', async () => {
    const other = await person(tenantB, ['nurse']);
    const own = await call('GET', '/auth/users', instAdmin.token);
    expect(own.statusCode).toBe(200);
    const ownTenants = new Set(own.json().users.map((u: { institution: { id: string } }) => u.institution.id));
    expect([...ownTenants]).toEqual([tenantA]);
    expect((await call('GET', `/auth/users?institution=${tenantB}`, instAdmin.token)).statusCode).toBe(403);

    const region = await call('GET', `/auth/users?institution=${tenantB}&q=${other.username}`, regionAdmin.token);
    expect(region.json().users.map((u: { username: string }) => u.username)).toEqual([other.username]);
  });

  it('keeps region-wide roles and other institutions away from an institution admin', async () => {
    const auditor = await call('POST', '/auth/users', instAdmin.token, { username: newName('aud'), displayName: 'A', password: PASSWORD, roles: ['auditor'] });
    expect(auditor.statusCode).toBe(403);
    expect(auditor.json().issue[0].details.coding[0].code).toBe('ACCESS_ROLE_NOT_GRANTABLE');
    const elsewhere = await call('POST', '/auth/users', instAdmin.token, { username: newName('x'), displayName: 'X', password: PASSWORD, roles: ['clinician'], institution: tenantB });
    expect(elsewhere.statusCode).toBe(403);
    const stranger = await person(tenantB, ['clinician']);
    const disable = await call('POST', `/auth/users/${stranger.id}/disable`, instAdmin.token);
    expect(disable.statusCode).toBe(404);
    expect((await call('GET', '/auth/me', stranger.token)).statusCode).toBe(200);
  });

  it('lets a regional admin create an auditor in any institution', async () => {
    const username = newName('auditor');
    const created = await call('POST', '/auth/users', regionAdmin.token, { username, displayName: '审计员', password: PASSWORD, roles: ['auditor'], institution: tenantA });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ roles: ['auditor'], institution: { id: tenantA } });
  });

  it('refuses everyone else with 403', async () => {
    const clinician = await person(tenantA, ['clinician']);
    expect((await call('GET', '/auth/users', clinician.token)).statusCode).toBe(403);
    const system = await createTestTenant(hub);
    const response = await call('GET', '/auth/users', system.token);
    expect(response.statusCode).toBe(403);
    expect(response.json().issue[0].details.coding[0].code).toBe('ACCESS_ROLE_FORBIDDEN');
    expect((await hub.app.inject({ method: 'GET', url: '/auth/users' })).statusCode).toBe(401);
  });

  it('disables a user (their token stops working at once) and enables them again', async () => {
    const target = await person(tenantA, ['nurse']);
    const disabled = await call('POST', `/auth/users/${target.id}/disable`, instAdmin.token);
    expect(disabled.statusCode, disabled.body).toBe(200);
    expect(disabled.json().disabled).toBe(true);
    expect((await call('GET', '/auth/me', target.token)).statusCode).toBe(401);
    expect((await login(target.username)).statusCode).toBe(401);
    expect((await call('POST', `/auth/users/${target.id}/enable`, instAdmin.token)).json().disabled).toBe(false);
    expect((await login(target.username)).statusCode).toBe(200);
  });

  it('refuses to let an admin disable themselves', async () => {
    const response = await call('POST', `/auth/users/${instAdmin.id}/disable`, instAdmin.token);
    expect(response.statusCode).toBe(400);
  });

  it('unlocks a locked-out user', async () => {
    const target = await person(tenantA, ['clinician']);
    for (let i = 0; i < 5; i++) await login(target.username, `wrong-${i}`);
    expect((await login(target.username)).statusCode).toBe(429);
    const listed = await call('GET', `/auth/users?q=${target.username}`, instAdmin.token);
    expect(listed.json().users[0].lockedUntil).toBeTypeOf('string');
    const unlocked = await call('POST', `/auth/users/${target.id}/unlock`, instAdmin.token);
    expect(unlocked.statusCode).toBe(200);
    expect(unlocked.json().lockedUntil).toBeUndefined();
    expect((await login(target.username)).statusCode).toBe(200);
  });

  it('resets a user’s second factor', async () => {
    const target = await person(tenantA, ['clinician']);
    await hub.db.query(`UPDATE users SET mfa_secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', mfa_enabled_at = now() WHERE id = $1`, [target.id]);
    await hub.db.query(`INSERT INTO auth_recovery_codes (user_id, code_hash) VALUES ($1, 'h1'), ($1, 'h2')`, [target.id]);
    expect((await login(target.username)).json().mfa_required).toBe(true);
    const reset = await call('POST', `/auth/users/${target.id}/reset-mfa`, instAdmin.token);
    expect(reset.statusCode).toBe(200);
    expect(reset.json().mfaEnabled).toBe(false);
    expect((await hub.db.query('SELECT 1 FROM auth_recovery_codes WHERE user_id = $1', [target.id])).rows).toHaveLength(0);
    expect((await login(target.username)).json().access_token).toBeTypeOf('string');
  });

  it.each([
    ['an unknown role', { roles: ['superuser'] }],
    ['no roles', { roles: [] }],
    ['a short password', { password: 'short' }],
    ['a missing display name', { displayName: undefined }],
    ['a bad username', { username: 'has spaces' }],
    ['patient without patientId', { roles: ['patient'] }],
    ['a patientId that does not exist', { roles: ['patient'], patientId: 'no-such-patient' }],
    ['patientId for a clinician', { patientId: 'p1' }],
  ])('400 OperationOutcome for %s', async (_name, change) => {
    const body = { username: newName('bad'), displayName: 'Bad', password: PASSWORD, roles: ['clinician'], ...change };
    const response = await call('POST', '/auth/users', instAdmin.token, body);
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().resourceType).toBe('OperationOutcome');
  });

  it('409 for a taken username, 404 for an unknown user id', async () => {
    const body = { username: instAdmin.username, displayName: 'Dup', password: PASSWORD, roles: ['clinician'] };
    expect((await call('POST', '/auth/users', instAdmin.token, body)).statusCode).toBe(409);
    expect((await call('POST', '/auth/users/no-such-user/unlock', instAdmin.token)).statusCode).toBe(404);
  });

  it('creates a patient user bound to their Patient record, with patient/*.rs and the Patient in the token', async () => {
    const patientId = `p-${randomUUID().slice(0, 8)}`;
    await hub.db.query(
      `INSERT INTO fhir_resources (tenant_id, resource_type, id, version_id, last_updated, content) VALUES ($1, 'Patient', $2, 1, now(), $3)`,
      [tenantA, patientId, { resourceType: 'Patient', id: patientId }],
    );
    const username = newName('patient');
    const created = await call('POST', '/auth/users', instAdmin.token, { username, displayName: '张三', password: PASSWORD, roles: ['patient'], patientId });
    expect(created.statusCode, created.body).toBe(201);
    const signedIn = (await login(username)).json();
    expect(signedIn.scope).toBe('patient/*.rs');
    expect(signedIn.user.patient).toEqual({ tenantId: tenantA, id: patientId });
    const claims = await hub.deps.tokens.verify(signedIn.access_token);
    expect(claims.patient).toEqual({ tenantId: tenantA, id: patientId });
    const mine = (await call('GET', '/auth/me', signedIn.access_token)).json();
    expect(mine).toMatchObject({ patient: { tenantId: tenantA, id: patientId }, pages: ['consent', 'security'] });

    // On /fhir the token reaches the patient's own record only.
    expect((await call('GET', `/fhir/Patient/${patientId}`, signedIn.access_token)).statusCode).toBe(200);
    expect((await call('GET', `/fhir/Patient/${patientId}/$everything`, signedIn.access_token)).statusCode).toBe(200);
    for (const url of ['/fhir/Patient', '/fhir/Observation', `/fhir/Observation?patient=${patientId}`, '/fhir/Patient/someone-else', `/fhir/Patient/${patientId}/_history`]) {
      const response = await call('GET', url, signedIn.access_token);
      expect(response.statusCode, url).toBe(403);
      expect(response.json().issue[0].details.coding[0].code).toBe('ACCESS_INSUFFICIENT_SCOPE');
    }
    expect((await call('POST', '/fhir/Observation', signedIn.access_token, { resourceType: 'Observation' })).statusCode).toBe(403);
  });
});
