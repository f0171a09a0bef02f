import { describe, expect, it } from 'vitest';
import { identityCsvLines } from '../../demo-region/index.js';
import { parseCsv, rowsToRecords } from '../eval/read-records.js';
import { linkRecords } from './link-records.js';
import { MatchIndex } from './match-index.js';
import { DEFAULT_THRESHOLDS } from './match-model.js';

describe('online matching against an index', () => {
  const rows = rowsToRecords(parseCsv([...identityCsvLines({ patients: 800, seed: 5 })].join('\n')), { source: 'demo' });
  const inputs = rows.map((r) => r.input);
  const batch = linkRecords(inputs);

  it('links a new record to its true partner using the model the batch run estimated', () => {
    // Index every record but one person's last record, then look that record up.
    const byEntity = new Map<string, number[]>();
    rows.forEach((r, i) => byEntity.set(r.entity, [...(byEntity.get(r.entity) ?? []), i]));
    const probes = [...byEntity.values()].filter((g) => g.length >= 2).slice(0, 25).map((g) => g[g.length - 1]);
    const index = new MatchIndex(batch.model);
    inputs.forEach((input, i) => {
      if (!probes.includes(i)) index.add(input);
    });
    let found = 0;
    for (const p of probes) {
      const matches = index.findMatches(inputs[p], DEFAULT_THRESHOLDS);
      if (matches.length > 0 && matches[0].outcome === 'link') {
        expect(rows.find((r) => r.input.id === matches[0].record.id)!.entity).toBe(rows[p].entity);
        found++;
      }
    }
    expect(found).toBeGreaterThanOrEqual(probes.length - 1);
  });

  it('returns nothing for a person the index has never seen', () => {
    const index = new MatchIndex(batch.model);
    inputs.slice(0, 200).forEach((input) => index.add(input));
    const stranger = { id: 'x', name: '欧阳震华', sex: 'M', birthDate: '1961-01-01', phone: '13000000001', address: '香港特别行政区九龙' };
    expect(index.findMatches(stranger, DEFAULT_THRESHOLDS)).toEqual([]);
    expect(index.size).toBe(200);
  });
});
