import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { JWK } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp, createAppDeps } from '../app.js';
import { startTestHub } from '../../test/support/app.js';
import { openTestDb, testEngine } from '../../test/support/db.js';
import { signClientAssertion } from '../modules/access/index.js';
import { loadConfig } from '../platform/config/config.js';
import { migrate, openPgliteDb } from '../platform/storage/index.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const BASE_URL = 'http://hub.test';

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `xietong <args>` from source in a child process; `pglite` forces the embedded database. */
function runCli(args: string[], env: Record<string, string>, engine = testEngine): Promise<CliResult> {
  const childEnv: Record<string, string | undefined> = { ...process.env, XIETONG_BASE_URL: BASE_URL, ...env };
  if (engine === 'pglite') delete childEnv.DATABASE_URL;
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', join(ROOT, 'src/main.ts'), ...args], { cwd: ROOT, env: childEnv, timeout: 90_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'xietong-client-cli-'));
  dirs.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('xietong client', () => {
  it('needs --institution and --name, and a known --alg (exit 2)', async () => {
    const env = { XIETONG_DATA_DIR: tempDir(), PORT: String(await freePort()) };
    const noName = await runCli(['client', '--institution', 'x'], env);
    expect(noName.code).toBe(2);
    expect(noName.stderr).toContain('--name is required');
    const badAlg = await runCli(['client', '--institution', 'x', '--name', 'n', '--alg', 'HS256'], env);
    expect(badAlg.code).toBe(2);
    expect(badAlg.stderr).toContain('--alg must be one of');
  });

  it('refuses to open a PGlite data dir while a hub answers on PORT', async () => {
    const hub = await startTestHub({ baseUrl: BASE_URL });
    try {
      await hub.app.listen({ host: '127.0.0.1', port: 0 });
      const port = (hub.app.server.address() as { port: number }).port;
      const dataDir = tempDir();
      const result = await runCli(['client', '--institution', 'x', '--name', 'n'], { XIETONG_DATA_DIR: dataDir, PORT: String(port) }, 'pglite');
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('stop the hub');
      expect(result.stderr).toContain('DATABASE_URL');
    } finally {
      await hub.close();
    }
  }, 120_000);

  it('registers a client whose private key then gets a token at the token endpoint', async () => {
    const dataDir = tempDir();
    const outDir = join(dataDir, 'keys-out');
    const institution = { id: `t-${randomUUID().slice(0, 8)}`, name: `CLI Hospital ${randomUUID().slice(0, 6)}` };
    const open = async () => (testEngine === 'pglite' ? openPgliteDb(join(dataDir, 'pglite')) : openTestDb());
    let db = await open();
    await migrate(db);
    await db.query('INSERT INTO institutions (id, name, kind) VALUES ($1, $2, $3)', [institution.id, institution.name, 'district-hospital']);
    await db.close();

    const env = { XIETONG_DATA_DIR: dataDir, PORT: String(await freePort()) };
    const unknown = await runCli(['client', '--institution', 'Nowhere', '--name', 'n'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No institution with id or name "Nowhere"');

    const result = await runCli(['client', '--institution', institution.name, '--name', 'HIS gateway', '--scope', 'system/Patient.rs', '--alg', 'EdDSA', '--out', outDir], env);
    expect(result.code, result.stderr).toBe(0);
    const clientId = /client_id:\s+(\S+)/.exec(result.stdout)?.[1];
    const keyPath = /private key:\s+(\S+)/.exec(result.stdout)?.[1];
    expect(clientId).toBeDefined();
    expect(keyPath).toBe(join(outDir, `${clientId}.jwk`));
    expect(statSync(keyPath!).mode & 0o777).toBe(0o600);
    const privateJwk = JSON.parse(readFileSync(keyPath!, 'utf8')) as JWK;
    expect(privateJwk).toMatchObject({ alg: 'EdDSA', crv: 'Ed25519' });

    db = await open();
    const config = loadConfig({}, { baseUrl: BASE_URL, dataDir });
    const app = await buildApp(await createAppDeps(config, db));
    try {
      const assertion = await signClientAssertion({ privateJwk, clientId: clientId!, audience: `${BASE_URL}/auth/token` });
      const form = new URLSearchParams({
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
        scope: 'system/*.cruds',
      });
      const response = await app.inject({ method: 'POST', url: '/auth/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form.toString() });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json().scope).toBe('system/Patient.rs');
    } finally {
      await app.close();
      await db.close();
    }
  }, 300_000);
});
