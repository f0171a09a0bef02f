import type { FastifyInstance } from 'fastify';
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp, createAppDeps } from '../app.js';
import { loadConfig } from '../platform/config/config.js';
import type { Db } from '../platform/storage/index.js';
import { openTestDb } from '../../test/support/db.js';
import { installGracefulShutdown, type ShutdownController } from './graceful-shutdown.js';

interface Started {
  app: FastifyInstance;
  db: Db;
  port: number;
  /** Resolves when the slow handler has begun, i.e. the request is in flight. */
  slowStarted: Promise<void>;
}

/** The real app on a real database, listening on a free port, with a slow test route. */
async function startSlowHub(slowMs: number): Promise<Started> {
  const db = await openTestDb();
  const deps = await createAppDeps(loadConfig({}, { baseUrl: 'http://hub.test' }), db);
  const app = await buildApp(deps);
  let markStarted: () => void = () => {};
  const slowStarted = new Promise<void>((resolve) => {
    markStarted = resolve;
  });
  app.get('/test/slow', { config: { public: true } }, async () => {
    markStarted();
    await new Promise((resolve) => setTimeout(resolve, slowMs));
    // The database must still be open while a request that started before the signal runs.
    const row = await db.query<{ one: number }>('SELECT 1 AS one');
    return { finished: true, one: row.rows[0].one };
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { app, db, port, slowStarted };
}

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

// Each test opens its own database (it gets closed): slow on a loaded machine, hence the timeout.
describe('graceful shutdown', { timeout: 300_000 }, () => {
  let controller: ShutdownController | undefined;
  afterEach(() => controller?.dispose());

  it('lets an in-flight request finish with 200, then closes the database and exits 0', async () => {
    const hub = await startSlowHub(1_500);
    const exits: number[] = [];
    const log: string[] = [];
    controller = installGracefulShutdown(
      { closeServer: () => hub.app.close(), closeDb: () => hub.db.close() },
      { exit: (code) => exits.push(code), log: (line) => log.push(line), signals: [] },
    );
    const inFlight = get(hub.port, '/test/slow');
    await hub.slowStarted;
    controller.trigger('SIGTERM');
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ finished: true, one: 1 });
    expect(await controller.done).toBe(0);
    expect(exits).toEqual([0]);
    // New connections are refused once the listener is closed.
    await expect(get(hub.port, '/healthz')).rejects.toThrow(/ECONNREFUSED/);
    // And the database was closed after the request finished.
    await expect(hub.db.query('SELECT 1')).rejects.toThrow();
    expect(log[0]).toMatch(/SIGTERM received/);
  });

  it('forces exit 1 on a second signal without waiting for in-flight requests', async () => {
    const hub = await startSlowHub(5_000);
    const exits: number[] = [];
    controller = installGracefulShutdown(
      { closeServer: () => hub.app.close(), closeDb: () => hub.db.close() },
      { exit: (code) => exits.push(code), log: () => undefined, signals: [] },
    );
    const inFlight = get(hub.port, '/test/slow').catch(() => undefined);
    await hub.slowStarted;
    const before = Date.now();
    controller.trigger('SIGINT');
    controller.trigger('SIGINT');
    expect(await controller.done).toBe(1);
    expect(Date.now() - before).toBeLessThan(1_000);
    expect(exits).toEqual([1]);
    await inFlight;
    await hub.db.close().catch(() => undefined);
  });

  it('forces exit 1 when shutting down takes longer than the timeout', async () => {
    const hub = await startSlowHub(3_000);
    const exits: number[] = [];
    const log: string[] = [];
    controller = installGracefulShutdown(
      { closeServer: () => hub.app.close(), closeDb: () => hub.db.close() },
      { exit: (code) => exits.push(code), log: (line) => log.push(line), signals: [], timeoutMs: 300 },
    );
    const inFlight = get(hub.port, '/test/slow').catch(() => undefined);
    await hub.slowStarted;
    controller.trigger('SIGTERM');
    expect(await controller.done).toBe(1);
    expect(exits).toEqual([1]);
    expect(log.at(-1)).toMatch(/did not finish within 0.3 s/);
    await inFlight;
    await hub.db.close().catch(() => undefined);
  });

  it('exits 1 when closing the database fails', async () => {
    const exits: number[] = [];
    controller = installGracefulShutdown(
      { closeServer: async () => undefined, closeDb: async () => Promise.reject(new Error('disk gone')) },
      { exit: (code) => exits.push(code), log: () => undefined, signals: [] },
    );
    controller.trigger('SIGTERM');
    expect(await controller.done).toBe(1);
    expect(exits).toEqual([1]);
  });
});
