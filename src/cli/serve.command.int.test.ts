import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCliArgs } from './args.js';
import { readServeOverrides } from './serve.command.js';

const ROOT = new URL('../../', import.meta.url).pathname;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

interface Cli {
  child: ChildProcess;
  stderr: () => string;
  stdout: () => string;
  exited: Promise<number | null>;
}

function startCli(args: string[], env: Record<string, string>): Cli {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stderr?.on('data', (chunk) => (stderr += String(chunk)));
  child.stdout?.on('data', (chunk) => (stdout += String(chunk)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stderr: () => stderr, stdout: () => stdout, exited };
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('xietong serve flags', () => {
  it('maps --demo, --port and --host to config overrides', () => {
    expect(readServeOverrides(parseCliArgs(['--demo', '--port', '9090', '--host', '0.0.0.0']))).toEqual({
      demo: true,
      port: 9090,
      host: '0.0.0.0',
    });
    expect(readServeOverrides(parseCliArgs([]))).toEqual({});
  });

  it('rejects a port that is not an integer in 0..65535 and an empty host', () => {
    expect(() => readServeOverrides(parseCliArgs(['--port', 'http']))).toThrow(/--port must be a non-negative integer/);
    expect(() => readServeOverrides(parseCliArgs(['--port', '70000']))).toThrow(/between 0 and 65535/);
    expect(() => readServeOverrides(parseCliArgs(['--port', '-1']))).toThrow(/--port/);
    expect(() => readServeOverrides(parseCliArgs(['--host']))).toThrow(/--host needs a value/);
  });
});

// Each test starts whole hub processes (tsx compile, PGlite init, migrations): seconds on an idle
// machine, minutes on a loaded CI runner, hence the long timeouts.
describe('xietong serve (child process)', { timeout: 400_000 }, () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  it('starts, serves /healthz and /readyz, logs JSON with request ids, and exits 0 on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'xietong-serve-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const port = await freePort();
    const env: Record<string, string> = { XIETONG_DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'info' };
    if (process.env.DATABASE_URL) env.DATABASE_URL = process.env.DATABASE_URL;
    const cli = startCli(['serve'], env);
    cleanups.push(() => cli.child.kill('SIGKILL'));
    await waitFor(() => cli.stderr().includes('is listening on'), 'the listening banner', 300_000);
    expect(cli.stderr()).toContain(`http://127.0.0.1:${port}/docs`);

    const health = await fetch(`http://127.0.0.1:${port}/healthz`, { headers: { 'x-request-id': 'serve-test-1' } });
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);

    await waitFor(() => cli.stdout().includes('serve-test-1'), 'the request log line', 10_000);
    const logged = cli.stdout().split('\n').filter((line) => line.includes('"reqId":"serve-test-1"'));
    expect(logged.map((line) => JSON.parse(line).msg)).toContain('request completed');

    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
    expect(cli.stderr()).toMatch(/SIGTERM received[\s\S]*stopped/);
  });

  it('in demo mode seeds the region on first start only and prints the demo credentials after the banner', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'xietong-serve-demo-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    // No DATABASE_URL is passed to the child: it always gets a fresh PGlite, even when the suite runs on PostgreSQL.
    const port = await freePort();
    const env = { XIETONG_DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn' };
    const first = startCli(['serve', '--demo', '--patients', '5'], env);
    cleanups.push(() => first.child.kill('SIGKILL'));
    await waitFor(() => first.stderr().includes('is listening on'), 'the first demo start', 300_000);
    await waitFor(() => first.stderr().includes('access token for scripts'), 'the credentials', 10_000);
    expect(first.stderr()).toMatch(/demo mode: seeded 5 people as \d+ Patient records/);
    expect(first.stderr()).toContain('Demo credentials (demo mode only');
    expect(first.stderr().indexOf('is listening on')).toBeLessThan(first.stderr().indexOf('Demo credentials'));
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    // A second start on the same data finds the region and does not seed again.
    const second = startCli(['serve', '--demo', '--patients', '5'], env);
    cleanups.push(() => second.child.kill('SIGKILL'));
    await waitFor(() => second.stderr().includes('access token for scripts'), 'the second demo start', 300_000);
    expect(second.stderr()).not.toContain('seeding the demo region');
    expect(second.stderr()).toContain('Demo credentials (demo mode only');
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });

  it('exits non-zero with a clear message for a bad --port', async () => {
    const cli = startCli(['serve', '--port', 'eighty'], {});
    cleanups.push(() => cli.child.kill('SIGKILL'));
    expect(await cli.exited).toBe(1);
    expect(cli.stderr()).toContain('--port must be a non-negative integer, got "eighty"');
  });
});
