// `npm run bench [-- options]`: load-tests a real hub process with autocannon.
// See BENCHMARKS.md for the method and the latest figures.
import '../src/platform/runtime/node-globals.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { flagInt, flagString, parseCliArgs } from '../src/cli/args.js';
import { formatAbTable, parseEnvList, runAb } from './ab.js';
import { createPgliteEngine, createPostgresEngine, type BenchEngine, type EngineName } from './engines.js';
import { loadSyntheaFixtures } from './fixtures.js';
import { findFreePort, startHubProcess } from './hub-process.js';
import { prepareInChild, type Prepared } from './prepare.js';
import { describeMachine, formatTable, TARGETS, type BenchReport, type EngineReport } from './report.js';
import { loadSyntheaProviders, runScenarios } from './scenarios.js';

const HELP = `Usage: npm run bench -- [options]

  --patients N        demo people to seed before the search scenario (default 100000; 0 skips seeding)
  --patients-only     seed the directory and Patients only, no encounters / observations / conditions
                      (what the family-name search reads; about 15 times fewer resources to load)
  --duration S        seconds per scenario (default 10)
  --connections C     concurrent connections (default 32)
  --tx-connections C  connections for the ~1 MB transaction scenario (default 2)
  --engines LIST      pglite,postgres (default: pglite, plus postgres when DATABASE_URL is set)
  --scenarios LIST    create,read,search,transaction (default all)
  --seed S            demo-region seed (default 42)
  --built             run dist/main.js instead of the sources through tsx
  --keep              keep the PostgreSQL bench schema afterwards
  --schema NAME       reuse a schema kept by an earlier --keep run (never dropped; use --patients 0
                      to add no more people: the search scenario uses what is there)
  --out FILE          results JSON (default bench/results/latest.json)
  --cpu-prof DIR      write a V8 CPU profile of the hub process into DIR (open in Chrome DevTools)
  --ab ENV            A/B run (PostgreSQL only): hub A as configured, hub B with ENV added
                      ("XIETONG_READ_BATCH=1,XIETONG_WRITE_BATCH=1"), both on the same database;
                      each scenario runs on both, order alternating, --rounds times; medians reported
  --rounds N          rounds of an A/B run (default 3)

Environment: XIETONG_* settings are passed on to the hub; DATABASE_URL (PostgreSQL to benchmark; a fresh schema is used and dropped),
BENCH_SYNTHEA_DIR (Synthea bundles; default ../shared/data/synthea, then bench/fixtures/synthea),
BENCH_LOG_LEVEL (hub log level during the run; default warn).`;

function list(value: string | undefined, allowed: readonly string[], flag: string): string[] | undefined {
  if (value === undefined) return undefined;
  const items = value.split(',').map((item) => item.trim()).filter(Boolean);
  const unknown = items.filter((item) => !allowed.includes(item));
  if (unknown.length) throw new Error(`--${flag}: unknown ${unknown.join(', ')} (allowed: ${allowed.join(', ')})`);
  return items;
}

async function benchEngine(engine: BenchEngine, opts: Options): Promise<EngineReport> {
  const port = await findFreePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  process.stderr.write(`bench: [${engine.name}] preparing database, seeding ${opts.patients} people…\n`);
  const prepared = await prepareInChild(engine, baseUrl, opts.patients, opts.seed, !opts.patientsOnly);
  process.stderr.write(
    `bench: [${engine.name}] ${prepared.engineVersion}; ${prepared.seeded.patientResources} Patient resources after ${prepared.seeded.seconds.toFixed(0)} s${prepared.seeded.skippedReason ? ` (seeding skipped: ${prepared.seeded.skippedReason})` : ''}\n`,
  );
  if (opts.ab) return abEngine(engine, opts, opts.ab, prepared, baseUrl, port);
  const hub = await startHubProcess({ env: { ...engine.env, LOG_LEVEL: opts.logLevel }, built: opts.built, baseUrl, port, cpuProfileDir: opts.cpuProf });
  const report: EngineReport = {
    engine: engine.name,
    version: prepared.engineVersion,
    seeded: prepared.seeded,
    searchTenant: prepared.searchTenant && { id: prepared.searchTenant.id, patients: prepared.searchTenant.patients },
    providers: '',
    scenarios: [],
  };
  try {
    const ctx = {
      baseUrl,
      connections: opts.connections,
      transactionConnections: opts.txConnections,
      durationSeconds: opts.duration,
      benchToken: prepared.benchTenant.token,
      searchToken: prepared.searchTenant?.token,
      familyNames: prepared.familyNames,
      synthea: opts.synthea,
    };
    if (!opts.scenarios || opts.scenarios.includes('transaction')) {
      report.providers = await loadSyntheaProviders(ctx);
      process.stderr.write(`bench: [${engine.name}] providers: ${report.providers}\n`);
    }
    report.scenarios = await runScenarios(ctx, opts.scenarios);
  } finally {
    const code = await hub.stop();
    if (code !== 0) process.stderr.write(`bench: [${engine.name}] hub exited with ${code}\n${hub.stderr()}\n`);
  }
  return report;
}

/** Two hubs on the same prepared database, A as configured and B with `abEnv`; scenarios alternate between them. */
async function abEngine(engine: BenchEngine, opts: Options, abEnv: Record<string, string>, prepared: Prepared, baseUrl: string, port: number): Promise<EngineReport> {
  const env = { ...engine.env, LOG_LEVEL: opts.logLevel };
  const portB = await findFreePort();
  const hubA = await startHubProcess({ env, built: opts.built, baseUrl, port });
  const hubB = await startHubProcess({ env: { ...env, ...abEnv }, built: opts.built, baseUrl, port: portB }).catch(async (err: unknown) => {
    await hubA.stop();
    throw err;
  });
  try {
    const ctx = {
      connections: opts.connections,
      transactionConnections: opts.txConnections,
      durationSeconds: opts.duration,
      benchToken: prepared.benchTenant.token,
      searchToken: prepared.searchTenant?.token,
      familyNames: prepared.familyNames,
      synthea: opts.synthea,
    };
    const scenarios = (opts.scenarios ?? ['create', 'read', 'search']).filter((s) => s !== 'transaction');
    const ab = await runAb(ctx, [{ name: 'A', env: {}, hub: hubA }, { name: 'B', env: abEnv, hub: hubB }], scenarios, opts.rounds, (line) => process.stderr.write(`${line}\n`));
    process.stderr.write(`\n${formatAbTable(ab)}\n`);
    return {
      engine: engine.name,
      version: prepared.engineVersion,
      seeded: prepared.seeded,
      searchTenant: prepared.searchTenant && { id: prepared.searchTenant.id, patients: prepared.searchTenant.patients },
      providers: '',
      scenarios: [],
      ab,
    };
  } finally {
    await hubA.stop();
    await hubB.stop();
  }
}

interface Options {
  patients: number;
  duration: number;
  connections: number;
  txConnections: number;
  seed: number;
  built: boolean;
  keep: boolean;
  logLevel: string;
  engines: EngineName[];
  scenarios: string[] | undefined;
  synthea: ReturnType<typeof loadSyntheaFixtures>;
  out: string;
  cpuProf: string | undefined;
  ab: Record<string, string> | undefined;
  rounds: number;
  schema: string | undefined;
  patientsOnly: boolean;
}

function readOptions(argv: string[]): Options | undefined {
  const args = parseCliArgs(argv);
  if (args.flags.help) return undefined;
  const engines = (list(flagString(args, 'engines'), ['pglite', 'postgres'], 'engines') ??
    (process.env.DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'])) as EngineName[];
  if (engines.includes('postgres') && !process.env.DATABASE_URL) throw new Error('--engines postgres needs DATABASE_URL');
  if (args.flags.ab !== undefined && engines.includes('pglite')) throw new Error('--ab needs --engines postgres (PGlite allows one hub process per database)');
  const positive = (name: string, fallback: number) => {
    const value = flagInt(args, name, fallback);
    if (value < 1) throw new Error(`--${name} must be at least 1`);
    return value;
  };
  return {
    patients: flagInt(args, 'patients', 100_000),
    duration: positive('duration', 10),
    connections: positive('connections', 32),
    txConnections: positive('tx-connections', 2),
    seed: flagInt(args, 'seed', 42),
    built: args.flags.built === true,
    keep: args.flags.keep === true,
    logLevel: process.env.BENCH_LOG_LEVEL || 'warn',
    engines,
    scenarios: list(flagString(args, 'scenarios'), ['create', 'read', 'search', 'transaction'], 'scenarios'),
    synthea: loadSyntheaFixtures(process.env.BENCH_SYNTHEA_DIR),
    out: flagString(args, 'out') ?? fileURLToPath(new URL('./results/latest.json', import.meta.url)),
    cpuProf: flagString(args, 'cpu-prof'),
    ab: flagString(args, 'ab') === undefined ? undefined : parseEnvList(flagString(args, 'ab')!),
    rounds: positive('rounds', 3),
    schema: flagString(args, 'schema'),
    patientsOnly: args.flags['patients-only'] === true,
  };
}

async function main(): Promise<number> {
  const opts = readOptions(process.argv.slice(2));
  if (!opts) {
    console.log(HELP);
    return 0;
  }
  const report: BenchReport = {
    date: new Date().toISOString(),
    machine: describeMachine(),
    options: {
      patients: opts.patients,
      patientsOnly: opts.patientsOnly,
      durationSeconds: opts.duration,
      connections: opts.connections,
      transactionConnections: opts.txConnections,
      seed: opts.seed,
      hub: opts.built ? 'dist/main.js' : 'tsx src/main.ts',
      hubLogLevel: opts.logLevel,
      synthea: opts.synthea ? `${opts.synthea.dir}/${opts.synthea.patient.file}` : null,
    },
    engines: [],
    targets: TARGETS,
  };
  for (const name of opts.engines) {
    const engine = name === 'pglite' ? createPgliteEngine() : await createPostgresEngine(process.env.DATABASE_URL!, opts.keep, opts.schema);
    try {
      report.engines.push(await benchEngine(engine, opts));
    } catch (err) {
      process.stderr.write(`bench: [${name}] failed: ${(err as Error).stack ?? err}\n`);
      report.engines.push({ engine: name, version: '', seeded: { people: 0, patientResources: 0, seconds: 0 }, providers: '', scenarios: [], error: (err as Error).message });
    } finally {
      await engine.cleanup();
    }
  }
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(opts.out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\n${formatTable(report)}\n`);
  console.log(`machine: ${report.machine.nproc} × ${report.machine.cpuModel}, ${report.machine.memoryGiB} GiB, ${report.machine.os}, Node ${report.machine.node}, load average at start ${report.machine.loadAverageAtStart.join(' / ')}`);
  console.log(`results written to ${opts.out}`);
  return report.engines.some((engine) => engine.error) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(2);
  },
);
