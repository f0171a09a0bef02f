import '../src/platform/runtime/node-globals.js';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createAppDeps } from '../src/app.js';
import { loadConfig } from '../src/platform/config/config.js';
import { openDb, type Db } from '../src/platform/storage/index.js';
import { describeEngine, type BenchEngine } from './engines.js';

/** What the scenarios need from the prepared database. */
export interface Prepared {
  engineVersion: string;
  /** A fresh tenant for create / read / transaction, and its bearer token. */
  benchTenant: { id: string; token: string };
  /** The seeded tenant with the most Patients (searched by family name), and its token. */
  searchTenant: { id: string; token: string; patients: number } | undefined;
  /** Family names present in the search tenant, most common first. */
  familyNames: string[];
  /** People requested from the seeder, Patient resources in the whole database, seconds spent seeding. */
  seeded: { people: number; patientResources: number; seconds: number; clinical?: boolean; skippedReason?: string };
}

interface DemoRegionModule {
  seedDemoRegion?: (db: Db, options: { patients: number; seed: number; clinical?: boolean; onProgress?: (p: unknown) => void }) => Promise<unknown>;
  isRegionSeeded?: (db: Db) => Promise<boolean>;
}

/** Loads the demo-region seeder when that module exposes it; undefined otherwise. */
async function loadSeeder(): Promise<DemoRegionModule['seedDemoRegion']> {
  try {
    const mod = (await import('../src/modules/demo-region/index.js' as string)) as DemoRegionModule;
    return mod.seedDemoRegion;
  } catch {
    return undefined;
  }
}

async function mintToken(db: Db, baseUrl: string, tenantId: string): Promise<string> {
  const deps = await createAppDeps(loadConfig({}, { baseUrl, dataDir: '/tmp/unused' }), db);
  const issued = await deps.tokens.mint({ tenantId, actor: { kind: 'system', id: `bench-${tenantId}` }, scope: 'system/*.cruds' }, 4 * 3600);
  return issued.access_token;
}

function progressPrinter(): (p: unknown) => void {
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (now - last < 5_000) return;
    last = now;
    process.stderr.write(`bench: seeding… ${JSON.stringify(p)}\n`);
  };
}

/**
 * Migrates the engine's fresh database, seeds N demo people, creates the
 * bench tenant and mints tokens, then closes the database so the hub process
 * can open it (PGlite allows one process per data directory).
 */
export async function prepareDatabase(overrides: BenchEngine['overrides'], baseUrl: string, people: number, seed: number, clinical = true): Promise<Prepared> {
  const db = await openDb({ ...overrides, dbPoolSize: 4 });
  try {
    const engineVersion = await describeEngine(db);
    const started = Date.now();
    let skippedReason: string | undefined;
    if (people > 0) {
      const seedDemoRegion = await loadSeeder();
      if (seedDemoRegion) await seedDemoRegion(db, { patients: people, seed, clinical, onProgress: progressPrinter() });
      else skippedReason = 'seedDemoRegion is not exported by src/modules/demo-region/index.ts yet';
    }
    const seconds = (Date.now() - started) / 1000;
    const counted = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM fhir_resources WHERE resource_type = 'Patient'");

    const benchId = `bench-${randomUUID().slice(0, 8)}`;
    await db.query('INSERT INTO institutions (id, name, kind) VALUES ($1, $2, $3)', [benchId, 'Benchmark Hospital', 'other']);
    const benchTenant = { id: benchId, token: await mintToken(db, baseUrl, benchId) };

    const biggest = await db.query<{ tenant_id: string; n: number }>(
      `SELECT tenant_id, count(*)::int AS n FROM fhir_resources WHERE resource_type = 'Patient' AND NOT deleted
       GROUP BY tenant_id ORDER BY n DESC LIMIT 1`,
    );
    let searchTenant: Prepared['searchTenant'];
    let familyNames: string[] = [];
    if (biggest.rows[0]) {
      const { tenant_id: id, n } = biggest.rows[0];
      searchTenant = { id, token: await mintToken(db, baseUrl, id), patients: n };
      const names = await db.query<{ family: string }>(
        `SELECT content->'name'->0->>'family' AS family, count(*) AS c FROM fhir_resources
         WHERE tenant_id = $1 AND resource_type = 'Patient' AND NOT deleted AND content->'name'->0->>'family' IS NOT NULL
         GROUP BY 1 ORDER BY c DESC LIMIT 200`,
        [id],
      );
      familyNames = names.rows.map((row) => row.family);
    }
    return {
      engineVersion,
      benchTenant,
      searchTenant,
      familyNames,
      seeded: { people, patientResources: counted.rows[0].n, seconds, clinical, skippedReason },
    };
  } finally {
    await db.close();
  }
}

const SELF = fileURLToPath(import.meta.url);

/**
 * Runs prepareDatabase in a child process that exits before the hub starts.
 * With PGlite, a data directory that the preparing process closed but kept
 * mapped could leave the next opener spinning (seen here: the hub never came
 * up); a separate process that exits hands over a cleanly shut-down directory.
 */
export function prepareInChild(engine: BenchEngine, baseUrl: string, people: number, seed: number, clinical = true): Promise<Prepared> {
  const args = JSON.stringify({ overrides: engine.overrides, baseUrl, people, seed, clinical });
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', SELF, args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += String(chunk)));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`preparing the ${engine.name} database failed (exit ${code})`));
      try {
        resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '') as Prepared);
      } catch (err) {
        reject(new Error(`could not read the prepared state: ${(err as Error).message}`));
      }
    });
  });
}

if (process.argv[1] === SELF) {
  const { overrides, baseUrl, people, seed, clinical } = JSON.parse(process.argv[2]) as {
    overrides: BenchEngine['overrides'];
    baseUrl: string;
    people: number;
    seed: number;
    clinical: boolean;
  };
  prepareDatabase(overrides, baseUrl, people, seed, clinical).then(
    (prepared) => {
      process.stdout.write(`${JSON.stringify(prepared)}\n`);
      process.exit(0);
    },
    (err: unknown) => {
      process.stderr.write(`bench: prepare failed: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
}
