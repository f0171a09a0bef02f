import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../../../test/support/app.js';
import { openTestDb, testEngine } from '../../../test/support/db.js';
import { listMigrations, type Db } from '../storage/index.js';
import { installErrorHandling } from './error-handler.js';
import { installOps } from './ops.js';
import { UNMATCHED_ROUTE } from './metrics.js';

/** A bare app with only the error handler and the ops surface, plus one parameterised route. */
async function buildOpsApp(db: Db, expectedMigrations?: number[]): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  installErrorHandling(app);
  await installOps(app, { db, expectedMigrations });
  app.get('/things/:id', async (request) => ({ id: (request.params as { id: string }).id }));
  await app.ready();
  return app;
}

/** Reads one sample's value from Prometheus text, or undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labelPart = line.slice(name.length).split(' ')[0];
    if (wanted.every((pair) => labelPart.includes(pair))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('ops endpoints on the real app', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub();
  });
  afterAll(async () => {
    await hub.close();
  });

  it('GET /healthz answers 200 {status: ok} without a token', async () => {
    const res = await hub.app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('GET /readyz answers 200 when the database is migrated', async () => {
    const res = await hub.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe('ready');
    expect(res.json().migrations).toBeGreaterThanOrEqual(listMigrations().length);
  });

  it('GET /metrics serves Prometheus text with process, HTTP and outbox metrics', async () => {
    await hub.app.inject({ method: 'GET', url: '/healthz' });
    const res = await hub.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.body).toContain('# TYPE process_cpu_user_seconds_total counter');
    expect(res.body).toContain('# TYPE nodejs_eventloop_lag_seconds gauge');
    expect(sample(res.body, 'http_request_duration_seconds_count', { method: 'GET', route: '/healthz', status_code: '200' })).toBeGreaterThanOrEqual(1);
    expect(Number.isFinite(sample(res.body, 'xietong_outbox_pending_events'))).toBe(true);
  });

  it('documents the ops endpoints in /docs/json, public, and hides /fhir routes', async () => {
    const res = await hub.app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    for (const path of ['/healthz', '/readyz', '/metrics']) {
      expect(doc.paths[path]?.get?.tags).toEqual(['ops']);
      expect(doc.paths[path].get.security).toBeUndefined();
    }
    expect(doc.paths['/healthz'].get.responses['200'].content['application/json'].schema.properties.status.type).toBe('string');
    expect(Object.keys(doc.paths).filter((path: string) => path.startsWith('/fhir'))).toEqual([]);
  });
});

describe('metrics', () => {
  let db: Db;
  beforeAll(async () => {
    db = await openTestDb();
  });
  afterAll(async () => {
    await db.close();
  });

  it('labels requests by route pattern, not raw URL, and unmatched requests with one label', async () => {
    const app = await buildOpsApp(db);
    for (const id of ['a1', 'b2', 'c3']) await app.inject({ method: 'GET', url: `/things/${id}` });
    await app.inject({ method: 'GET', url: '/no/such/path/123' });
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(sample(text, 'http_request_duration_seconds_count', { method: 'GET', route: '/things/:id', status_code: '200' })).toBe(3);
    expect(sample(text, 'http_request_duration_seconds_count', { route: UNMATCHED_ROUTE, status_code: '404' })).toBe(1);
    expect(text).not.toContain('/things/a1');
    expect(text).not.toContain('/no/such/path');
    await app.close();
  });

  it('keeps a separate registry per app instance', async () => {
    const first = await buildOpsApp(db);
    const second = await buildOpsApp(db);
    await first.inject({ method: 'GET', url: '/things/x' });
    await first.inject({ method: 'GET', url: '/things/y' });
    const firstText = (await first.inject({ method: 'GET', url: '/metrics' })).body;
    const secondText = (await second.inject({ method: 'GET', url: '/metrics' })).body;
    expect(sample(firstText, 'http_request_duration_seconds_count', { route: '/things/:id' })).toBe(2);
    expect(sample(secondText, 'http_request_duration_seconds_count', { route: '/things/:id' })).toBeUndefined();
    await Promise.all([first.close(), second.close()]);
  });

  it('counts pending outbox events', async () => {
    const app = await buildOpsApp(db);
    const tenant = `t-ops-${Math.random().toString(36).slice(2, 10)}`;
    await db.query(
      `INSERT INTO outbox_events (tenant_id, event_type, resource_type, resource_id) VALUES ($1, 'fhir.create', 'Patient', 'p1'), ($1, 'fhir.create', 'Patient', 'p2')`,
      [tenant],
    );
    await db.query(
      `INSERT INTO outbox_events (tenant_id, event_type, dispatched_at) VALUES ($1, 'fhir.create', now())`,
      [tenant],
    );
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    const gauge = sample(text, 'xietong_outbox_pending_events');
    if (testEngine === 'pglite') {
      const counted = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox_events WHERE dispatched_at IS NULL');
      expect(gauge).toBe(counted.rows[0].n);
    } else {
      // The PostgreSQL database is shared with other test files that add and dispatch events concurrently.
      expect(gauge).toBeGreaterThanOrEqual(2);
    }
    await app.close();
  });
});

describe('readiness failures', () => {
  it('answers 503 with an OperationOutcome when migrations are pending', async () => {
    const db = await openTestDb();
    const shipped = listMigrations().map((migration) => migration.version);
    const app = await buildOpsApp(db, [...shipped, 998, 999]);
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    const outcome = res.json();
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue[0].code).toBe('transient');
    expect(outcome.issue[0].details.text).toContain('998, 999');
    await app.close();
    await db.close();
  });

  it('answers 503 when the database is gone, while /healthz still answers 200 and /metrics still renders', async () => {
    const db = await openTestDb();
    const app = await buildOpsApp(db);
    await db.close();
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().resourceType).toBe('OperationOutcome');
    expect(ready.json().issue[0].details.text).toMatch(/^Database is not reachable/);
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    const metrics = await app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toMatch(/^xietong_outbox_pending_events nan$/im) // prom-client writes "Nan"; Prometheus parses it case-insensitively;
    await app.close();
  });
});
