import type { FastifyInstance } from 'fastify';
import { listMigrations, type Queryable } from '../storage/index.js';
import { healthRoutes } from './health.routes.js';
import { installMetrics } from './metrics.js';

export interface OpsOptions {
  db: Queryable;
  /** Defaults to the migration files shipped with this build. */
  expectedMigrations?: readonly number[];
}

/**
 * Installs the operations surface on the root app: request metrics (a hook,
 * so it must run before the module routes are registered), /healthz, /readyz
 * and /metrics. All public: probes and scrapers carry no token, and none of
 * these responses contains patient data.
 */
export async function installOps(app: FastifyInstance, options: OpsOptions): Promise<void> {
  const metrics = installMetrics(app, options.db);
  const expectedMigrations = options.expectedMigrations ?? listMigrations().map((migration) => migration.version);
  await healthRoutes(app, { db: options.db, expectedMigrations });
  app.get(
    '/metrics',
    {
      config: { public: true },
      schema: {
        tags: ['ops'],
        summary: 'Prometheus metrics (text exposition format)',
        produces: ['text/plain'],
        response: { 200: { type: 'string', description: 'Prometheus text format 0.0.4' } },
      },
    },
    async (_request, reply) => {
      const body = await metrics.render();
      return reply.type(metrics.contentType).send(body);
    },
  );
}
