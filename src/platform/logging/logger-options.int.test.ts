import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, createAppDeps, type AppDeps } from '../../app.js';
import { ConfigError, loadConfig } from '../config/config.js';
import type { Db } from '../storage/index.js';
import { openTestDb } from '../../../test/support/db.js';
import { buildLoggerOptions } from './logger-options.js';

/** A pino destination that keeps every JSON line. */
function captureLines(): { stream: Writable; lines: Record<string, unknown>[]; raw: string[] } {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) {
        raw.push(line);
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  return { stream, lines, raw };
}

describe('request logging', () => {
  let db: Db;
  let deps: AppDeps;
  beforeAll(async () => {
    db = await openTestDb();
    deps = await createAppDeps(loadConfig({}, { baseUrl: 'http://hub.test', logLevel: 'info' }), db);
  });
  afterAll(async () => {
    await db.close();
  });

  it('writes JSON lines carrying the request id from X-Request-Id, without the token or the query string', async () => {
    const capture = captureLines();
    const app = await buildApp(deps, { logger: buildLoggerOptions(deps.config, capture.stream) });
    const secret = 'eyJhbGciOiJFZERTQSJ9.secret-token-value.sig';
    const res = await app.inject({
      method: 'GET',
      url: '/healthz?family=%E7%8E%8B&identifier=110101199003077777',
      headers: { authorization: `Bearer ${secret}`, 'x-request-id': 'trace-abc-123' },
    });
    expect(res.headers['x-request-id']).toBe('trace-abc-123');
    await app.close();
    const forRequest = capture.lines.filter((line) => line.reqId === 'trace-abc-123');
    expect(forRequest.map((line) => line.msg)).toEqual(expect.arrayContaining(['incoming request', 'request completed']));
    const incoming = forRequest.find((line) => line.msg === 'incoming request') as { req: Record<string, unknown> };
    expect(incoming.req).toMatchObject({ method: 'GET', path: '/healthz', hasQuery: true });
    const all = capture.raw.join('\n');
    expect(all).not.toContain('secret-token-value');
    expect(all).not.toContain('110101199003077777');
    expect(forRequest.every((line) => line.service === 'xietong' && typeof line.time === 'string')).toBe(true);
  });

  it('generates a UUID request id when none (or an unsafe one) is sent', async () => {
    const capture = captureLines();
    const app = await buildApp(deps, { logger: buildLoggerOptions(deps.config, capture.stream) });
    const res = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'bad id with spaces' } });
    await app.close();
    const id = res.headers['x-request-id'] as string;
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(capture.lines.some((line) => line.reqId === id && line.msg === 'request completed')).toBe(true);
  });

  it('redacts an Authorization header wherever a log call includes one', async () => {
    const capture = captureLines();
    const app = await buildApp(deps, { logger: buildLoggerOptions(deps.config, capture.stream) });
    app.log.info({ headers: { authorization: 'Bearer leaked', cookie: 'sid=leaked' } }, 'outbound call');
    app.log.info({ upstream: { headers: { authorization: 'Bearer leaked-too' } } }, 'nested');
    await app.close();
    const lines = capture.lines.filter((line) => line.msg === 'outbound call' || line.msg === 'nested');
    expect(lines).toHaveLength(2);
    expect(capture.raw.join('\n')).not.toContain('leaked');
    expect((lines[0].headers as Record<string, string>).authorization).toBe('[Redacted]');
  });

  it('honours LOG_LEVEL: at warn, per-request info lines are not written', async () => {
    const capture = captureLines();
    const app = await buildApp(deps, { logger: buildLoggerOptions({ logLevel: 'warn' }, capture.stream) });
    await app.inject({ method: 'GET', url: '/healthz' });
    await app.close();
    expect(capture.lines.filter((line) => line.msg === 'incoming request')).toEqual([]);
  });

  it('rejects an unknown LOG_LEVEL with a ConfigError naming the valid ones', () => {
    expect(() => buildLoggerOptions({ logLevel: 'verbose' })).toThrow(ConfigError);
    expect(() => buildLoggerOptions({ logLevel: 'verbose' })).toThrow(/LOG_LEVEL must be one of trace, debug, info/);
    expect(buildLoggerOptions({ logLevel: 'silent' }).level).toBe('silent');
  });
});
