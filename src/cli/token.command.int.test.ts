import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../../test/support/app.js';
import { openTestDb, testEngine } from '../../test/support/db.js';
import { createDemoCredentials, TokenService } from '../modules/access/index.js';
import { migrate, openPgliteDb, type Db } from '../platform/storage/index.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const BASE_URL = 'http://hub.test';

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `xietong <args>` from source in a child process, as a user would. */
function runCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  const childEnv: Record<string, string | undefined> = { ...process.env, XIETONG_DEMO: '', XIETONG_BASE_URL: BASE_URL, ...env };
  if (testEngine === 'pglite') delete childEnv.DATABASE_URL;
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', join(ROOT, 'src/main.ts'), ...args], { cwd: ROOT, env: childEnv, timeout: 90_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** A TCP port nothing listens on. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function addInstitutions(db: Db, ids: { tertiary: string; clinic: string }): Promise<void> {
  await db.query('INSERT INTO institutions (id, name, kind) VALUES ($1, $2, $3), ($4, $5, $6)', [
    ids.clinic, `Clinic ${ids.clinic}`, 'community-health-centre', ids.tertiary, `Hospital ${ids.tertiary}`, 'tertiary-hospital',
  ]);
}

const lastLine = (text: string) => text.trim().split('\n').at(-1) ?? '';
const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'xietong-token-cli-'));
  dirs.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('xietong token', () => {
  it('refuses without --demo', async () => {
    const result = await runCli(['token'], { XIETONG_DATA_DIR: tempDir(), PORT: String(await freePort()) });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('demo mode only');
    expect(result.stdout).toBe('');
  });

  it('explains when the data dir has no demo credentials', async () => {
    const result = await runCli(['token', '--demo'], { XIETONG_DATA_DIR: tempDir(), PORT: String(await freePort()) });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no demo credentials');
    expect(result.stdout).toBe('');
  });

  it('mints from the database when no hub is running', async () => {
    const dataDir = tempDir();
    const ids = { tertiary: `t-${randomUUID().slice(0, 8)}`, clinic: `t-${randomUUID().slice(0, 8)}` };
    // The CLI opens the same database: the data dir's PGlite, or PostgreSQL at DATABASE_URL.
    const open = async () => (testEngine === 'pglite' ? openPgliteDb(join(dataDir, 'pglite')) : openTestDb());
    let db = await open();
    await migrate(db);
    await addInstitutions(db, ids);
    await createDemoCredentials(db, { dataDir, institutions: [{ id: ids.clinic, name: 'Clinic' }, { id: ids.tertiary, name: 'Hospital' }], demo: true });
    await db.close();

    const port = String(await freePort());
    const byDefault = await runCli(['token', '--demo'], { XIETONG_DATA_DIR: dataDir, PORT: port });
    expect(byDefault.code, byDefault.stderr).toBe(0);
    expect(byDefault.stderr).toContain('minted from the database');

    db = await open();
    try {
      const tokens = await TokenService.create(db, BASE_URL, 3600);
      const tertiaryClaims = await tokens.verify(lastLine(byDefault.stdout));
      expect(tertiaryClaims).toMatchObject({ tenantId: ids.tertiary, scope: 'system/*.cruds', actor: { kind: 'system' } });
    } finally {
      await db.close();
    }
  }, 300_000); // the CLI opens the database itself: slow on a loaded machine

  describe('with a hub running', () => {
    let hub: TestHub;
    let port: number;
    let dataDir: string;
    const ids = { tertiary: `t-${randomUUID().slice(0, 8)}`, clinic: `t-${randomUUID().slice(0, 8)}` };

    beforeAll(async () => {
      hub = await startTestHub({ baseUrl: BASE_URL });
      await hub.app.listen({ host: '127.0.0.1', port: 0 });
      port = (hub.app.server.address() as { port: number }).port;
      dataDir = tempDir();
      await addInstitutions(hub.db, ids);
      await createDemoCredentials(hub.db, { dataDir, institutions: [{ id: ids.clinic, name: 'Clinic' }, { id: ids.tertiary, name: 'Hospital' }], demo: true });
    });

    afterAll(async () => {
      await hub?.close();
    });

    it('gets the token from the hub with the demo key (client_credentials)', async () => {
      const result = await runCli(['token', '--demo', '--institution', `Hospital ${ids.tertiary}`], { XIETONG_DATA_DIR: dataDir, PORT: String(port) });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toContain('from the hub');
      const token = lastLine(result.stdout);
      const me = await hub.app.inject({ method: 'GET', url: '/auth/me', headers: { authorization: `Bearer ${token}` } });
      expect(me.statusCode).toBe(200);
      expect(me.json()).toMatchObject({ kind: 'system', institution: { id: ids.tertiary }, scope: 'system/*.cruds' });
      // The hub consumed the assertion's jti: proof the token came through the token endpoint.
      const used = await hub.db.query('SELECT count(*)::int AS n FROM auth_client_assertions a JOIN auth_clients c USING (client_id) WHERE c.tenant_id = $1', [ids.tertiary]);
      expect(used.rows[0]).toEqual({ n: 1 });
    }, 120_000);

    it('reports the hub refusing a scope, exit 1', async () => {
      const result = await runCli(['token', '--demo', '--scope', 'system/Patient.x'], { XIETONG_DATA_DIR: dataDir, PORT: String(port) });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('HTTP 400');
      expect(result.stdout).toBe('');
    }, 120_000);
  });
});
