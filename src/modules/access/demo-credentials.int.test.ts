import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../../../test/support/app.js';
import { HubError } from '../../platform/errors/index.js';
import { signClientAssertion } from './client-assertion.js';
import { createDemoCredentials, DEMO_PASSWORD, listDemoCredentials, readDemoClients } from './demo-credentials.service.js';

let hub: TestHub;
let dataDir: string;
const tertiary = { id: `t-${randomUUID().slice(0, 8)}`, name: '协同市第一人民医院' };
const community = { id: `t-${randomUUID().slice(0, 8)}`, name: '东城社区卫生服务中心' };

function tokenRequest(assertion: string) {
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: assertion,
    scope: 'system/*.cruds',
  });
  return hub.app.inject({ method: 'POST', url: '/auth/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form.toString() });
}

/** Lines about our two institutions (the PostgreSQL test database is shared with other test files). */
function ours(lines: string[]): string {
  return lines.filter((line) => line.includes(tertiary.id) || line.includes(community.id) || line.includes('system client')).join('\n');
}

beforeAll(async () => {
  hub = await startTestHub();
  dataDir = mkdtempSync(join(tmpdir(), 'xietong-demo-'));
  // Community first: the region-wide demo users must still land at the tertiary hospital.
  await hub.db.query('INSERT INTO institutions (id, name, kind) VALUES ($1, $2, $3), ($4, $5, $6)', [
    community.id, community.name, 'community-health-centre', tertiary.id, tertiary.name, 'tertiary-hospital',
  ]);
});

afterAll(async () => {
  await hub?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('demo credentials', () => {
  it('refuses outside demo mode', async () => {
    const err = await createDemoCredentials(hub.db, { dataDir, institutions: [tertiary], demo: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HubError);
    expect((err as HubError).code).toBe('ACCESS_DEMO_ONLY');
    expect(existsSync(join(dataDir, 'demo-credentials'))).toBe(false);
  });

  it('refuses an institution that is not in the database', async () => {
    const err = await createDemoCredentials(hub.db, { dataDir, institutions: [{ id: 'no-such', name: 'x' }], demo: true }).catch((e: unknown) => e);
    expect((err as HubError).code).toBe('ACCESS_UNKNOWN_TENANT');
  });

  it('creates clients with 0600 key files, users, and printable lines; the round trip yields working tokens', async () => {
    const lines = await createDemoCredentials(hub.db, { dataDir, institutions: [community, tertiary], demo: true });
    const text = lines.join('\n');
    expect(text).toContain(DEMO_PASSWORD);
    expect(text).toContain(`${tertiary.id}.doctor (clinician)`);
    expect(text).toContain(`${tertiary.id}.coordinator (referral-coordinator)`);
    expect(text).toContain(`${community.id}.doctor (clinician)`);
    expect(text).toContain(`${community.id}.nurse (nurse)`);
    expect(text).toContain(`${community.id}.coordinator (referral-coordinator)`);
    expect(text).toContain(`${community.id}.admin (institution-admin)`);

    const entries = readDemoClients(dataDir);
    for (const institution of [tertiary, community]) {
      const entry = entries.find((e) => e.institutionId === institution.id);
      expect(entry).toBeDefined();
      expect(statSync(entry!.keyFile).mode & 0o777).toBe(0o600);
      expect(text).toContain(entry!.clientId);
      expect(text).toContain(entry!.keyFile);
      const privateJwk = JSON.parse(readFileSync(entry!.keyFile, 'utf8')) as JWK;
      expect(privateJwk.d).toBeTypeOf('string');
      const assertion = await signClientAssertion({ privateJwk, clientId: entry!.clientId, audience: 'http://hub.test/auth/token' });
      const response = await tokenRequest(assertion);
      expect(response.statusCode, response.body).toBe(200);
      const claims = await hub.deps.tokens.verify(response.json().access_token);
      expect(claims.tenantId).toBe(institution.id);
      expect(claims.scope).toBe('system/*.cruds');
    }
    expect(entries.find((e) => e.institutionId === tertiary.id)?.kind).toBe('tertiary-hospital');

    const login = await hub.app.inject({ method: 'POST', url: '/auth/login', payload: { username: `${tertiary.id}.coordinator`, password: DEMO_PASSWORD } });
    expect(login.statusCode, login.body).toBe(200);
    expect(login.json().user).toMatchObject({ roles: ['referral-coordinator'], institution: { id: tertiary.id, name: tertiary.name } });
  });

  it('is idempotent, and listDemoCredentials prints the same lines on a later start', async () => {
    const before = readDemoClients(dataDir);
    const keyBefore = readFileSync(before[0].keyFile, 'utf8');
    const again = await createDemoCredentials(hub.db, { dataDir, institutions: [community, tertiary], demo: true });
    expect(readDemoClients(dataDir)).toEqual(before);
    expect(readFileSync(before[0].keyFile, 'utf8')).toBe(keyBefore);
    const users = await hub.db.query('SELECT username FROM users WHERE tenant_id = ANY($1) AND username NOT LIKE $2', [[tertiary.id, community.id], 'region.%']);
    expect(users.rows).toHaveLength(8); // doctor, nurse, coordinator, admin at each
    const regional = await hub.db.query<{ username: string; roles: string[] }>("SELECT username, roles FROM users WHERE username LIKE 'region.%' ORDER BY username");
    expect(regional.rows.map((r) => `${r.username}:${r.roles.join()}`)).toEqual([
      'region.admin:regional-admin',
      'region.analyst:regional-analyst',
      'region.auditor:auditor',
      'region.privacy:privacy-officer',
    ]);
    expect(ours(await listDemoCredentials(hub.db, dataDir))).toBe(ours(again));
  });

  it('replaces a lost key file with a new key for the same client; the old key stops working', async () => {
    const entry = readDemoClients(dataDir).find((e) => e.institutionId === community.id)!;
    const oldKey = JSON.parse(readFileSync(entry.keyFile, 'utf8')) as JWK;
    unlinkSync(entry.keyFile);
    await createDemoCredentials(hub.db, { dataDir, institutions: [community], demo: true });
    const renewed = readDemoClients(dataDir).find((e) => e.institutionId === community.id)!;
    expect(renewed.clientId).toBe(entry.clientId);
    const newKey = JSON.parse(readFileSync(renewed.keyFile, 'utf8')) as JWK;
    expect(newKey.kid).not.toBe(oldKey.kid);
    const audience = 'http://hub.test/auth/token';
    expect((await tokenRequest(await signClientAssertion({ privateJwk: newKey, clientId: entry.clientId, audience }))).statusCode).toBe(200);
    expect((await tokenRequest(await signClientAssertion({ privateJwk: oldKey, clientId: entry.clientId, audience }))).statusCode).toBe(401);
    // The other institution keeps its entry in the index.
    expect(readDemoClients(dataDir).some((e) => e.institutionId === tertiary.id)).toBe(true);
  });

  it('reads an empty index from a data dir without demo credentials', async () => {
    expect(readDemoClients(mkdtempSync(join(tmpdir(), 'xietong-empty-')))).toEqual([]);
  });
});
