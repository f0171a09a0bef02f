import { randomUUID } from 'node:crypto';
import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, startTestHub, type TestHub } from '../../../test/support/app.js';
import { HubError } from '../../platform/errors/index.js';
import { completeMfaSignIn, MFA_TICKET_TTL_SECONDS, signInWithPassword } from './login.service.js';
import { peoplePolicyFromConfig } from './session.service.js';
import { createUser } from './user.service.js';

let hub: TestHub;
let tenantId: string;
const PASSWORD = 'a-long-enough-secret';

function post(url: string, payload: unknown, token?: string) {
  return hub.app.inject({ method: 'POST', url, payload: payload as object, headers: token ? { authorization: `Bearer ${token}` } : {} });
}

async function newUser(roles = ['clinician']): Promise<{ id: string; username: string }> {
  const username = `mfa.${randomUUID().slice(0, 8)}`;
  const { id } = await createUser(hub.db, { tenantId, username, displayName: '双因素 测试', password: PASSWORD, roles });
  return { id, username };
}

/** The code an authenticator app shows `offsetSeconds` from now. */
function codeAt(secret: string, offsetSeconds = 0): Promise<string> {
  return generate({ secret, epoch: Math.floor(Date.now() / 1000) + offsetSeconds });
}

/** Signs in with the password (enrolment ticket), enrols and confirms; returns the secret, codes and tokens. */
async function enrol(username: string) {
  const login = await post('/auth/login', { username, password: PASSWORD });
  expect(login.json()).toMatchObject({ mfa_enrolment_required: true, expires_in: MFA_TICKET_TTL_SECONDS });
  const ticket = login.json().mfa_ticket as string;
  const started = await post('/auth/mfa/enrol', { mfa_ticket: ticket });
  expect(started.statusCode, started.body).toBe(200);
  const { secret } = started.json() as { secret: string };
  const confirmed = await post('/auth/mfa/confirm', { mfa_ticket: ticket, code: await codeAt(secret) });
  expect(confirmed.statusCode, confirmed.body).toBe(200);
  return { secret, ticket, body: confirmed.json() as { recovery_codes: string[]; access_token: string; refresh_token: string } };
}

beforeAll(async () => {
  hub = await startTestHub({ requireMfa: true });
  tenantId = (await createTestTenant(hub)).id;
});

afterAll(async () => {
  await hub?.close();
});

describe('TOTP enrolment when MFA is required', () => {
  it('gives a user without MFA only an enrolment ticket, then a QR code, recovery codes and tokens', async () => {
    const { username } = await newUser();
    const login = await post('/auth/login', { username, password: PASSWORD });
    expect(login.statusCode).toBe(200);
    const challenge = login.json();
    expect(challenge.access_token).toBeUndefined();
    expect(challenge.mfa_ticket).toMatch(/^xmt_/);
    // The enrolment ticket is not a sign-in ticket.
    const wrongUse = await post('/auth/login/mfa', { mfa_ticket: challenge.mfa_ticket, code: '123456' });
    expect(wrongUse.statusCode).toBe(401);
    expect(wrongUse.json().issue[0].details.coding[0].code).toBe('ACCESS_MFA_TICKET_INVALID');

    const started = await post('/auth/mfa/enrol', { mfa_ticket: challenge.mfa_ticket });
    const enrolment = started.json();
    expect(enrolment.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(enrolment.otpauthUri).toBe(`otpauth://totp/Xietong%20%E5%8D%8F%E5%90%8C:${username}?secret=${enrolment.secret}&issuer=Xietong%20%E5%8D%8F%E5%90%8C`);
    expect(enrolment.qrCodeDataUrl).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(Buffer.from(enrolment.qrCodeDataUrl.split(',')[1], 'base64').toString()).toContain('<svg');

    const wrong = await post('/auth/mfa/confirm', { mfa_ticket: challenge.mfa_ticket, code: (Number(await codeAt(enrolment.secret)) + 1).toString().padStart(6, '0').slice(-6) });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().issue[0].details.coding[0].code).toBe('ACCESS_MFA_FAILED');

    const confirmed = await post('/auth/mfa/confirm', { mfa_ticket: challenge.mfa_ticket, code: await codeAt(enrolment.secret) });
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    const body = confirmed.json();
    expect(body.recovery_codes).toHaveLength(10);
    expect(new Set(body.recovery_codes).size).toBe(10);
    for (const code of body.recovery_codes) expect(code).toMatch(/^[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}$/);
    expect(body.user).toMatchObject({ username, mfaEnabled: true });
    const me = await hub.app.inject({ method: 'GET', url: '/auth/me', headers: { authorization: `Bearer ${body.access_token}` } });
    expect(me.json()).toMatchObject({ username, mfaEnabled: true });

    const stored = await hub.db.query<{ code_hash: string }>('SELECT code_hash FROM auth_recovery_codes WHERE user_id = $1', [body.user.id]);
    expect(stored.rows).toHaveLength(10);
    for (const row of stored.rows) expect(body.recovery_codes.join(' ')).not.toContain(row.code_hash);
    // The ticket was single-use.
    expect((await post('/auth/mfa/enrol', { mfa_ticket: challenge.mfa_ticket })).statusCode).toBe(401);
  });

  it('refuses to enrol twice (409) and to confirm without starting (409)', async () => {
    const { username } = await newUser();
    const { body } = await enrol(username);
    const again = await post('/auth/mfa/enrol', {}, body.access_token);
    expect(again.statusCode).toBe(409);
    expect(again.json().issue[0].details.coding[0].code).toBe('ACCESS_MFA_ALREADY_ENABLED');

    const other = await newUser();
    const ticket = (await post('/auth/login', { username: other.username, password: PASSWORD })).json().mfa_ticket;
    const early = await post('/auth/mfa/confirm', { mfa_ticket: ticket, code: '000000' });
    expect(early.statusCode).toBe(409);
    expect(early.json().issue[0].details.coding[0].code).toBe('ACCESS_MFA_NOT_PENDING');
  });

  it('needs a ticket or a bearer token to enrol (401), and a code to confirm (400)', async () => {
    expect((await post('/auth/mfa/enrol', {})).statusCode).toBe(401);
    expect((await post('/auth/mfa/enrol', { mfa_ticket: 'xmt_forged' })).statusCode).toBe(401);
    expect((await post('/auth/mfa/enrol', {}, 'not-a-token')).statusCode).toBe(401);
    const missing = await post('/auth/mfa/confirm', { mfa_ticket: 'xmt_forged' });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().resourceType).toBe('OperationOutcome');
  });
});

describe('two-step sign-in', () => {
  it('answers mfa_required after the password, then tokens for a fresh code; a code is accepted once', async () => {
    const { username } = await newUser();
    const { secret } = await enrol(username); // used the code of the current step
    const login = await post('/auth/login', { username, password: PASSWORD });
    expect(login.json()).toMatchObject({ mfa_required: true });
    expect(login.json().access_token).toBeUndefined();
    const ticket = login.json().mfa_ticket;

    const replay = await post('/auth/login/mfa', { mfa_ticket: ticket, code: await codeAt(secret) });
    expect(replay.statusCode).toBe(401);
    const next = await post('/auth/login/mfa', { mfa_ticket: ticket, code: await codeAt(secret, 30) });
    expect(next.statusCode, next.body).toBe(200);
    expect(next.json()).toMatchObject({ token_type: 'bearer', expires_in: 900, user: { username, mfaEnabled: true } });
    expect(next.json().refresh_token).toMatch(/^xrt_/);
    // The ticket is gone after success.
    expect((await post('/auth/login/mfa', { mfa_ticket: ticket, code: await codeAt(secret, 60) })).statusCode).toBe(401);
  });

  it('accepts each recovery code once', async () => {
    const { username } = await newUser();
    const { body } = await enrol(username);
    const code = body.recovery_codes[3].toUpperCase().replace(/-/g, ' ');
    const ticket1 = (await post('/auth/login', { username, password: PASSWORD })).json().mfa_ticket;
    const first = await post('/auth/login/mfa', { mfa_ticket: ticket1, recovery_code: code });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json().recovery_codes_left).toBe(9);
    const ticket2 = (await post('/auth/login', { username, password: PASSWORD })).json().mfa_ticket;
    expect((await post('/auth/login/mfa', { mfa_ticket: ticket2, recovery_code: body.recovery_codes[3] })).statusCode).toBe(401);
  });

  it('voids the ticket and locks the username after 5 wrong codes', async () => {
    const { username } = await newUser();
    const { secret } = await enrol(username);
    const ticket = (await post('/auth/login', { username, password: PASSWORD })).json().mfa_ticket;
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await post('/auth/login/mfa', { mfa_ticket: ticket, code: '000000' })).statusCode);
    expect(statuses).toEqual([401, 401, 401, 401, 429]);
    const right = await post('/auth/login/mfa', { mfa_ticket: ticket, code: await codeAt(secret, 30) });
    expect(right.statusCode).toBe(401);
    expect(right.json().issue[0].details.coding[0].code).toBe('ACCESS_MFA_TICKET_INVALID');
    const password = await post('/auth/login', { username, password: PASSWORD });
    expect(password.statusCode).toBe(429);
    expect(Number(password.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('lets a ticket expire after 5 minutes (service, injected clock)', async () => {
    const { username } = await newUser();
    const { secret } = await enrol(username);
    const deps = { db: hub.db, tokens: hub.deps.tokens, people: peoplePolicyFromConfig(hub.deps.config) };
    const t0 = new Date();
    const challenge = await signInWithPassword(deps, { username, password: PASSWORD }, { now: t0 });
    expect('mfa_ticket' in challenge).toBe(true);
    const ticket = (challenge as { mfa_ticket: string }).mfa_ticket;
    const late = new Date(t0.getTime() + (MFA_TICKET_TTL_SECONDS + 1) * 1000);
    const code = await generate({ secret, epoch: Math.floor(late.getTime() / 1000) });
    const err = await completeMfaSignIn(deps, { mfa_ticket: ticket, code }, { now: late }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HubError);
    expect((err as HubError).code).toBe('ACCESS_MFA_TICKET_INVALID');
  });

  it.each([
    ['both code and recovery_code', { code: '123456', recovery_code: 'abcd-efgh-jkmn' }, 400],
    ['neither code nor recovery_code', {}, 400],
    ['an object as code', { code: { digits: '123456' } }, 400],
    ['an unknown ticket', { code: '123456', mfa_ticket: 'xmt_unknown' }, 401],
  ])('answers %s with an OperationOutcome', async (_name, extra, status) => {
    const response = await post('/auth/login/mfa', { mfa_ticket: 'xmt_unknown', ...extra });
    expect(response.statusCode).toBe(status);
    expect(response.json().resourceType).toBe('OperationOutcome');
  });

  it('400 without a ticket', async () => {
    const response = await post('/auth/login/mfa', { code: '123456' });
    expect(response.statusCode).toBe(400);
    expect(response.json().resourceType).toBe('OperationOutcome');
  });
});

describe('demo users', () => {
  it('sign in with the password alone even when MFA is required elsewhere', async () => {
    const username = `demo.${randomUUID().slice(0, 8)}`;
    await createUser(hub.db, { tenantId, username, displayName: 'Demo', password: PASSWORD, roles: ['clinician'], demo: true });
    const login = await post('/auth/login', { username, password: PASSWORD });
    expect(login.json().access_token).toBeTypeOf('string');
  });
});
