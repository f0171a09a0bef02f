import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface HubProcess {
  baseUrl: string;
  port: number;
  /** SIGTERM, then wait for exit (graceful shutdown). */
  stop(): Promise<number | null>;
  /** The child's stderr so far (banner, warnings). */
  stderr(): string;
}

/** Asks the OS for a free TCP port on 127.0.0.1. */
export function findFreePort(): Promise<number> {
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

async function waitUntilReady(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`hub exited with code ${child.exitCode} before it was ready`);
    try {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(5_000) });
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`hub not ready at ${url} within ${timeoutMs / 1000} s`);
}

/**
 * Starts `xietong serve` as a child process, so the hub has its own event loop
 * and autocannon (in this process) does not steal its CPU time. Uses the built
 * dist/main.js when `built` is set and present, else runs the sources with tsx.
 */
export async function startHubProcess(options: {
  env: Record<string, string>;
  built: boolean;
  baseUrl: string;
  port: number;
  /** Write a V8 CPU profile of the hub into this directory (node --cpu-prof), for finding hot frames. */
  cpuProfileDir?: string;
}): Promise<HubProcess> {
  const dist = `${ROOT}dist/main.js`;
  const useBuilt = options.built && existsSync(dist);
  const profile = options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : [];
  const args = [...profile, ...(useBuilt ? [dist, 'serve'] : ['--import', 'tsx', `${ROOT}src/main.ts`, 'serve'])];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: {
      // XIETONG_* settings of the bench's own environment reach the hub (XIETONG_WRITE_BATCH=1 npm run bench …).
      ...Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith('XIETONG_'))),
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      PORT: String(options.port),
      XIETONG_BASE_URL: options.baseUrl,
      ...options.env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${options.port}`;
  try {
    await waitUntilReady(url, child, 300_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n${stderr}`);
  }
  return {
    baseUrl: url,
    port: options.port,
    stderr: () => stderr,
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
