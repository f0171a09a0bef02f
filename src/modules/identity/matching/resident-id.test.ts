import { describe, expect, it } from 'vitest';
import { isCalendarDate, parseResidentId, residentIdCheckChar, upgradeLegacyResidentId } from './resident-id.js';

// 11010519491231002X is the worked example of GB 11643-1999 (Beijing Chaoyang, born 1949-12-31, female).
describe('GB 11643 resident ids', () => {
  it('computes the MOD 11-2 check character, including X', () => {
    expect(residentIdCheckChar('11010519491231002')).toBe('X');
    expect(residentIdCheckChar('44052418800101001')).toBe('4');
  });

  it('upgrades a legacy 15-digit id to the 18-digit form', () => {
    expect(upgradeLegacyResidentId('110105491231002')).toBe('11010519491231002X');
  });

  it('parses the birth date and sex encoded in the id', () => {
    const id = parseResidentId('11010519491231002x');
    expect(id).toEqual({ value: '11010519491231002X', checksumOk: true, legacy: false, birthDate: '19491231', sex: 'female' });
    expect(parseResidentId('440524188001010014')?.sex).toBe('male');
  });

  it('accepts spaces, hyphens and full-width digits, and marks legacy ids', () => {
    const id = parseResidentId('１１０１０５ 491231-002');
    expect(id?.value).toBe('11010519491231002X');
    expect(id?.legacy).toBe(true);
    expect(id?.checksumOk).toBe(true);
  });

  it('flags a typo through the check character but still parses it', () => {
    const id = parseResidentId('110105194912310021');
    expect(id?.checksumOk).toBe(false);
    expect(id?.birthDate).toBe('19491231');
  });

  it('returns null for text that is not shaped like a resident id', () => {
    expect(parseResidentId('E12345678')).toBeNull();
    expect(parseResidentId('1101051949123100')).toBeNull();
    expect(parseResidentId('')).toBeNull();
  });

  it('gives no birth date when the encoded date is impossible', () => {
    expect(parseResidentId('110105194913310020')?.birthDate).toBeNull();
  });

  it('knows real calendar dates', () => {
    expect(isCalendarDate('20000229')).toBe(true);
    expect(isCalendarDate('19000229')).toBe(false);
    expect(isCalendarDate('19991301')).toBe(false);
  });

  it('rejects bad input to the check-character helpers', () => {
    expect(() => residentIdCheckChar('123')).toThrow();
    expect(() => upgradeLegacyResidentId('12345678901234X')).toThrow();
  });
});
