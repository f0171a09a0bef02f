import { describe, expect, it } from 'vitest';
import { identityCsvLines } from '../../demo-region/index.js';
import { parseCsv, rowsToRecords } from '../eval/read-records.js';
import { buildCandidatePairs } from './blocking.js';
import { compareAllPairs, startCompareHelper } from './compare-pairs.js';
import { selectComparators, type FieldComparator } from './comparisons.js';
import { normalizePerson } from './normalize.js';

const rows = rowsToRecords(parseCsv([...identityCsvLines({ patients: 4000, seed: 13 })].join('\n')), { source: 'demo' });
const inputs = rows.map((r) => r.input);
const records = inputs.map((r, i) => normalizePerson(r, i));
const comparators = selectComparators(records);
const pairs = buildCandidatePairs(records, { maxBlockSize: 100, crossSourceOnly: false });

/** The plain loop, pair by pair. */
function serialLevels(): Uint8Array {
  const F = comparators.length;
  const out = new Uint8Array(pairs.count * F);
  for (let p = 0; p < pairs.count; p++) for (let f = 0; f < F; f++) out[p * F + f] = comparators[f].compare(records[pairs.left[p]], records[pairs.right[p]]);
  return out;
}

describe('comparing candidate pairs', () => {
  const serial = serialLevels();
  const same = (levels: Uint8Array): boolean => Buffer.from(levels).equals(Buffer.from(serial));

  it('gives the serial levels when a helper thread shares the work', () => {
    const stats = { chunks: 0, byHelper: 0 };
    // This thread's comparators are slowed down (same names, same answers), so that the helper, which takes
    // a second to start and normalises the inputs itself, still finds work; small chunks make the threads
    // interleave.
    const slow: FieldComparator[] = comparators.map((c) => ({
      ...c,
      compare: (a, b) => {
        const until = performance.now() + 0.02;
        while (performance.now() < until);
        return c.compare(a, b);
      },
    }));
    const levels = compareAllPairs(records, slow, pairs, { helper: startCompareHelper(inputs), chunkPairs: 64, stats });
    expect(stats.chunks).toBeGreaterThan(100);
    expect(stats.byHelper).toBeGreaterThan(0);
    expect(same(levels)).toBe(true);
  }, 60_000);

  it('compares everything itself when the helper fails', () => {
    // The helper knows comparators by name only; one it cannot resolve makes it fail.
    const renamed: FieldComparator[] = comparators.map((c, i) => (i === 0 ? { ...c, name: 'no-such-comparator' } : c));
    const stats = { chunks: 0, byHelper: 0 };
    const levels = compareAllPairs(records, renamed, pairs, { helper: startCompareHelper(inputs), chunkPairs: 64, stats });
    expect(stats.byHelper).toBe(0);
    expect(same(levels)).toBe(true);
  }, 60_000);

  it('stays on the calling thread without a helper', () => {
    const stats = { chunks: 0, byHelper: 0 };
    expect(same(compareAllPairs(records, comparators, pairs, { stats }))).toBe(true);
    expect(stats.byHelper).toBe(0);
  });
});
