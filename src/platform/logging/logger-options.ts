import { levels, type DestinationStream, type LoggerOptions } from 'pino';
import { ConfigError, type Config } from '../config/config.js';

/**
 * Paths pino replaces with "[Redacted]" wherever they appear in a log line.
 * Bearer tokens and cookies grant access to patient records, so they must
 * never reach log storage, even when someone logs a whole request or error.
 */
export const REDACTED_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'headers.authorization',
  'headers.cookie',
  'headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  '*.headers.authorization',
];

interface LoggedRequest {
  method: string;
  url: string;
  headers?: Record<string, string | string[] | undefined>;
  ip?: string;
}

/**
 * Request serializer: method, path and client address. The query string is
 * dropped because FHIR search parameters carry personal data (names, resident
 * id numbers, birth dates) that must not be copied into logs.
 */
function serializeRequest(req: LoggedRequest): Record<string, unknown> {
  const url = typeof req.url === 'string' ? req.url : '';
  const queryAt = url.indexOf('?');
  return {
    method: req.method,
    path: queryAt >= 0 ? url.slice(0, queryAt) : url,
    hasQuery: queryAt >= 0,
    remoteAddress: req.ip,
    userAgent: req.headers?.['user-agent'],
  };
}

export type HubLoggerOptions = LoggerOptions & { stream?: DestinationStream };

/**
 * Builds the pino options for `buildApp(deps, { logger })`: JSON lines at
 * `config.logLevel`, secrets redacted, requests logged without query strings.
 * Fastify binds the request id (X-Request-Id or a UUID) to every request's
 * child logger as `reqId`. `stream` lets tests capture the lines.
 */
export function buildLoggerOptions(config: Pick<Config, 'logLevel'>, stream?: DestinationStream): HubLoggerOptions {
  if (config.logLevel !== 'silent' && !(config.logLevel in levels.values)) {
    const known = [...Object.keys(levels.values), 'silent'].join(', ');
    throw new ConfigError(`LOG_LEVEL must be one of ${known}, got "${config.logLevel}"`);
  }
  return {
    level: config.logLevel,
    base: { service: 'xietong' },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    redact: { paths: [...REDACTED_PATHS], censor: '[Redacted]' },
    serializers: { req: serializeRequest },
    ...(stream ? { stream } : {}),
  };
}
