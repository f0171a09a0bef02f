/**
 * Progress reporting for long CLI work (seeding, loading bundles, reindexing).
 * On a terminal: one bar redrawn in place with count/total, rate and ETA.
 * Elsewhere (CI logs, pipes): a plain line every few seconds and one at the end,
 * so logs stay readable. The formatting functions are pure and tested.
 */

/** "2h05m", "3m07s", "42s"; "--" when unknown. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** Thousands separated with commas: 1234567 → "1,234,567". */
export function formatCount(n: number): string {
  return Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** A bar of `width` cells, e.g. "[#######.............]". */
export function renderBar(fraction: number, width: number): string {
  const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const filled = Math.round(f * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

export interface ProgressSnapshot {
  label: string;
  done: number;
  total: number;
  /** Seconds since the work started. */
  elapsed: number;
  unit?: string;
  /** Extra text after the figures, e.g. "2,345,678 resources". */
  detail?: string;
}

/** The figures: "label 1,234/10,000 people (12%) 456/s ETA 19s". */
export function formatProgressFigures(p: ProgressSnapshot): string {
  const rate = p.elapsed > 0 ? p.done / p.elapsed : 0;
  const pct = p.total > 0 ? Math.floor((100 * p.done) / p.total) : 100;
  const eta = p.done >= p.total ? 0 : rate > 0 ? (p.total - p.done) / rate : Number.NaN;
  const unit = p.unit ? ` ${p.unit}` : '';
  const detail = p.detail ? ` · ${p.detail}` : '';
  const timing = p.done >= p.total ? `in ${formatDuration(p.elapsed)}` : `ETA ${formatDuration(eta)}`;
  return `${p.label} ${formatCount(p.done)}/${formatCount(p.total)}${unit} (${pct}%) ${formatCount(rate)}/s ${timing}${detail}`;
}

/** The terminal line: bar plus figures, cut to `columns`. */
export function formatProgressBarLine(p: ProgressSnapshot, columns: number): string {
  const figures = formatProgressFigures(p);
  const barWidth = Math.max(10, Math.min(40, columns - figures.length - 2));
  const line = `${renderBar(p.total > 0 ? p.done / p.total : 1, barWidth)} ${figures}`;
  return line.length > columns ? line.slice(0, Math.max(0, columns - 1)) : line;
}

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressReporterOptions {
  label: string;
  total: number;
  unit?: string;
  /** Default process.stderr (stdout may carry data, e.g. a CSV). */
  stream?: ProgressStream;
  /** Seconds between plain lines when not on a terminal; default 5. */
  plainIntervalSeconds?: number;
  /** Clock in milliseconds; injectable for tests. */
  now?: () => number;
}

export interface ProgressReporter {
  update(done: number, detail?: string): void;
  /** Prints the final state (always) and ends the bar's line. */
  finish(detail?: string): void;
}

/** Creates a reporter writing a redrawn bar on a TTY and periodic plain lines otherwise. */
export function createProgressReporter(options: ProgressReporterOptions): ProgressReporter {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? (() => performance.now());
  const started = now();
  const tty = stream.isTTY === true;
  const plainEvery = (options.plainIntervalSeconds ?? 5) * 1000;
  let lastDraw = Number.NEGATIVE_INFINITY;
  let done = 0;
  let detail: string | undefined;
  let finished = false;
  const snapshot = (): ProgressSnapshot => ({ label: options.label, done, total: options.total, unit: options.unit, detail, elapsed: (now() - started) / 1000 });
  const draw = (final: boolean): void => {
    if (tty) stream.write(`\r${formatProgressBarLine(snapshot(), stream.columns ?? 80)}\x1b[K${final ? '\n' : ''}`);
    else stream.write(`${formatProgressFigures(snapshot())}\n`);
  };
  return {
    update(value, text) {
      if (finished) return;
      done = value;
      detail = text ?? detail;
      const t = now();
      // Redraw at most ten times a second on a terminal; a line every few seconds elsewhere.
      if (t - lastDraw >= (tty ? 100 : plainEvery)) {
        lastDraw = t;
        draw(false);
      }
    },
    finish(text) {
      if (finished) return;
      finished = true;
      detail = text ?? detail;
      draw(true);
    },
  };
}
