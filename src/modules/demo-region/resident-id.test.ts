import { describe, expect, it } from 'vitest';
import { buildResidentId, residentIdCheckChar, validateResidentId } from './resident-id.js';

describe('residentIdCheckChar (ISO 7064 MOD 11-2)', () => {
  it('computes the check characters of published examples', () => {
    // GB 11643-1999 appendix example and a commonly cited one ending in X.
    expect(residentIdCheckChar('11010519491231002')).toBe('X');
    expect(residentIdCheckChar('44052418800101001')).toBe('4');
  });

  it('rejects input that is not 17 digits', () => {
    expect(() => residentIdCheckChar('1101051949123100')).toThrow(RangeError);
    expect(() => residentIdCheckChar('1101051949123100A')).toThrow(RangeError);
  });
});

describe('validateResidentId', () => {
  it('accepts a valid number and decodes area, birth date and sex', () => {
    expect(validateResidentId('11010519491231002X', '2026-01-01')).toEqual({ valid: true, areaCode: '110105', birthDate: '1949-12-31', sex: 'female' });
    expect(validateResidentId('440524188001010014', '2026-01-01')).toMatchObject({ valid: true, sex: 'male', birthDate: '1880-01-01' });
  });

  it('accepts a lower-case x check character', () => {
    expect(validateResidentId('11010519491231002x', '2026-01-01').valid).toBe(true);
  });

  it.each([
    ['', 'format'],
    ['11010519491231002', 'format'],
    ['11010519491231002XX', 'format'],
    ['1101051949123100X2', 'format'],
    ['A1010519491231002X', 'format'],
    ['99010519491231002X', 'area-code'],
    ['00010519491231002X', 'area-code'],
    ['110105194902300021', 'birth-date'],
    ['110105194913010021', 'birth-date'],
    ['110105184912310021', 'birth-date'],
    ['110105194912310021', 'check-digit'],
    ['110105194912310020', 'check-digit'],
  ])('rejects %j (%s)', (id, reason) => {
    expect(validateResidentId(id, '2026-01-01')).toEqual({ valid: false, reason });
  });

  it('rejects a birth date after today', () => {
    const id = buildResidentId({ areaCode: '339002', birthDate: '2026-05-01', sex: 'male', order: 3 });
    expect(validateResidentId(id, '2026-04-30')).toEqual({ valid: false, reason: 'birth-date' });
    expect(validateResidentId(id, '2026-05-01').valid).toBe(true);
  });

  it('rejects a number whose single digit was mistyped', () => {
    const id = buildResidentId({ areaCode: '339003', birthDate: '1975-03-09', sex: 'female', order: 17 });
    for (let i = 0; i < 17; i++) {
      const wrong = id.slice(0, i) + String((Number(id[i]) + 1) % 10) + id.slice(i + 1);
      expect(validateResidentId(wrong, '2026-01-01').valid).toBe(false);
    }
  });
});

describe('buildResidentId', () => {
  it('encodes the sex in the parity of the sequence and passes validation', () => {
    for (let order = 0; order < 500; order += 37) {
      for (const sex of ['male', 'female'] as const) {
        const id = buildResidentId({ areaCode: '339004', birthDate: '2001-02-28', sex, order });
        expect(id).toMatch(/^33900420010228\d{3}[\dX]$/);
        expect(validateResidentId(id, '2026-01-01')).toEqual({ valid: true, areaCode: '339004', birthDate: '2001-02-28', sex });
      }
    }
  });

  it.each([
    [{ areaCode: '33900', birthDate: '2001-02-28', sex: 'male' as const, order: 1 }],
    [{ areaCode: '999999', birthDate: '2001-02-28', sex: 'male' as const, order: 1 }],
    [{ areaCode: '339004', birthDate: '2001-02-29', sex: 'male' as const, order: 1 }],
    [{ areaCode: '339004', birthDate: '20010228', sex: 'male' as const, order: 1 }],
    [{ areaCode: '339004', birthDate: '2001-02-28', sex: 'male' as const, order: 500 }],
    [{ areaCode: '339004', birthDate: '2001-02-28', sex: 'female' as const, order: -1 }],
    [{ areaCode: '339004', birthDate: '2001-02-28', sex: 'female' as const, order: 1.5 }],
  ])('throws RangeError on impossible parts %j', (parts) => {
    expect(() => buildResidentId(parts)).toThrow(RangeError);
  });
});
