// Bulk export memory bench: loads N Observations into one institution, exports them with the
// hub's own export runner (keyset pages → NDJSON files) and samples the process RSS while it runs.
// Memory should stay flat: the same peak for 10,000 as for 100,000 resources.
//
//   npx tsx --expose-gc bench/bulk-export.ts [--sizes 10000,100000] [--postgres postgres://…]
//
// PGlite (default) runs inside this process, so its WASM heap counts in the RSS; with --postgres
// the database is another process (a fresh schema, dropped afterwards) and RSS is the hub's alone.
import '../src/platform/runtime/node-globals.js';
import type { Observation } from '@medplum/fhirtypes';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storeResourcesBulk } from '../src/modules/fhir-store/index.js';
import { ExportRunner } from '../src/modules/fhir-store/bulk-export/export-runner.js';
import { insertJob, selectJob } from '../src/modules/fhir-store/bulk-export/export.repo.js';
import { migrate, openPgliteDb, openPostgresDb, type Db } from '../src/platform/storage/index.js';
import { createPgliteEngine, createPostgresEngine, describeEngine } from './engines.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const sizes = (arg('sizes') ?? '10000,100000').split(',').map(Number).sort((a, b) => a - b);
const postgresUrl = arg('postgres');
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

function observation(i: number): Observation {
  return {
    resourceType: 'Observation',
    id: `obs-${String(i).padStart(8, '0')}`,
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
    code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
    subject: { reference: `Patient/p-${i % 5000}` },
    effectiveDateTime: new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString(),
    valueQuantity: { value: 50 + (i % 70), unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
  };
}

async function load(db: Db, tenantId: string, from: number, to: number): Promise<void> {
  for (let i = from; i < to; i += 5000) {
    const batch = Array.from({ length: Math.min(5000, to - i) }, (_, k) => observation(i + k));
    await storeResourcesBulk(db, tenantId, batch, { validate: false });
  }
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

async function exportOnce(db: Db, tenantId: string, dir: string, size: number) {
  const runner = new ExportRunner(db, { dir, pageSize: 1000 });
  const id = `bench-${size}-${Date.now()}`;
  await insertJob(db, { id, tenantId, level: 'system', requestUrl: 'bench', types: ['Observation'] });
  gc();
  const before = process.memoryUsage();
  let peakRss = before.rss;
  let peakHeap = before.heapUsed;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 20);
  const started = performance.now();
  runner.run({ id, tenantId, level: 'system', requestUrl: 'bench', types: ['Observation'], since: null, state: 'in-progress', transactionTime: null, progress: null, output: [], error: null, runs: 1 });
  await runner.settled(id);
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  const job = await selectJob(db, tenantId, id);
  if (job?.state !== 'completed') throw new Error(`export ${id} ended ${job?.state}: ${job?.error}`);
  const count = job.output.reduce((n, f) => n + f.count, 0);
  if (count !== size) throw new Error(`exported ${count} resources, expected ${size}`);
  const bytes = job.output.reduce((n, f) => n + statSync(join(runner.jobDir(id), f.file)).size, 0);
  rmSync(runner.jobDir(id), { recursive: true, force: true });
  return { size, files: job.output.length, seconds, perSecond: Math.round(size / seconds), bytes, rssBefore: before.rss, peakRss, heapBefore: before.heapUsed, peakHeap };
}

const TENANT = 'bench-export';

function openBenchDb(pgUrl: string | undefined, pgliteDir: string | undefined): Promise<Db> {
  return pgUrl ? openPostgresDb(pgUrl, 4) : openPgliteDb(pgliteDir);
}

function report(label: string, r: Awaited<ReturnType<typeof exportOnce>>): void {
  process.stdout.write(
    `${label} ${r.size}: ${r.files} file(s), ${mb(r.bytes)} NDJSON, ${r.seconds.toFixed(1)} s (${r.perSecond}/s); ` +
      `RSS ${mb(r.rssBefore)} before → peak ${mb(r.peakRss)} (+${mb(r.peakRss - r.rssBefore)}); ` +
      `V8 heap ${mb(r.heapBefore)} → peak ${mb(r.peakHeap)}\n`,
  );
}

/** `--child <size> --db <url|dir>`: a fresh process that only exports, so its RSS owes nothing to the load. */
async function child(size: number, target: string): Promise<void> {
  const db = await openBenchDb(target.startsWith('postgres') ? target : undefined, target.startsWith('postgres') ? undefined : target);
  const dir = mkdtempSync(join(tmpdir(), 'xietong-export-bench-'));
  try {
    report('export in a fresh process', await exportOnce(db, TENANT, dir, size));
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const engine = postgresUrl ? await createPostgresEngine(postgresUrl, false) : createPgliteEngine();
  const target = engine.name === 'postgres' ? engine.overrides.databaseUrl! : engine.overrides.dataDir;
  let db = await openBenchDb(engine.name === 'postgres' ? target : undefined, engine.name === 'postgres' ? undefined : target);
  const dir = mkdtempSync(join(tmpdir(), 'xietong-export-bench-'));
  try {
    await migrate(db);
    await db.query(`INSERT INTO institutions (id, name, kind) VALUES ($1, 'Bench hospital', 'other')`, [TENANT]);
    process.stdout.write(`engine: ${await describeEngine(db)}; node ${process.version}; gc ${typeof (globalThis as { gc?: unknown }).gc === 'function' ? 'exposed' : 'not exposed'}\n`);
    let loaded = 0;
    for (const size of sizes) {
      const t0 = performance.now();
      await load(db, TENANT, loaded, size);
      process.stdout.write(`loaded ${size} Observations (${((performance.now() - t0) / 1000).toFixed(0)} s for the last ${size - loaded})\n`);
      loaded = size;
      report('export after the load, same process', await exportOnce(db, TENANT, dir, size));
      // PGlite allows one process per data directory: close it while the child exports.
      await db.close();
      execFileSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', String(size), '--db', target], { stdio: 'inherit' });
      db = await openBenchDb(engine.name === 'postgres' ? target : undefined, engine.name === 'postgres' ? undefined : target);
    }
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
    await engine.cleanup();
  }
}

const childSize = arg('child');
if (childSize) await child(Number(childSize), arg('db')!);
else await main();
