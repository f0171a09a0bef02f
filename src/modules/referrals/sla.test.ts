import { describe, expect, it } from 'vitest';
import { parseReferralSla } from '../../platform/config/config.js';
import { addWorkingDays, computeReminderAt, computeResponseDue } from './sla.js';

const sla = parseReferralSla('');

describe('referral SLAs', () => {
  it('gives urgent referrals 2 hours by default', () => {
    const at = new Date('2026-11-24T03:00:00Z');
    expect(computeResponseDue(at, 'urgent', sla).toISOString()).toBe('2026-11-24T05:00:00.000Z');
  });

  it('counts routine referrals in working days, skipping the weekend in China Standard Time', () => {
    // Thursday 10:00 CST → Monday 10:00 CST (Friday is day 1, the weekend is skipped).
    expect(computeResponseDue(new Date('2026-11-26T02:00:00Z'), 'routine', sla).toISOString()).toBe('2026-11-30T02:00:00.000Z');
    // Tuesday → Thursday.
    expect(addWorkingDays(new Date('2026-11-24T02:00:00Z'), 2).toISOString()).toBe('2026-11-26T02:00:00.000Z');
    // Friday 23:30 CST is Friday 15:30 UTC: the CST calendar decides, so Monday then Tuesday.
    expect(addWorkingDays(new Date('2026-11-27T15:30:00Z'), 2).toISOString()).toBe('2026-12-01T15:30:00.000Z');
  });

  it('reminds at three quarters of the window', () => {
    const at = new Date('2026-11-24T00:00:00Z');
    expect(computeReminderAt(at, new Date('2026-11-24T04:00:00Z')).toISOString()).toBe('2026-11-24T03:00:00.000Z');
  });

  it('reads overrides and rejects malformed settings', () => {
    expect(parseReferralSla('urgent=4h, routine=3wd').urgent).toEqual({ amount: 4, unit: 'h' });
    expect(parseReferralSla('routine=3wd').routine).toEqual({ amount: 3, unit: 'wd' });
    expect(() => parseReferralSla('urgent=2')).toThrow(/XIETONG_REFERRAL_SLA/);
    expect(() => parseReferralSla('soon=2h')).toThrow(/XIETONG_REFERRAL_SLA/);
    expect(() => parseReferralSla('urgent=0h')).toThrow(/XIETONG_REFERRAL_SLA/);
  });
});
