import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { appendAuditEvents, signTreeHead } from '../modules/audit/index.js';
import { newTestLogId, sampleAuditEvent } from '../modules/audit/test-support/audit-fixtures.js';
import { loadConfig } from '../platform/config/config.js';
import { openDb } from '../platform/storage/index.js';
import { parseCliArgs } from './args.js';
import { command } from './audit.command.js';

// The command opens the configured database itself: PostgreSQL at DATABASE_URL, else PGlite in XIETONG_DATA_DIR.
const dataDir = mkdtempSync(join(tmpdir(), 'xietong-audit-cli-'));
const previousDataDir = process.env.XIETONG_DATA_DIR;
beforeAll(() => {
  process.env.XIETONG_DATA_DIR = dataDir;
});
afterAll(() => {
  if (previousDataDir === undefined) delete process.env.XIETONG_DATA_DIR;
  else process.env.XIETONG_DATA_DIR = previousDataDir;
  rmSync(dataDir, { recursive: true, force: true });
});
afterEach(() => {
  vi.restoreAllMocks();
});

async function withDb<T>(fn: (db: Awaited<ReturnType<typeof openDb>>) => Promise<T>): Promise<T> {
  const db = await openDb(loadConfig());
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

async function runCli(argv: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(args.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void lines.push(args.join(' ')));
  const code = await command.run(parseCliArgs(argv));
  vi.restoreAllMocks();
  return { code, out: lines.join('\n') };
}

// Each run opens (and on PGlite, starts) the database anew, which takes seconds on a busy machine.
describe('xietong audit', { timeout: 300_000 }, () => {
  it('verify says OK with counts, then names the leaf edited behind its back', async () => {
    const logId = newTestLogId();
    await withDb(async (db) => {
      await appendAuditEvents(db, [0, 1, 2, 3, 4].map((i) => sampleAuditEvent('t-a', i)), { logId });
      await signTreeHead(db, logId);
    });
    const clean = await runCli(['verify', '--log', logId]);
    expect(clean.code).toBe(0);
    expect(clean.out).toMatch(new RegExp(`audit log ${logId}: OK: 5 leaves, 3 subtree hashes, 1 signed tree heads checked in \\d+\\.\\d\\d s`));

    await withDb((db) => db.query(`UPDATE audit_leaves SET leaf_data = replace(leaf_data, '"R"', '"U"') WHERE log_id = $1 AND seq = 2`, [logId]));
    const tampered = await runCli(['verify', '--log', logId]);
    expect(tampered.code).toBe(1);
    expect(tampered.out).toContain('TAMPERED');
    expect(tampered.out).toContain('first: leaf 2: the stored event no longer matches its leaf hash');
    const json = await runCli(['verify', '--log', logId, '--json']);
    const report = JSON.parse(json.out);
    expect(report.ok).toBe(false);
    expect(report.problems[0]).toMatchObject({ kind: 'leaf-altered', seq: 2 });
  });

  it('sign and head print the signed checkpoint', async () => {
    const logId = newTestLogId();
    const none = await runCli(['head', '--log', logId]);
    expect(none.code).toBe(1);
    const signed = await runCli(['sign', '--log', logId, '--json']);
    expect(signed.code).toBe(0);
    expect(JSON.parse(signed.out)).toMatchObject({ logId, treeSize: 0 });
    const head = await runCli(['head', '--log', logId]);
    expect(head.out.startsWith(`xietong-audit/${logId}\n0\n`)).toBe(true);
  });

  it('refuses unknown subcommands and bad options', async () => {
    expect((await runCli([])).code).toBe(2);
    expect((await runCli(['shred'])).code).toBe(2);
    await expect(runCli(['verify', '--batch', 'lots'])).rejects.toThrow(/--batch/);
    await expect(runCli(['sign', '--log', 'two words'])).rejects.toMatchObject({ code: 'AUDIT_INVALID_LOG_ID' });
  });
});
