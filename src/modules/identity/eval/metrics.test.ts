import { describe, expect, it } from 'vitest';
import { evaluateClusters } from './metrics.js';

describe('evaluation measures', () => {
  const entityOf = ['a', 'a', 'a', 'b', 'c'];
  const sourceOf = ['s', 's', 's', 's', 's'];

  it('scores a perfect clustering as 1 everywhere', () => {
    const m = evaluateClusters({ entityOf, sourceOf, clusterOf: [0, 0, 0, 3, 4], crossSourceOnly: false, candidates: [] });
    expect(m).toMatchObject({ precision: 1, recall: 1, f1: 1, cluster_f1: 1, false_merges: 0, true_pairs: 3 });
  });

  it('counts pairs, false merges and exact clusters', () => {
    // Cluster {0,1} is right but incomplete; {2,3} mixes two people; 4 alone is right.
    const m = evaluateClusters({ entityOf, sourceOf, clusterOf: [0, 0, 2, 2, 4], crossSourceOnly: false, candidates: [] });
    expect(m.predicted_pairs).toBe(2);
    expect(m.precision).toBe(0.5);
    expect(m.recall).toBeCloseTo(1 / 3, 10);
    expect(m.false_merges).toBe(1);
    expect(m.false_links).toBe(1);
    // Exact clusters: only {4}; 1 of 3 predicted, 1 of 3 true.
    expect(m.cluster_f1).toBeCloseTo(1 / 3, 10);
  });

  it('counts only cross-source pairs in linkage mode', () => {
    const m = evaluateClusters({
      entityOf: ['a', 'a', 'a'],
      sourceOf: ['x', 'y', 'y'],
      clusterOf: [0, 0, 0],
      crossSourceOnly: true,
      candidates: [],
    });
    expect(m.true_pairs).toBe(2);
    expect(m.predicted_pairs).toBe(2);
  });

  it('reports auto-link precision, open review pairs and pair completeness', () => {
    const m = evaluateClusters({
      entityOf,
      sourceOf,
      clusterOf: [0, 0, 2, 3, 4],
      crossSourceOnly: false,
      candidates: [
        { left: 0, right: 1, outcome: 'link' },
        { left: 1, right: 3, outcome: 'link' },
        { left: 1, right: 2, outcome: 'review' },
        { left: 3, right: 4, outcome: 'apart' },
      ],
    });
    expect(m.auto_link_precision).toBe(0.5);
    expect(m.review_pairs).toBe(1);
    expect(m.pair_completeness).toBeCloseTo(2 / 3, 10);
  });
});
