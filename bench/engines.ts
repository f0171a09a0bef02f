import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPostgresDb, type Db } from '../src/platform/storage/index.js';

export type EngineName = 'pglite' | 'postgres';

/** A fresh, empty database for one benchmark run, and how the hub process reaches it. */
export interface BenchEngine {
  name: EngineName;
  /** Config overrides for loadConfig in this process (seeding, token minting). */
  overrides: { dataDir: string; databaseUrl: string | undefined };
  /** Environment for the `xietong serve` child process. */
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

function pgliteVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../node_modules/@electric-sql/pglite/package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** Human-readable engine version, e.g. "PostgreSQL 15.18" or "PGlite 0.5.16 (PostgreSQL 18.6, …)". */
export async function describeEngine(db: Db): Promise<string> {
  const row = await db.query<{ v: string; path: string }>("SELECT current_setting('server_version') AS v, current_setting('search_path') AS path");
  return db.engine === 'pglite'
    ? `PGlite ${pgliteVersion()} (PostgreSQL ${row.rows[0].v}, WASM, single connection)`
    : `PostgreSQL ${row.rows[0].v} (search_path ${row.rows[0].path})`;
}

/** PGlite in a new temporary data directory, removed afterwards. */
export function createPgliteEngine(): BenchEngine {
  const dataDir = mkdtempSync(join(tmpdir(), 'xietong-bench-'));
  return {
    name: 'pglite',
    overrides: { dataDir, databaseUrl: undefined },
    env: { XIETONG_DATA_DIR: dataDir },
    async cleanup() {
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * PostgreSQL at `baseUrl`, isolated in a new schema (search_path=schema,public
 * so pg_trgm, installed in public, still resolves). A schema rather than a
 * database because the bench role need not hold CREATEDB; it is dropped at the
 * end unless `keep` is set.
 */
export async function createPostgresEngine(baseUrl: string, keep: boolean, reuseSchema?: string): Promise<BenchEngine> {
  if (reuseSchema !== undefined && !/^bench_\d{14}$/.test(reuseSchema)) throw new Error(`--schema must name a kept bench schema (bench_YYYYMMDDhhmmss), got "${reuseSchema}"`);
  const schema = reuseSchema ?? `bench_${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}`;
  const admin = await openPostgresDb(baseUrl, 1);
  try {
    if (reuseSchema) {
      const found = await admin.query('SELECT 1 FROM information_schema.schemata WHERE schema_name = $1', [schema]);
      if (found.rowCount === 0) throw new Error(`schema ${schema} does not exist (run with --keep first)`);
    } else {
      await admin.query(`CREATE SCHEMA ${schema}`);
    }
  } finally {
    await admin.close();
  }
  const url = new URL(baseUrl);
  url.searchParams.set('options', `-c search_path=${schema},public`);
  const databaseUrl = url.toString();
  return {
    name: 'postgres',
    overrides: { dataDir: join(tmpdir(), 'xietong-bench-unused'), databaseUrl },
    env: { DATABASE_URL: databaseUrl },
    async cleanup() {
      if (keep || reuseSchema) {
        process.stderr.write(`bench: kept schema ${schema}\n`);
        return;
      }
      const db = await openPostgresDb(baseUrl, 1);
      try {
        await db.query(`DROP SCHEMA ${schema} CASCADE`);
      } finally {
        await db.close();
      }
    },
  };
}
