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
  /** Lifetime of access tokens issued to people (XIETONG_PEOPLE_TOKEN_TTL, default 900 s). */
  readonly peopleTokenTtlSeconds: number;
  /** Lifetime of a refresh token (XIETONG_REFRESH_TTL, default 8 h); a sign-in session lasts at most 24 h. */
  readonly refreshTokenTtlSeconds: number;
  /** People must pass a TOTP second factor (XIETONG_REQUIRE_MFA; default true, false in demo mode). */
  readonly requireMfa: boolean;
  /** Default and maximum page size of searches (XIETONG_PAGE_SIZE, XIETONG_MAX_PAGE_SIZE). */
  readonly defaultPageSize: number;
  readonly maxPageSize: number;
  /** pino log level (LOG_LEVEL). */
  readonly logLevel: string;
  /** Size of the node-postgres pool (XIETONG_DB_POOL). */
  readonly dbPoolSize: number;
  /** Region default when a patient has no applicable Consent: opt-in shares nothing, opt-out shares non-sensitive data (XIETONG_CONSENT_DEFAULT). */
  readonly consentDefault: 'opt-in' | 'opt-out';
  /** How long a break-the-glass grant lasts, in minutes (XIETONG_BREAK_GLASS_MINUTES). */
  readonly breakGlassMinutes: number;
  /** Keep hot statements prepared per PostgreSQL connection (XIETONG_DB_PREPARE; false behind a transaction-mode pooler). */
  readonly dbPreparedStatements: boolean;
  /** Most concurrent plain creates committed in one transaction (XIETONG_WRITE_BATCH; 1 = each alone). */
  readonly writeBatchSize: number;
  /** Most concurrent reads by id answered by one statement (XIETONG_READ_BATCH; 1 = each alone). */
  readonly readBatchSize: number;
  /** Time the receiver has to answer a referral, per priority (XIETONG_REFERRAL_SLA, e.g. "stat=1h,asap=2h,urgent=2h,routine=2wd"). */
  readonly referralSla: Readonly<Record<ReferralPriority, ReferralSlaLimit>>;
  /** Days after which an unanswered referral expires (XIETONG_REFERRAL_EXPIRY_DAYS). */
  readonly referralExpiryDays: number;
  /** Seconds between SLA sweeps while serving; 0 turns the timer off (XIETONG_REFERRAL_SWEEP_SECONDS). */
  readonly referralSweepSeconds: number;
  /** Run the Subscription delivery worker in this process (XIETONG_SUBSCRIPTION_WORKER, default true; tests drive it themselves). */
  readonly subscriptionWorker: boolean;
  /** Match every Patient write against the regional index as it happens (identity's outbox consumer). */
  readonly identityOnlineMatch: boolean;
  /** Record an AuditEvent for every read and search (writes are always recorded); false only to measure its cost. */
  readonly auditReads: boolean;
  /** Failed attempts after which a notification gives up and its Subscription turns to status error (XIETONG_SUBSCRIPTION_MAX_ATTEMPTS). */
  readonly subscriptionMaxAttempts: number;
  /** First retry delay of a failed notification in ms, doubled per attempt (XIETONG_SUBSCRIPTION_RETRY_MS). */
  readonly subscriptionRetryMs: number;
}

export type ReferralPriority = 'stat' | 'asap' | 'urgent' | 'routine';
/** An amount of hours (h) or working days (wd, Monday to Friday in China Standard Time). */
export interface ReferralSlaLimit { amount: number; unit: 'h' | 'wd' }

const DEFAULT_REFERRAL_SLA = 'stat=1h,asap=2h,urgent=2h,routine=2wd';

/** Parses "urgent=2h,routine=2wd"; every priority must be given (defaults fill the missing ones). */
export function parseReferralSla(raw: string): Record<ReferralPriority, ReferralSlaLimit> {
  const out: Partial<Record<ReferralPriority, ReferralSlaLimit>> = {};
  for (const part of `${DEFAULT_REFERRAL_SLA},${raw}`.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^(stat|asap|urgent|routine)=(\d+(?:\.\d+)?)(h|wd)$/.exec(part);
    if (!m || Number(m[2]) <= 0) throw new ConfigError(`XIETONG_REFERRAL_SLA: "${part}" is not <priority>=<number>h|wd (priorities stat, asap, urgent, routine)`);
    out[m[1] as ReferralPriority] = { amount: Number(m[2]), unit: m[3] as 'h' | 'wd' };
  }
  return out as Record<ReferralPriority, ReferralSlaLimit>;
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

function readConsentDefault(env: Env): 'opt-in' | 'opt-out' {
  const raw = env.XIETONG_CONSENT_DEFAULT || 'opt-in';
  if (raw !== 'opt-in' && raw !== 'opt-out') throw new ConfigError(`XIETONG_CONSENT_DEFAULT must be opt-in or opt-out, got "${raw}"`);
  return raw;
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
    peopleTokenTtlSeconds: overrides.peopleTokenTtlSeconds ?? readInt(env, 'XIETONG_PEOPLE_TOKEN_TTL', 900),
    refreshTokenTtlSeconds: overrides.refreshTokenTtlSeconds ?? readInt(env, 'XIETONG_REFRESH_TTL', 8 * 3600),
    requireMfa: overrides.requireMfa ?? (env.XIETONG_REQUIRE_MFA ? readBool(env, 'XIETONG_REQUIRE_MFA') : !(overrides.demo ?? readBool(env, 'XIETONG_DEMO'))),
    defaultPageSize: overrides.defaultPageSize ?? Math.min(readInt(env, 'XIETONG_PAGE_SIZE', 20), maxPageSize),
    maxPageSize,
    logLevel: overrides.logLevel ?? (env.LOG_LEVEL || 'info'),
    dbPoolSize: overrides.dbPoolSize ?? readInt(env, 'XIETONG_DB_POOL', 10),
    consentDefault: overrides.consentDefault ?? readConsentDefault(env),
    breakGlassMinutes: overrides.breakGlassMinutes ?? readInt(env, 'XIETONG_BREAK_GLASS_MINUTES', 240),
    dbPreparedStatements: overrides.dbPreparedStatements ?? (env.XIETONG_DB_PREPARE ? readBool(env, 'XIETONG_DB_PREPARE') : true),
    writeBatchSize: overrides.writeBatchSize ?? readInt(env, 'XIETONG_WRITE_BATCH', 64),
    readBatchSize: overrides.readBatchSize ?? readInt(env, 'XIETONG_READ_BATCH', 64),
    referralSla: overrides.referralSla ?? Object.freeze(parseReferralSla(env.XIETONG_REFERRAL_SLA ?? '')),
    referralExpiryDays: overrides.referralExpiryDays ?? readInt(env, 'XIETONG_REFERRAL_EXPIRY_DAYS', 14),
    referralSweepSeconds: overrides.referralSweepSeconds ?? readInt(env, 'XIETONG_REFERRAL_SWEEP_SECONDS', 300, 0),
    auditReads: overrides.auditReads ?? (env.XIETONG_AUDIT_READS ? readBool(env, 'XIETONG_AUDIT_READS') : true),
    identityOnlineMatch: overrides.identityOnlineMatch ?? (env.XIETONG_IDENTITY_ONLINE_MATCH ? readBool(env, 'XIETONG_IDENTITY_ONLINE_MATCH') : true),
    subscriptionWorker: overrides.subscriptionWorker ?? (env.XIETONG_SUBSCRIPTION_WORKER ? readBool(env, 'XIETONG_SUBSCRIPTION_WORKER') : true),
    subscriptionMaxAttempts: overrides.subscriptionMaxAttempts ?? readInt(env, 'XIETONG_SUBSCRIPTION_MAX_ATTEMPTS', 5),
    subscriptionRetryMs: overrides.subscriptionRetryMs ?? readInt(env, 'XIETONG_SUBSCRIPTION_RETRY_MS', 2000, 0),
  };
  return Object.freeze(config);
}
