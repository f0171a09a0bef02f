import { describe, expect, it } from 'vitest';
import { identityCsvLines } from '../../demo-region/index.js';
import { parseCsv, rowsToRecords } from '../eval/read-records.js';
import { DEFAULT_LINK_OPTIONS, linkRecords } from './link-records.js';

describe('linkRecords edge cases', () => {
  it('handles no records and a single record', () => {
    expect(Array.from(linkRecords([]).clusterOf)).toEqual([]);
    const one = linkRecords([{ id: 'a', name: '张三', birthDate: '1990-01-01' }]);
    expect(Array.from(one.clusterOf)).toEqual([0]);
    expect(one.pairs.count).toBe(0);
    expect(Number.isFinite(one.model.priorLogOdds)).toBe(true);
  });

  it('handles records with no usable field at all', () => {
    const r = linkRecords([{ id: 'a' }, { id: 'b', name: ' ' }, { id: 'c', birthDate: 'unknown' }]);
    expect(Array.from(r.clusterOf)).toEqual([0, 1, 2]);
    expect(r.model.comparators).toEqual([]);
  });

  it('never puts two records of one source in one cluster in linkage mode', () => {
    const people = Array.from({ length: 30 }, (_, i) => ({ name: `王${'伟芳娜敏静丽强磊军洋'[i % 10]}${'一二三'[i % 3]}`, birthDate: `19${50 + i}-0${(i % 9) + 1}-1${i % 10}` }));
    const inputs = [
      ...people.map((p, i) => ({ id: `a${i}`, source: 'A', ...p })),
      ...people.map((p, i) => ({ id: `b${i}`, source: 'B', ...p })),
      // A duplicate inside source B of person 0: it may not join person 0's cluster as a second B record.
      { id: 'b-dup', source: 'B', ...people[0] },
    ];
    // 61 records are too few for confident estimates, so links are accepted from 0.5 here.
    const r = linkRecords(inputs, { mode: 'link', thresholds: { link: 0.5, review: 0.1, cannotLink: 1e-4 }, maxBlockSize: 100, seed: 1, uEstimate: 'population', pairsPerRecord: 20 });
    expect(r.refusedLinks).toBeGreaterThanOrEqual(1);
    const sourcesPerCluster = new Map<number, string[]>();
    r.records.forEach((rec, i) => sourcesPerCluster.set(r.clusterOf[i], [...(sourcesPerCluster.get(r.clusterOf[i]) ?? []), rec.source]));
    for (const sources of sourcesPerCluster.values()) expect(new Set(sources).size).toBe(sources.length);
    // Person 0 of A is linked to one of its two identical B records (which one is a tie).
    expect([r.clusterOf[30], r.clusterOf[60]]).toContain(r.clusterOf[0]);
  });

  it('gives the same result when a helper thread is started for the comparisons', () => {
    const inputs = rowsToRecords(parseCsv([...identityCsvLines({ patients: 1200, seed: 21 })].join('\n')), { source: 'demo' }).map((r) => r.input);
    const alone = linkRecords(inputs);
    const helped = linkRecords(inputs, { ...DEFAULT_LINK_OPTIONS, parallelMinRecords: 1 });
    expect(Array.from(helped.clusterOf)).toEqual(Array.from(alone.clusterOf));
    expect(Array.from(helped.pairs.logOdds)).toEqual(Array.from(alone.pairs.logOdds));
  }, 60_000);
});
