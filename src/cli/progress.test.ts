import { describe, expect, it } from 'vitest';
import {
  createProgressReporter,
  formatCount,
  formatDuration,
  formatProgressBarLine,
  formatProgressFigures,
  renderBar,
  type ProgressStream,
} from './progress.js';

describe('progress formatting', () => {
  it('formats durations', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(42.4)).toBe('42s');
    expect(formatDuration(187)).toBe('3m07s');
    expect(formatDuration(7500)).toBe('2h05m');
    expect(formatDuration(Number.NaN)).toBe('--');
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('--');
    expect(formatDuration(-1)).toBe('--');
  });

  it('formats counts with thousands separators', () => {
    expect(formatCount(0)).toBe('0');
    expect(formatCount(999)).toBe('999');
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatCount(1499.6)).toBe('1,500');
  });

  it('renders bars and clamps out-of-range fractions', () => {
    expect(renderBar(0, 10)).toBe('[..........]');
    expect(renderBar(0.5, 10)).toBe('[#####.....]');
    expect(renderBar(1, 10)).toBe('[##########]');
    expect(renderBar(1.7, 4)).toBe('[####]');
    expect(renderBar(-1, 4)).toBe('[....]');
    expect(renderBar(Number.NaN, 4)).toBe('[....]');
  });

  it('shows count, total, percentage, rate and ETA; the elapsed time once done', () => {
    expect(formatProgressFigures({ label: 'seeding', done: 250, total: 1000, elapsed: 10, unit: 'people' })).toBe(
      'seeding 250/1,000 people (25%) 25/s ETA 30s',
    );
    expect(formatProgressFigures({ label: 'seeding', done: 1000, total: 1000, elapsed: 40, detail: '17,000 resources' })).toBe(
      'seeding 1,000/1,000 (100%) 25/s in 40s · 17,000 resources',
    );
    expect(formatProgressFigures({ label: 'x', done: 0, total: 10, elapsed: 0 })).toBe('x 0/10 (0%) 0/s ETA --');
  });

  it('fits the terminal line to the given width', () => {
    const line = formatProgressBarLine({ label: 'seeding', done: 50, total: 100, elapsed: 5 }, 80);
    expect(line.startsWith('[')).toBe(true);
    expect(line.length).toBeLessThanOrEqual(80);
    expect(line).toContain('50/100');
    expect(formatProgressBarLine({ label: 'seeding', done: 50, total: 100, elapsed: 5, detail: 'x'.repeat(200) }, 60).length).toBeLessThan(60);
  });
});

function fakeStream(isTTY: boolean): ProgressStream & { out: string[] } {
  const out: string[] = [];
  return { out, isTTY, columns: 100, write: (text: string) => out.push(text) };
}

describe('createProgressReporter', () => {
  it('redraws one line in place on a terminal, at most ten times a second, and ends it with a newline', () => {
    const stream = fakeStream(true);
    let clock = 0;
    const reporter = createProgressReporter({ label: 'load', total: 100, stream, now: () => clock });
    for (let i = 1; i <= 100; i++) {
      clock += 10;
      reporter.update(i);
    }
    reporter.finish();
    expect(stream.out.length).toBeGreaterThan(5);
    expect(stream.out.length).toBeLessThanOrEqual(12);
    expect(stream.out.every((s) => s.startsWith('\r'))).toBe(true);
    expect(stream.out.slice(0, -1).every((s) => !s.includes('\n'))).toBe(true);
    expect(stream.out.at(-1)?.endsWith('100/100 (100%) 100/s in 1s\u001b[K\n')).toBe(true);
  });

  it('writes plain lines every few seconds when not on a terminal, and always at the end', () => {
    const stream = fakeStream(false);
    let clock = 0;
    const reporter = createProgressReporter({ label: 'load', total: 1000, stream, now: () => clock, plainIntervalSeconds: 5 });
    for (let i = 1; i <= 1000; i++) {
      clock += 20; // 20 s in total
      reporter.update(i, `${formatCount(i * 3)} rows`);
    }
    reporter.finish();
    reporter.finish();
    reporter.update(5);
    expect(stream.out.every((s) => !s.includes('\r') && !s.includes('\x1b') && s.endsWith('\n'))).toBe(true);
    expect(stream.out.length).toBe(5);
    expect(stream.out.at(-1)).toBe('load 1,000/1,000 (100%) 50/s in 20s · 3,000 rows\n');
  });
});
