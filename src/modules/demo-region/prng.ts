/**
 * A small seeded pseudo-random generator (mulberry32) with the draws the
 * generator needs. Hand-written rather than a library: it is twenty lines, and
 * the demo region must be byte-identical for a given seed on every machine, so
 * the algorithm must never change under us with a dependency upgrade.
 * Everything here uses only 32-bit integer arithmetic plus Math.log/Math.cos
 * (V8 implements them with fdlibm, identical on every platform).
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max] (both inclusive). */
  int(min: number, max: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** Normal draw (Box–Muller). */
  normal(mean: number, sd: number): number;
}

/** Mixes a string into a 32-bit hash (FNV-1a followed by a murmur3 finaliser). */
function hash32(text: string, start: number): number {
  let h = (start ^ 0x811c9dc5) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Creates an independent stream for `seed` and a label (e.g. `household:42`),
 * so that each household draws from its own stream: generating household 42
 * never depends on how many numbers household 41 consumed.
 */
export function createRng(seed: number, label = ''): Rng {
  let state = hash32(label, hash32(String(seed), 0x9e3779b9));
  const next = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick: (items) => items[Math.floor(next() * items.length)],
    normal(mean, sd) {
      const u = 1 - next();
      const v = next();
      return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
  };
}

/** A picker over weighted items; `weights` need not sum to 1. */
export function weightedPicker<T>(items: readonly T[], weights: readonly number[]): (rng: Rng) => T {
  if (items.length === 0 || items.length !== weights.length) throw new RangeError('weightedPicker: items and weights must be non-empty and of equal length');
  const cumulative: number[] = [];
  let total = 0;
  for (const w of weights) cumulative.push((total += w));
  return (rng) => {
    const x = rng.next() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] > x) hi = mid;
      else lo = mid + 1;
    }
    return items[lo];
  };
}
