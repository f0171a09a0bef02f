import type { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import { buildApp, createAppDeps, type AppDeps } from '../../src/app.js';
import { loadConfig } from '../../src/platform/config/config.js';
import type { Db } from '../../src/platform/storage/index.js';
import { openTestDb } from './db.js';

export interface TestHub {
  app: FastifyInstance;
  db: Db;
  deps: AppDeps;
  close(): Promise<void>;
}

/** Builds the real app on a real test database. */
export async function startTestHub(overrides: Parameters<typeof loadConfig>[1] = {}): Promise<TestHub> {
  const db = await openTestDb();
  // MFA is off unless a test asks for it: most tests sign people in with a password only (access tests turn it on).
  // Online identity matching is off unless a test asks for it: on a shared PostgreSQL database its consumer would
  // link (and version) every other test file's Patients.
  const config = loadConfig({}, { baseUrl: 'http://hub.test', dataDir: '/tmp/xietong-test-unused', requireMfa: false, identityOnlineMatch: false, ...overrides });
  const deps = await createAppDeps(config, db);
  const app = await buildApp(deps);
  await app.ready();
  return {
    app,
    db,
    deps,
    async close() {
      await deps.events.stop();
      await app.close();
      await db.close();
    },
  };
}

export interface TestTenant {
  id: string;
  token: string;
  /** Authorization header for app.inject. */
  headers: { authorization: string };
}

/** Creates a fresh institution (so tests never see each other's data) and a token for it. */
export async function createTestTenant(hub: TestHub, scope = 'system/*.cruds', name = 'Test Hospital'): Promise<TestTenant> {
  const id = `t-${randomUUID().slice(0, 12)}`;
  await hub.db.query('INSERT INTO institutions (id, name, kind) VALUES ($1, $2, $3)', [id, name, 'other']);
  const issued = await hub.deps.tokens.mint({ tenantId: id, actor: { kind: 'system', id: `client-${id}` }, scope });
  return { id, token: issued.access_token, headers: { authorization: `Bearer ${issued.access_token}` } };
}
