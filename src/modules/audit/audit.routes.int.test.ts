import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, startTestHub, type TestHub, type TestTenant } from '../../../test/support/app.js';
import { testEngine } from '../../../test/support/db.js';
import { createAuthenticateHook } from '../access/index.js';
import { installContentTypes } from '../../platform/http/content-types.js';
import { installErrorHandling } from '../../platform/http/error-handler.js';
import { appendAuditEvents } from './append.service.js';
import { auditPlugin } from './audit.routes.js';
import { verifyConsistency, verifyInclusion } from './merkle/verify.js';
import { sampleAuditEvent } from './test-support/audit-fixtures.js';

let hub: TestHub;
let app: FastifyInstance;
let tenant: TestTenant;

beforeAll(async () => {
  hub = await startTestHub();
  // The lead mounts the plugin in buildApp; here it gets an app of its own with the hub's real deps and error handling.
  app = Fastify();
  installContentTypes(app);
  installErrorHandling(app);
  await app.register(auditPlugin, { prefix: '/audit', deps: hub.deps, authenticate: createAuthenticateHook(hub.deps.tokens, hub.deps.config.baseUrl) });
  await app.ready();
  tenant = await createTestTenant(hub);
});
afterAll(async () => {
  await app.close();
  await hub.close();
});

const b64 = (value: string) => Buffer.from(value, 'base64');

async function get(url: string) {
  const response = await app.inject({ method: 'GET', url, headers: tenant.headers });
  return { status: response.statusCode, body: response.json() };
}

function expectOutcome(body: { resourceType: string; issue: Array<{ details?: { coding?: Array<{ code: string }> }; expression?: string[] }> }, code: string, expression?: string) {
  expect(body.resourceType).toBe('OperationOutcome');
  expect(body.issue[0].details?.coding?.[0].code).toBe(code);
  if (expression) expect(body.issue[0].expression).toEqual([expression]);
}

describe('audit API', () => {
  it('needs a token for everything but the public keys', async () => {
    for (const [method, url] of [['GET', '/audit/tree-head'], ['POST', '/audit/tree-head'], ['GET', '/audit/proof/inclusion?leaf=0'], ['GET', '/audit/proof/consistency?first=1&second=1']] as const) {
      const response = await app.inject({ method, url });
      expect(response.statusCode, url).toBe(401);
      expectOutcome(response.json(), 'ACCESS_TOKEN_MISSING');
    }
    const keys = await app.inject({ method: 'GET', url: '/audit/keys' });
    expect(keys.statusCode).toBe(200);
    expect(keys.json().keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA' });
    expect(keys.json().keys[0].d).toBeUndefined();
  });

  it('answers 404 with an OperationOutcome before any head is signed', async () => {
    // Only a fresh database is sure to have no head yet; on the shared PostgreSQL other files may have signed one.
    if (testEngine !== 'pglite') return;
    const { status, body } = await get('/audit/tree-head');
    expect(status).toBe(404);
    expectOutcome(body, 'AUDIT_NO_TREE_HEAD');
  });

  it('signs heads and serves inclusion and consistency proofs that verify', async () => {
    const appended = await appendAuditEvents(hub.db, [0, 1, 2].map((i) => sampleAuditEvent(tenant.id, i)));
    const signed = await app.inject({ method: 'POST', url: '/audit/tree-head', headers: tenant.headers });
    expect(signed.statusCode).toBe(201);
    const first = signed.json();
    expect(first.treeSize).toBeGreaterThanOrEqual(appended[2].seq + 1);
    expect(first.checkpoint).toBe(`xietong-audit/main\n${first.treeSize}\n${first.rootHash}\ntimestamp ${first.timestampMs}\n`);

    const more = await appendAuditEvents(hub.db, [3, 4, 5, 6, 7].map((i) => sampleAuditEvent(tenant.id, i)));
    const second = (await app.inject({ method: 'POST', url: '/audit/tree-head', headers: tenant.headers })).json();
    const latest = await get('/audit/tree-head');
    expect(latest.status).toBe(200);
    expect(latest.body.treeSize).toBeGreaterThanOrEqual(second.treeSize);

    for (const leaf of [...appended, ...more]) {
      const { status, body } = await get(`/audit/proof/inclusion?leaf=${leaf.seq}&treeSize=${second.treeSize}`);
      expect(status).toBe(200);
      expect(b64(body.leafHash).equals(leaf.leafHash)).toBe(true);
      const ok = verifyInclusion({ leafIndex: leaf.seq, treeSize: second.treeSize, leafHash: leaf.leafHash, proof: body.auditPath.map(b64), root: b64(second.rootHash) });
      expect(ok, `leaf ${leaf.seq}`).toBe(true);
    }
    const consistency = await get(`/audit/proof/consistency?first=${first.treeSize}&second=${second.treeSize}`);
    expect(consistency.status).toBe(200);
    expect(
      verifyConsistency({ first: first.treeSize, second: second.treeSize, firstRoot: b64(first.rootHash), secondRoot: b64(second.rootHash), proof: consistency.body.consistencyPath.map(b64) }),
    ).toBe(true);
  });

  it('defaults treeSize of an inclusion proof to the latest signed head', async () => {
    const [leaf] = await appendAuditEvents(hub.db, [sampleAuditEvent(tenant.id, 42)]);
    const head = (await app.inject({ method: 'POST', url: '/audit/tree-head', headers: tenant.headers })).json();
    const { status, body } = await get(`/audit/proof/inclusion?leaf=${leaf.seq}`);
    expect(status).toBe(200);
    expect(body.treeSize).toBeGreaterThanOrEqual(head.treeSize);
  });

  it.each([
    ['/audit/proof/inclusion', 'AUDIT_INVALID_PARAMETER', 'leaf'],
    ['/audit/proof/inclusion?leaf=abc&treeSize=1', 'AUDIT_INVALID_PARAMETER', 'leaf'],
    ['/audit/proof/inclusion?leaf=-1&treeSize=1', 'AUDIT_INVALID_PARAMETER', 'leaf'],
    ['/audit/proof/inclusion?leaf=1.5&treeSize=4', 'AUDIT_INVALID_PARAMETER', 'leaf'],
    ['/audit/proof/inclusion?leaf=1e3&treeSize=4', 'AUDIT_INVALID_PARAMETER', 'leaf'],
    ['/audit/proof/inclusion?leaf=0&leaf=1&treeSize=4', 'AUDIT_INVALID_PARAMETER', 'leaf'],
    ['/audit/proof/inclusion?leaf=99999999999999999999&treeSize=4', 'AUDIT_INVALID_PARAMETER', 'leaf'],
    ['/audit/proof/inclusion?leaf=0&treeSize=x', 'AUDIT_INVALID_PARAMETER', 'treeSize'],
    ['/audit/proof/inclusion?leaf=5&treeSize=5', 'AUDIT_LEAF_OUT_OF_RANGE', 'leaf'],
    ['/audit/proof/inclusion?leaf=0&treeSize=0', 'AUDIT_LEAF_OUT_OF_RANGE', 'leaf'],
    ['/audit/proof/inclusion?leaf=0&treeSize=9007199254740991', 'AUDIT_TREE_SIZE_OUT_OF_RANGE', 'treeSize'],
    ['/audit/proof/consistency?first=1', 'AUDIT_INVALID_PARAMETER', 'second'],
    ['/audit/proof/consistency?first=&second=2', 'AUDIT_INVALID_PARAMETER', 'first'],
    ['/audit/proof/consistency?first=two&second=2', 'AUDIT_INVALID_PARAMETER', 'first'],
    ['/audit/proof/consistency?first=3&second=2', 'AUDIT_SIZES_OUT_OF_ORDER', 'first'],
    ['/audit/proof/consistency?first=0&second=2', 'AUDIT_TREE_SIZE_OUT_OF_RANGE', 'first'],
    ['/audit/proof/consistency?first=1&second=9007199254740991', 'AUDIT_TREE_SIZE_OUT_OF_RANGE', 'second'],
  ])('GET %s → 400 %s', async (url, code, expression) => {
    await appendAuditEvents(hub.db, Array.from({ length: 5 }, (_, i) => sampleAuditEvent(tenant.id, 100 + i)));
    const { status, body } = await get(url);
    expect(status).toBe(400);
    expectOutcome(body, code, expression);
  });
});
