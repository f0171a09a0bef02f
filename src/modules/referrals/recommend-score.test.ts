import { describe, expect, it } from 'vitest';
import { distanceKm, rankCandidates, scoreCandidate, type CandidateFacts } from './recommend-score.js';

const now = new Date('2026-11-24T00:00:00Z');
const base: CandidateFacts = {
  id: 'a', name: 'A', kind: 'tertiary-hospital', specialtyMatch: 'exact', freeSlots: 20, earliestSlot: new Date(now.getTime() + 24 * 3_600_000),
  beds: null, distanceKm: 10, agreement: false, previousCare: null,
};

describe('recommendation scores', () => {
  it('explains every component and weights them into the total', () => {
    const rec = scoreCandidate(base, 'routine', now);
    const byName = Object.fromEntries(rec.components.map((c) => [c.name, c]));
    expect(byName.specialty.score).toBe(1);
    expect(byName.capacity).toMatchObject({ score: 1, explanation: '20 free slot(s) in the next 14 days' });
    expect(byName.wait.score).toBeCloseTo(Math.exp(-24 / 168), 3);
    expect(byName.distance).toMatchObject({ score: 0.5, explanation: '10.0 km away (1 / (1 + km/10))' });
    expect(byName.agreement.score).toBe(0);
    expect(byName.previousCare).toMatchObject({ weight: 0 });
    const expected = (0.3 * 1 + 0.2 * 1 + 0.2 * Math.exp(-24 / 168) + 0.1 * 0.5 + 0.1 * 0) / 0.9;
    expect(rec.score).toBeCloseTo(expected, 3);
  });

  it('judges the same wait more harshly for urgent needs', () => {
    const routine = scoreCandidate(base, 'routine', now).components.find((c) => c.name === 'wait')!.score;
    const urgent = scoreCandidate(base, 'urgent', now).components.find((c) => c.name === 'wait')!.score;
    expect(urgent).toBeLessThan(routine);
  });

  it('is neutral where nothing is known, and zero where capacity is known to be gone', () => {
    const unknown = scoreCandidate({ ...base, freeSlots: null, earliestSlot: null, distanceKm: null }, 'routine', now);
    expect(unknown.components.find((c) => c.name === 'capacity')!.score).toBe(0.5);
    expect(unknown.components.find((c) => c.name === 'wait')!.score).toBe(0.3);
    const full = scoreCandidate({ ...base, freeSlots: 0, earliestSlot: null, beds: { free: 0, total: 30 } }, 'routine', now);
    expect(full.components.find((c) => c.name === 'capacity')!.score).toBe(0);
    expect(full.components.find((c) => c.name === 'wait')!.score).toBe(0);
  });

  it('ranks previous care, agreements and specialty match', () => {
    const ranked = rankCandidates([
      { ...base, id: 'general', specialtyMatch: 'general', previousCare: { encounters: 0, referrals: 0 } },
      { ...base, id: 'plain', previousCare: { encounters: 0, referrals: 0 } },
      { ...base, id: 'known', previousCare: { encounters: 3, referrals: 0 } },
      { ...base, id: 'agreed', agreement: true, previousCare: { encounters: 0, referrals: 1 } },
    ], 'routine', now);
    expect(ranked.map((r) => r.institution.id)).toEqual(['agreed', 'known', 'plain', 'general']);
  });

  it('measures great-circle distance', () => {
    // One degree of latitude is about 111.2 km.
    expect(distanceKm({ latitude: 30, longitude: 120 }, { latitude: 31, longitude: 120 })).toBeCloseTo(111.2, 0);
    expect(distanceKm({ latitude: 30, longitude: 120 }, { latitude: 30, longitude: 120 })).toBe(0);
  });
});
