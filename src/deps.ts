import type { Config } from './platform/config/config.js';
import type { Db } from './platform/storage/index.js';
import { TokenService } from './modules/access/index.js';
import { OutboxDispatcher } from './platform/events/index.js';
import { AuditRecorder } from './modules/audit/index.js';

/** Everything the app needs, built by main.ts (or a test) and injected into buildApp. */
export interface AppDeps {
  config: Config;
  db: Db;
  tokens: TokenService;
  /** Hands committed outbox events to the modules that react; `serve` starts it, tests `drain()` it. */
  events: OutboxDispatcher;
  /** Commits the AuditEvents of reads and searches, grouped across concurrent requests. */
  audit: AuditRecorder;
}

/** Creates the app's dependencies that derive from config and db. */
export async function createAppDeps(config: Config, db: Db): Promise<AppDeps> {
  const tokens = await TokenService.create(db, config.baseUrl, config.tokenTtlSeconds);
  return { config, db, tokens, events: new OutboxDispatcher(db), audit: new AuditRecorder(db, { enabled: config.auditReads }) };
}
