import { resolve } from 'node:path';

/**
 * The hub's configuration. This is the only file that reads `process.env`;
 * everything else receives a frozen `Config`.
 */
export interface Config {
  /** TCP port of the HTTP server (PORT). */
  readonly port: number;
  /** Interface to listen on (HOST). */
  readonly host: string;
  /** Public base URL used in Location headers, Bundle links and token audiences (XIETONG_BASE_URL). */
  readonly baseUrl: string;
  /** PostgreSQL connection string; when absent the embedded PGlite is used (DATABASE_URL). */
  readonly databaseUrl: string | undefined;
  /** Directory for the embedded database and local key material (XIETONG_DATA_DIR). */
  readonly dataDir: string;
  /** Demo mode: demo region, demo clients and users, credentials printed at start (XIETONG_DEMO or --demo). */
  readonly demo: boolean;
  /** Largest accepted request body in bytes (XIETONG_BODY_LIMIT). */
  readonly bodyLimit: number;
  /** Lifetime of issued access tokens in seconds (XIETONG_TOKEN_TTL). */
  readonly tokenTtlSeconds: number;
  /** Default and maximum page size of searches (XIETONG_PAGE_SIZE, XIETONG_MAX_PAGE_SIZE). */
  readonly defaultPageSize: number;
  readonly maxPageSize: number;
  /** pino log level (LOG_LEVEL). */
  readonly logLevel: string;
  /** Size of the node-postgres pool (XIETONG_DB_POOL). */
  readonly dbPoolSize: number;
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function readInt(env: Env, name: string, fallback: number, min = 1): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new ConfigError(`${name} must be an integer >= ${min}, got "${raw}"`);
  }
  return value;
}

function readBool(env: Env, name: string): boolean {
  const raw = (env[name] ?? '').toLowerCase();
  if (raw === '' || raw === '0' || raw === 'false' || raw === 'no') return false;
  if (raw === '1' || raw === 'true' || raw === 'yes') return true;
  throw new ConfigError(`${name} must be true or false, got "${env[name]}"`);
}

/** Reads and validates the configuration; `overrides` come from CLI flags and win over the environment. */
export function loadConfig(env: Env = process.env, overrides: Partial<Config> = {}): Config {
  const port = overrides.port ?? readInt(env, 'PORT', 8080, 0);
  const host = overrides.host ?? (env.HOST || '127.0.0.1');
  const maxPageSize = readInt(env, 'XIETONG_MAX_PAGE_SIZE', 1000);
  const config: Config = {
    port,
    host,
    baseUrl: (overrides.baseUrl ?? env.XIETONG_BASE_URL ?? `http://localhost:${port}`).replace(/\/$/, ''),
    databaseUrl: overrides.databaseUrl ?? (env.DATABASE_URL || undefined),
    dataDir: resolve(overrides.dataDir ?? (env.XIETONG_DATA_DIR || 'data')),
    demo: overrides.demo ?? readBool(env, 'XIETONG_DEMO'),
    bodyLimit: overrides.bodyLimit ?? readInt(env, 'XIETONG_BODY_LIMIT', 16 * 1024 * 1024),
    tokenTtlSeconds: overrides.tokenTtlSeconds ?? readInt(env, 'XIETONG_TOKEN_TTL', 3600),
    defaultPageSize: overrides.defaultPageSize ?? Math.min(readInt(env, 'XIETONG_PAGE_SIZE', 20), maxPageSize),
    maxPageSize,
    logLevel: overrides.logLevel ?? (env.LOG_LEVEL || 'info'),
    dbPoolSize: overrides.dbPoolSize ?? readInt(env, 'XIETONG_DB_POOL', 10),
  };
  return Object.freeze(config);
}
