import { describe, expect, it } from 'vitest';
import { parseDateRange } from './date-range.js';

const iso = (ms: number): string => new Date(ms).toISOString();

describe('parseDateRange', () => {
  it('expands a year to its implicit range', () => {
    const r = parseDateRange('1980')!;
    expect([iso(r.low), iso(r.high)]).toEqual(['1980-01-01T00:00:00.000Z', '1980-12-31T23:59:59.999Z']);
  });

  it('expands a month, including February of a leap year', () => {
    const r = parseDateRange('2024-02')!;
    expect([iso(r.low), iso(r.high)]).toEqual(['2024-02-01T00:00:00.000Z', '2024-02-29T23:59:59.999Z']);
  });

  it('expands a day and a minute', () => {
    const d = parseDateRange('2024-03-01')!;
    expect([iso(d.low), iso(d.high)]).toEqual(['2024-03-01T00:00:00.000Z', '2024-03-01T23:59:59.999Z']);
    const m = parseDateRange('2024-03-01T10:30')!;
    expect([iso(m.low), iso(m.high)]).toEqual(['2024-03-01T10:30:00.000Z', '2024-03-01T10:30:59.999Z']);
  });

  it('applies the time zone offset', () => {
    const r = parseDateRange('2024-03-01T08:00:00+08:00')!;
    expect([iso(r.low), iso(r.high)]).toEqual(['2024-03-01T00:00:00.000Z', '2024-03-01T00:00:00.999Z']);
  });

  it('keeps millisecond precision for instants', () => {
    const r = parseDateRange('2024-03-01T10:00:00.123Z')!;
    expect(r.low).toBe(r.high);
    expect(iso(r.low)).toBe('2024-03-01T10:00:00.123Z');
  });

  it('treats years below 100 literally', () => {
    expect(iso(parseDateRange('0050')!.low)).toBe('0050-01-01T00:00:00.000Z');
  });

  it.each(['', '80', '1980-13', '1980-02-30', '2023-02-29', '1980-01-01T25:00', '1980-01-01T10', '1980/01/01', 'today', '2024-01-01T10:00+15:00'])(
    'rejects %j',
    (text) => {
      expect(parseDateRange(text)).toBeUndefined();
    },
  );
});
