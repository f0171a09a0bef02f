import type { FastifyInstance } from 'fastify';
import { buildApp, createAppDeps, type AppDeps } from '../app.js';
import { createDemoCredentials, listDemoCredentials } from '../modules/access/index.js';
import { startAuditSequencer, startTreeHeadScheduler, type AuditSequencer, type TreeHeadScheduler } from '../modules/audit/index.js';
import { DEFAULT_DEMO_PATIENTS, getDemoRegionStatus, listDemoInstitutions, seedDemoRegion } from '../modules/demo-region/index.js';
import { loadConfig, type Config } from '../platform/config/config.js';
import { buildLoggerOptions } from '../platform/logging/index.js';
import { openDb } from '../platform/storage/index.js';
import { flagInt, flagString, type CliArgs, type CliCommand } from './args.js';
import { installGracefulShutdown, SHUTDOWN_TIMEOUT_MS } from './graceful-shutdown.js';

const HELP = [
  'Usage: xietong serve [--demo [--patients N]] [--port P] [--host H]',
  '',
  'Runs the hub: FHIR R4 API under /fhir, web console at /, API docs at /docs,',
  'probes at /healthz and /readyz, Prometheus metrics at /metrics.',
  '',
  'Options:',
  '  --demo      demo mode: seed the synthetic demo region on first start and print demo credentials',
  `  --patients N  people in the demo region when it is seeded (default ${DEFAULT_DEMO_PATIENTS})`,
  '  --port P    TCP port (default PORT or 8080)',
  '  --host H    interface to listen on (default HOST or 127.0.0.1)',
  '',
  'Storage: PostgreSQL at DATABASE_URL, else the embedded PGlite in XIETONG_DATA_DIR (default ./data).',
  `SIGINT/SIGTERM finish in-flight requests and exit; a second signal or ${SHUTDOWN_TIMEOUT_MS / 1000} s force the exit.`,
].join('\n');

/** People to seed in demo mode (--patients), validated before anything starts. */
export function readDemoPeople(args: CliArgs): number {
  const people = flagInt(args, 'patients', DEFAULT_DEMO_PATIENTS);
  if (people < 1) throw new Error('--patients must be at least 1');
  return people;
}

/** Translates the serve flags into config overrides (flags win over the environment). */
export function readServeOverrides(args: CliArgs): Partial<Config> {
  const overrides: { -readonly [K in keyof Config]?: Config[K] } = {};
  if (args.flags.demo === true) overrides.demo = true;
  if (args.flags.port !== undefined) {
    const port = flagInt(args, 'port', 0);
    if (port > 65_535) throw new Error(`--port must be between 0 and 65535, got "${args.flags.port}"`);
    overrides.port = port;
  }
  if (args.flags.host !== undefined) {
    const host = flagString(args, 'host');
    if (!host) throw new Error('--host needs a value, e.g. --host 0.0.0.0');
    overrides.host = host;
  }
  return overrides;
}

/**
 * Demo mode: seed the demo region on first start (a database that already
 * holds one, complete or half-loaded, is left alone), then make sure the demo
 * clients and users exist; returns the lines that say how to sign in.
 */
async function prepareDemo(deps: AppDeps, people: number, print: (line: string) => void): Promise<string[]> {
  const { db, config } = deps;
  const status = await getDemoRegionStatus(db);
  if (!status) {
    print(`demo mode: seeding the demo region (${people.toLocaleString('en-US')} people, seed 1); this happens once per database`);
    let lastReport = 0;
    const result = await seedDemoRegion(db, {
      patients: people,
      seed: 1,
      onProgress: (progress) => {
        if (Date.now() - lastReport < 5_000) return;
        lastReport = Date.now();
        print(`  … ${progress.people.toLocaleString('en-US')} / ${progress.total.toLocaleString('en-US')} people, ${progress.resources.toLocaleString('en-US')} resources`);
      },
    });
    print(
      `demo mode: seeded ${result.people.toLocaleString('en-US')} people as ${result.patientRecords.toLocaleString('en-US')} Patient records ` +
        `(${result.resources.toLocaleString('en-US')} resources) in ${result.seconds.toFixed(1)} s`,
    );
  } else if (status.status !== 'complete') {
    print('demo mode: WARNING: a demo region started loading earlier and never finished; serving it as it is');
    print('           (for a complete region, start with a fresh XIETONG_DATA_DIR or an empty database)');
  }
  let lines = await listDemoCredentials(db, config.dataDir);
  if (lines.length === 0) {
    lines = await createDemoCredentials(db, { dataDir: config.dataDir, institutions: listDemoInstitutions(), demo: true });
  }
  return lines;
}

function printBanner(config: Config, app: FastifyInstance, print: (line: string) => void): void {
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  const local = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`;
  print(`Xietong (协同) is listening on ${local} (${config.databaseUrl ? 'PostgreSQL' : `PGlite in ${config.dataDir}`})`);
  print(`  web console   ${local}/`);
  print(`  FHIR R4 base  ${config.baseUrl}/fhir`);
  print(`  API docs      ${local}/docs`);
  print(`  health        ${local}/healthz  ${local}/readyz  ${local}/metrics`);
}

export const command: CliCommand = {
  help: HELP,
  async run(args) {
    const config = loadConfig(undefined, readServeOverrides(args));
    const demoPeople = readDemoPeople(args);
    const logger = buildLoggerOptions(config);
    // The banner goes to stderr: stdout carries the JSON log lines, which collectors parse.
    const print = (line: string) => process.stderr.write(`${line}\n`);
    const db = await openDb(config);
    let app: FastifyInstance | undefined;
    let credentials: string[] = [];
    let events: AppDeps['events'] | undefined;
    let auditJobs: { sequencer: AuditSequencer; heads: TreeHeadScheduler } | undefined;
    try {
      const deps = await createAppDeps(config, db);
      app = await buildApp(deps, { logger });
      if (config.demo) credentials = await prepareDemo(deps, demoPeople, print);
      await app.listen({ host: config.host, port: config.port });
      deps.events.useLogger(app.log);
      deps.events.start();
      events = deps.events;
      // Queued AuditEvents reach the Merkle log through the sequencer; a signed tree head every minute when it grew.
      const logError = (err: unknown) => app?.log.error({ err }, 'audit job failed');
      auditJobs = { sequencer: startAuditSequencer(db, { onError: logError }), heads: startTreeHeadScheduler(db, { intervalMs: 60_000, onError: logError }) };
    } catch (err) {
      await app?.close().catch(() => undefined);
      await db.close().catch(() => undefined);
      throw err;
    }
    printBanner(config, app, print);
    for (const line of credentials) print(line);
    const started = app;
    const shutdown = installGracefulShutdown({ closeServer: async () => { await started.close(); await events?.stop(); await auditJobs?.sequencer.stop(); await auditJobs?.heads.stop(); }, closeDb: () => db.close() }, { log: print });
    return shutdown.done;
  },
};
