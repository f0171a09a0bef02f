import { describe, expect, it } from 'vitest';
import type { SimReferral } from './referral-simulation-core.js';
import { percentileCont, tallySimulation } from './referral-simulation-tally.js';

const H = 3_600_000;
const t0 = new Date('2026-09-30T15:00:00Z'); // 23:00 CST on 30 September

function ref(over: Partial<SimReferral>): SimReferral {
  return { id: 'x', sender: 'chc', receiver: 'hosp', direction: 'up', requestedAt: t0, state: 'requested', ...over };
}

describe('percentileCont', () => {
  it('interpolates between ranks like SQL percentile_cont', () => {
    expect(percentileCont([], 0.5)).toBeNull();
    expect(percentileCont([7], 0.9)).toBe(7);
    expect(percentileCont([4, 1, 3, 2], 0.5)).toBe(2.5);
    // 10 values 1..10: p90 position 8.1 → 9 + 0.1 × (10 − 9)
    expect(percentileCont([10, 9, 8, 7, 6, 5, 4, 3, 2, 1], 0.9)).toBeCloseTo(9.1, 12);
  });
});

describe('tallySimulation', () => {
  const referrals = [
    ref({ id: 'a', state: 'report-returned', acceptedAt: new Date(t0.getTime() + 2 * H), appointmentAt: new Date(t0.getTime() + 50 * H), reportReturnedAt: new Date(t0.getTime() + 100 * H) }),
    ref({ id: 'b', state: 'accepted', acceptedAt: new Date(t0.getTime() + 4 * H) }),
    ref({ id: 'c', state: 'declined', declineReason: 'no-capacity' }),
    ref({ id: 'd', state: 'cancelled' }),
    ref({ id: 'e', state: 'forwarded' }),
    ref({ id: 'f', state: 'requested', sender: 'hosp', receiver: 'chc2', direction: 'down', requestedAt: new Date(t0.getTime() + 2 * H) }),
    ref({ id: 'g', state: 'declined', declineReason: 'no-capacity', sender: 'other', receiver: 'other2' }),
  ];

  it('counts, rates and times over the whole window', () => {
    const t = tallySimulation(referrals, { from: new Date(t0.getTime() - H), to: new Date(t0.getTime() + 10 * H) });
    expect(t.counts).toEqual({ total: 7, open: 2, accepted: 2, loopClosed: 1, declined: 2, cancelled: 1, expired: 0 });
    // eligible: all but cancelled and forwarded = 5
    expect(t.loopClosureRate).toBe(0.2);
    expect(t.loopClosureRateOfAccepted).toBe(0.5);
    expect(t.timesHours.toAcceptance).toMatchObject({ n: 2, median: 3 });
    expect(t.timesHours.toAcceptance.p90).toBeCloseTo(3.8, 12);
    expect(t.timesHours.toReportReturned).toEqual({ n: 1, median: 100, p90: 100 });
    expect(t.declineReasons).toEqual([{ code: 'no-capacity', n: 2 }]);
  });

  it('scopes to one institution and counts months in China Standard Time', () => {
    const t = tallySimulation(referrals, { from: new Date(t0.getTime() - H), to: new Date(t0.getTime() + 10 * H), institution: 'hosp' });
    expect(t.counts.total).toBe(6);
    // 'f' was requested at 01:00 CST on 1 October; the others at 23:00 CST on 30 September.
    expect(t.monthly).toEqual([
      { month: '2026-09', institution: 'hosp', role: 'receiver', direction: 'up', n: 5 },
      { month: '2026-10', institution: 'hosp', role: 'sender', direction: 'down', n: 1 },
    ]);
  });

  it('leaves out referrals requested outside [from, to)', () => {
    expect(tallySimulation(referrals, { from: new Date(t0.getTime() + H), to: new Date(t0.getTime() + 10 * H) }).counts.total).toBe(1);
    expect(tallySimulation(referrals, { from: new Date(t0.getTime() - H), to: t0 }).counts.total).toBe(0);
  });
});
