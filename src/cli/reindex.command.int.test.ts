import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../platform/config/config.js';
import { openDb } from '../platform/storage/index.js';
import { command } from './reindex.command.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const dirs: string[] = [];

function runCli(args: string[], dataDir: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: Record<string, string | undefined> = { ...process.env, XIETONG_DATA_DIR: dataDir, XIETONG_BASE_URL: 'http://hub.test' };
  delete env.DATABASE_URL; // the embedded database in dataDir
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', join(ROOT, 'src/main.ts'), ...args], { cwd: ROOT, env, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('xietong reindex', () => {
  it('rejects bad options before opening a database', async () => {
    expect(await command.run({ flags: { 'batch-size': '0' }, positional: [] })).toBe(2);
    expect(await command.run({ flags: { type: 'patient' }, positional: [] })).toBe(2);
    await expect(command.run({ flags: { 'batch-size': 'many' }, positional: [] })).rejects.toThrow(/--batch-size/);
  });

  it('indexes resources stored without index rows and reports what it did', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'xietong-reindex-'));
    dirs.push(dataDir);
    const db = await openDb(loadConfig({}, { dataDir, baseUrl: 'http://hub.test' }));
    await db.query(`INSERT INTO institutions (id, name, kind) VALUES ('h1', 'H1', 'other')`);
    await db.query(
      `INSERT INTO fhir_resources (tenant_id, resource_type, id, version_id, last_updated, content)
       SELECT 'h1', 'Patient', 'p' || i, 1, now(), jsonb_build_object('resourceType', 'Patient', 'id', 'p' || i, 'name', jsonb_build_array(jsonb_build_object('family', 'Wang')))
       FROM generate_series(1, 25) i`,
    );
    await db.close();

    const result = await runCli(['reindex', '--batch-size', '10'], dataDir);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/reindexed 25 resources, removed 0 orphan index rows/);
    expect(result.stderr).toMatch(/reindex 25\/25 resources/);

    const after = await openDb(loadConfig({}, { dataDir, baseUrl: 'http://hub.test' }));
    const rows = await after.query<{ n: number }>(`SELECT count(DISTINCT resource_id)::int8 AS n FROM search_string WHERE tenant_id = 'h1' AND code = 'family' AND value_norm = 'wang'`);
    await after.close();
    expect(Number(rows.rows[0]!.n)).toBe(25);
  }, 180_000);
});
