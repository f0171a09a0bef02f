/** How long a graceful shutdown may take before the process is forced out. */
export const SHUTDOWN_TIMEOUT_MS = 10_000;

export interface ShutdownTarget {
  /** Stops accepting connections and resolves when in-flight requests have finished (Fastify's app.close()). */
  closeServer(): Promise<void>;
  /** Closes the database once no request can use it any more. */
  closeDb(): Promise<void>;
}

export interface ShutdownOptions {
  timeoutMs?: number;
  /** Where to report progress (stderr by default, so stdout stays for the JSON logs). */
  log?: (message: string) => void;
  /** Ends the process; injected so tests can observe it. */
  exit?: (code: number) => void;
  signals?: readonly NodeJS.Signals[];
}

export interface ShutdownController {
  /** Starts (or, when already started, forces) the shutdown, as a signal would. */
  trigger(reason: string): void;
  /** Resolves with the exit code once the shutdown finished (0 clean, 1 forced or failed). */
  done: Promise<number>;
  /** Removes the signal listeners (tests). */
  dispose(): void;
}

/**
 * Graceful shutdown for `xietong serve`. The first SIGINT/SIGTERM stops the
 * listener, lets in-flight requests finish, closes the database and exits 0.
 * A second signal, or the timeout, exits 1 at once: an operator who presses
 * Ctrl-C twice, or an orchestrator whose grace period ends, must not wait.
 */
export function installGracefulShutdown(target: ShutdownTarget, options: ShutdownOptions = {}): ShutdownController {
  const timeoutMs = options.timeoutMs ?? SHUTDOWN_TIMEOUT_MS;
  const log = options.log ?? ((message: string) => process.stderr.write(`${message}\n`));
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const signals = options.signals ?? (['SIGINT', 'SIGTERM'] as const);

  let started = false;
  let finished = false;
  let resolveDone: (code: number) => void = () => {};
  const done = new Promise<number>((resolve) => {
    resolveDone = resolve;
  });
  let timer: NodeJS.Timeout | undefined;

  const finish = (code: number): void => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    dispose();
    resolveDone(code);
    exit(code);
  };

  const trigger = (reason: string): void => {
    if (started) {
      log(`xietong: ${reason} again, forcing exit`);
      finish(1);
      return;
    }
    started = true;
    log(`xietong: ${reason} received, finishing in-flight requests (at most ${timeoutMs / 1000} s; repeat to force)`);
    timer = setTimeout(() => {
      log(`xietong: shutdown did not finish within ${timeoutMs / 1000} s, forcing exit`);
      finish(1);
    }, timeoutMs);
    void (async () => {
      try {
        await target.closeServer();
        await target.closeDb();
        log('xietong: stopped');
        finish(0);
      } catch (err) {
        log(`xietong: shutdown failed: ${err instanceof Error ? err.message : String(err)}`);
        finish(1);
      }
    })();
  };

  const listeners = signals.map((signal) => {
    const listener = () => trigger(signal);
    process.on(signal, listener);
    return [signal, listener] as const;
  });
  function dispose(): void {
    for (const [signal, listener] of listeners) process.off(signal, listener);
  }

  return { trigger, done, dispose };
}
