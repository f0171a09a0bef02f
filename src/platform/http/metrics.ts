import type { FastifyInstance } from 'fastify';
import { Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Queryable } from '../storage/index.js';

/** Label used when no route matched (404s), so raw URLs never become label values. */
export const UNMATCHED_ROUTE = '<unmatched>';

let processRegistry: Registry | undefined;

/**
 * Process-wide metrics (CPU, memory, event-loop lag, GC) describe the process,
 * not an app, and prom-client's collectors install observers that are never
 * removed, so they are collected once per process into a shared registry.
 */
function getProcessRegistry(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export interface HubMetrics {
  /** This app's own registry: HTTP and outbox metrics. */
  registry: Registry;
  /** The text exposition of process and app metrics together. */
  render(): Promise<string>;
  contentType: string;
}

/**
 * Creates this app instance's registry (tests build many apps, each must count
 * only its own requests) and the hook that times every request by method,
 * route pattern and status. Call before the module routes are registered.
 */
export function installMetrics(app: FastifyInstance, db: Queryable): HubMetrics {
  const registry = new Registry();
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration in seconds, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  new Gauge({
    name: 'xietong_outbox_pending_events',
    help: 'Outbox events written but not yet dispatched (NaN when the database did not answer)',
    registers: [registry],
    async collect() {
      try {
        const result = await db.query<{ pending: number }>(
          'SELECT count(*)::int AS pending FROM outbox_events WHERE dispatched_at IS NULL',
        );
        this.set(Number(result.rows[0]?.pending ?? 0));
      } catch (err) {
        app.log.warn({ err }, 'metrics: could not count pending outbox events');
        this.set(Number.NaN);
      }
    },
  });

  app.addHook('onResponse', async (request, reply) => {
    duration.observe(
      { method: request.method, route: request.routeOptions.url ?? UNMATCHED_ROUTE, status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  return {
    registry,
    contentType: registry.contentType,
    async render() {
      const merged = Registry.merge([getProcessRegistry(), registry]);
      return merged.metrics();
    },
  };
}
