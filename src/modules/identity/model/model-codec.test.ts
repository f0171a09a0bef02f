import { describe, expect, it } from 'vitest';
import { identityCsvLines } from '../../demo-region/index.js';
import { linkRecords } from '../matching/link-records.js';
import { scorePair } from '../matching/match-model.js';
import { DEFAULT_MODEL, DEFAULT_MODEL_TERMS } from './default-model.data.js';
import { decodeModel, encodeModel, probeTermValues } from './model-codec.js';

describe('stored identity models', () => {
  const inputs = [...identityCsvLines({ patients: 300, seed: 9 })].slice(1).map((line, i) => {
    const [, , source, name, sex, birthDate, idNumber, , phone, address] = line.split(',');
    return { id: String(i), source, name, sex, birthDate, idNumber, phone, address };
  });
  const result = linkRecords(inputs);

  it('score every pair exactly as the trained model does once decoded with the probe\'s term shares', () => {
    const { stored, terms } = encodeModel(result.model);
    const roundTripped = JSON.parse(JSON.stringify(stored));
    for (const p of [...result.pairs].slice(0, 200)) {
      const a = result.records[p.left];
      const b = result.records[p.right];
      const wanted = new Set(probeTermValues(roundTripped, a).map((w) => `${w.field}|${w.value}`));
      const decoded = decodeModel(roundTripped, terms.filter((t) => wanted.has(`${t.field}|${t.value}`)));
      expect(scorePair(decoded, a, b).logOdds).toBeCloseTo(scorePair(result.model, a, b).logOdds, 9);
    }
  });

  it('ship a default model whose comparators, weights and thresholds are complete', () => {
    const model = decodeModel(DEFAULT_MODEL, DEFAULT_MODEL_TERMS.map(([field, value, share]) => ({ field, value, share })));
    expect(model.comparators.map((c) => c.name)).toEqual(DEFAULT_MODEL.comparators);
    model.comparators.forEach((c, f) => expect(model.weights[f]).toHaveLength(c.levels.length + 1));
    expect(DEFAULT_MODEL.thresholds).toEqual({ link: 0.99, review: 0.1, cannotLink: 1e-4 });
  });

  it('refuse a stored model naming a comparator the code does not know', () => {
    expect(() => decodeModel({ ...DEFAULT_MODEL, comparators: ['shoeSize'] })).toThrow(/shoeSize/);
  });
});
