import { describe, expect, it } from 'vitest';
import { clusterWithoutChaining } from './clustering.js';

const cannot = Math.log(1e-4 / (1 - 1e-4));

function scores(table: Record<string, number>) {
  return (i: number, j: number) => table[`${Math.min(i, j)}-${Math.max(i, j)}`] ?? -50;
}

describe('clustering without chaining', () => {
  it('does not merge A and C through B when A and C clearly differ', () => {
    // 0 = mother, 1 = record linked to both, 2 = newborn on the mother's id.
    const pair = scores({ '0-1': 12, '1-2': 8, '0-2': -20 });
    const result = clusterWithoutChaining(3, [{ left: 0, right: 1, logOdds: 12 }, { left: 1, right: 2, logOdds: 8 }], pair, cannot);
    expect(result.clusterOf[0]).toBe(result.clusterOf[1]);
    expect(result.clusterOf[2]).not.toBe(result.clusterOf[0]);
    expect(result.refusedLinks).toBe(1);
  });

  it('does merge through B when A and C merely lack evidence (a weak, not a strong, negative)', () => {
    const pair = scores({ '0-1': 12, '1-2': 8, '0-2': -3 });
    const result = clusterWithoutChaining(3, [{ left: 0, right: 1, logOdds: 12 }, { left: 1, right: 2, logOdds: 8 }], pair, cannot);
    expect(new Set(result.clusterOf).size).toBe(1);
  });

  it('applies the strongest links first, so the better partner wins', () => {
    // 1 links to 0 strongly and to 2 weakly; 0 and 2 cannot be together.
    const pair = scores({ '0-1': 5, '1-2': 20, '0-2': -30 });
    const result = clusterWithoutChaining(3, [{ left: 0, right: 1, logOdds: 5 }, { left: 1, right: 2, logOdds: 20 }], pair, cannot);
    expect(result.clusterOf[1]).toBe(result.clusterOf[2]);
    expect(result.clusterOf[0]).not.toBe(result.clusterOf[1]);
  });

  it('labels each cluster by its smallest record index and leaves singletons alone', () => {
    const result = clusterWithoutChaining(4, [{ left: 3, right: 1, logOdds: 9 }], scores({ '1-3': 9 }), cannot);
    expect(Array.from(result.clusterOf)).toEqual([0, 1, 2, 1]);
  });
});
