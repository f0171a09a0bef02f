import { describe, expect, it } from 'vitest';
import { estimateByEm, startingParameters, toPatternTable } from './em.js';

/** Draws comparison vectors from a known two-class model (deterministic PRNG) and checks EM recovers it. */
function simulate(seed: number) {
  let s = seed;
  const rnd = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  // Three fields with three levels each (plus level 0 = missing).
  const m = [[1, 0.9, 0.07, 0.03], [1, 0.85, 0.1, 0.05], [1, 0.95, 0.03, 0.02]];
  const u = [[1, 0.02, 0.08, 0.9], [1, 0.05, 0.15, 0.8], [1, 0.01, 0.04, 0.95]];
  const lambda = 0.1;
  const pairs = 40_000;
  const levels = new Uint8Array(pairs * 3);
  const draw = (row: number[]) => {
    const x = rnd();
    let acc = 0;
    for (let l = 1; l < row.length; l++) {
      acc += row[l];
      if (x < acc) return l;
    }
    return row.length - 1;
  };
  for (let p = 0; p < pairs; p++) {
    const isMatch = rnd() < lambda;
    for (let f = 0; f < 3; f++) levels[p * 3 + f] = rnd() < 0.05 ? 0 : draw(isMatch ? m[f] : u[f]);
  }
  return { m, u, lambda, table: toPatternTable(levels, 3) };
}

describe('EM for Fellegi–Sunter', () => {
  it('recovers m, u and the match share from unlabelled vectors', () => {
    const truth = simulate(42);
    const flat = toPatternTable(new Uint8Array([3, 3, 3, 1, 1, 1, 2, 3, 3]), 3);
    const start = startingParameters([4, 4, 4], flat);
    const fit = estimateByEm(truth.table, [4, 4, 4], start);
    expect(fit.converged).toBe(true);
    expect(fit.lambda).toBeGreaterThan(0.09);
    expect(fit.lambda).toBeLessThan(0.11);
    for (let f = 0; f < 3; f++) {
      expect(fit.m[f][1]).toBeCloseTo(truth.m[f][1], 1);
      expect(fit.u[f][3]).toBeCloseTo(truth.u[f][3], 1);
    }
  });

  it('compresses identical vectors into one pattern with a count', () => {
    const t = toPatternTable(new Uint8Array([1, 2, 1, 2, 3, 0]), 2);
    expect(Array.from(t.counts)).toEqual([2, 1]);
    expect(Array.from(t.levels)).toEqual([1, 2, 3, 0]);
  });
});
