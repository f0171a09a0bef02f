import { describe, expect, it } from 'vitest';
import { identityCsvLines } from '../../demo-region/index.js';
import { parseCsv, rowsToRecords } from './read-records.js';
import { evaluateLabelledRecords } from './run-eval.js';

/**
 * The Chinese / international set from the demo-region generator (homophone typos, traditional characters,
 * pinyin and other romanisations, legacy ids, newborns on the mother's id, households and twins), read through
 * the generic CSV layout exactly as `xietong identity eval` reads it.
 */
describe('identity eval on the demo-region set', () => {
  const csv = [...identityCsvLines({ patients: 2000, seed: 11 })].join('\n');
  const records = rowsToRecords(parseCsv(csv), { source: 'demo' });

  it('links the region with F1 ≥ 0.99, no false merge and few review pairs', () => {
    const r = evaluateLabelledRecords(records, 'dedup');
    expect(r.records).toBeGreaterThan(2000);
    expect(r.f1).toBeGreaterThanOrEqual(0.99);
    expect(r.false_merges).toBe(0);
    expect(r.review_pairs / r.records).toBeLessThanOrEqual(0.01);
  });
});
