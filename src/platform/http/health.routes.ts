import type { FastifyInstance } from 'fastify';
import { HubError, HttpErrors } from '../errors/index.js';
import type { Queryable } from '../storage/index.js';

/** How long /readyz waits for the database before declaring the hub not ready. */
const READY_DB_TIMEOUT_MS = 2_000;

export interface HealthRoutesOptions {
  db: Queryable;
  /** Migration versions this build ships; readiness requires all of them applied. */
  expectedMigrations: readonly number[];
}

const statusSchema = {
  type: 'object',
  properties: { status: { type: 'string' } },
  required: ['status'],
} as const;

const outcomeSchema = {
  description: 'OperationOutcome explaining why the hub is not ready',
  type: 'object',
  properties: { resourceType: { type: 'string', const: 'OperationOutcome' }, issue: { type: 'array' } },
  additionalProperties: true,
} as const;

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

async function checkReadiness(db: Queryable, expected: readonly number[]): Promise<{ migrations: number }> {
  let applied: Set<number>;
  try {
    await withTimeout(db.query('SELECT 1'), READY_DB_TIMEOUT_MS, 'database');
    const rows = await withTimeout(
      db.query<{ version: number }>('SELECT version FROM schema_migrations'),
      READY_DB_TIMEOUT_MS,
      'database',
    );
    applied = new Set(rows.rows.map((row) => Number(row.version)));
  } catch (err) {
    throw new HubError(HttpErrors.UNAVAILABLE, `Database is not reachable: ${(err as Error).message}`, { cause: err });
  }
  const missing = expected.filter((version) => !applied.has(version));
  if (missing.length > 0) {
    throw new HubError(HttpErrors.UNAVAILABLE, `Database migrations pending: ${missing.join(', ')}; run \`xietong migrate\``);
  }
  return { migrations: applied.size };
}

/**
 * Liveness and readiness probes (Kubernetes conventions): /healthz says the
 * process answers; /readyz says it can serve traffic, i.e. the database
 * answers and carries every migration this build expects.
 */
export async function healthRoutes(app: FastifyInstance, options: HealthRoutesOptions): Promise<void> {
  app.get(
    '/healthz',
    {
      config: { public: true },
      schema: { tags: ['ops'], summary: 'Liveness: the process is up', response: { 200: statusSchema } },
    },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    {
      config: { public: true },
      schema: {
        tags: ['ops'],
        summary: 'Readiness: the database answers and migrations are current',
        response: {
          200: { ...statusSchema, properties: { ...statusSchema.properties, migrations: { type: 'integer' } } },
          503: outcomeSchema,
        },
      },
    },
    async () => {
      const { migrations } = await checkReadiness(options.db, options.expectedMigrations);
      return { status: 'ready', migrations };
    },
  );
}
