/**
 * Chinese resident identity numbers (公民身份号码), GB 11643-1999:
 * 6-digit administrative area code (GB/T 2260) + 8-digit birth date (YYYYMMDD)
 * + 3-digit sequence (odd for men, even for women) + 1 check character computed
 * with ISO 7064 MOD 11-2 ('X' stands for 10).
 */

/** First two digits of valid GB/T 2260 province-level codes. */
const PROVINCE_CODES = new Set([
  '11', '12', '13', '14', '15', '21', '22', '23', '31', '32', '33', '34', '35', '36', '37',
  '41', '42', '43', '44', '45', '46', '50', '51', '52', '53', '54', '61', '62', '63', '64', '65', '71', '81', '82',
]);

/** Weights 2^(17-i) mod 11 for positions i = 0..16 (ISO 7064 MOD 11-2). */
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS = '10X98765432';

export type Sex = 'male' | 'female';

export type ResidentIdCheck =
  | { valid: true; areaCode: string; birthDate: string; sex: Sex }
  | { valid: false; reason: 'format' | 'area-code' | 'birth-date' | 'check-digit' };

/** The ISO 7064 MOD 11-2 check character of the first 17 digits. */
export function residentIdCheckChar(first17: string): string {
  if (!/^\d{17}$/.test(first17)) throw new RangeError(`expected 17 digits, got "${first17}"`);
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i];
  return CHECK_CHARS[sum % 11];
}

/** True when `yyyymmdd` is a real calendar date between 1850-01-01 and `today` (YYYY-MM-DD). */
function isRealDate(yyyymmdd: string, today: string): boolean {
  const y = Number(yyyymmdd.slice(0, 4));
  const m = Number(yyyymmdd.slice(4, 6));
  const d = Number(yyyymmdd.slice(6, 8));
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return false;
  const iso = `${yyyymmdd.slice(0, 4)}-${yyyymmdd.slice(4, 6)}-${yyyymmdd.slice(6, 8)}`;
  return y >= 1850 && iso <= today;
}

/**
 * Validates an 18-character resident id number (the legacy 15-digit form is
 * not accepted here). `today` bounds the birth date (default: the current UTC date).
 * A lower-case 'x' is accepted as the check character, as data entry often has it.
 */
export function validateResidentId(id: string, today = new Date().toISOString().slice(0, 10)): ResidentIdCheck {
  if (typeof id !== 'string' || !/^\d{17}[\dXx]$/.test(id)) return { valid: false, reason: 'format' };
  if (!PROVINCE_CODES.has(id.slice(0, 2))) return { valid: false, reason: 'area-code' };
  const birth = id.slice(6, 14);
  if (!isRealDate(birth, today)) return { valid: false, reason: 'birth-date' };
  if (residentIdCheckChar(id.slice(0, 17)) !== id[17].toUpperCase()) return { valid: false, reason: 'check-digit' };
  return {
    valid: true,
    areaCode: id.slice(0, 6),
    birthDate: `${birth.slice(0, 4)}-${birth.slice(4, 6)}-${birth.slice(6, 8)}`,
    sex: Number(id[16]) % 2 === 1 ? 'male' : 'female',
  };
}

export interface ResidentIdParts {
  /** 6-digit GB/T 2260 area code of the place of household registration. */
  areaCode: string;
  /** YYYY-MM-DD. */
  birthDate: string;
  sex: Sex;
  /**
   * Order among people of the same sex registered in that area on that day,
   * 0..499: the 3-digit sequence becomes 2·order+1 for men, 2·order for women,
   * so the parity always encodes the sex.
   */
  order: number;
}

/** Builds a valid 18-character resident id number; throws RangeError on impossible parts. */
export function buildResidentId(parts: ResidentIdParts): string {
  const { areaCode, birthDate, sex, order } = parts;
  if (!/^\d{6}$/.test(areaCode) || !PROVINCE_CODES.has(areaCode.slice(0, 2))) throw new RangeError(`bad area code "${areaCode}"`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(birthDate) || !isRealDate(birthDate.replaceAll('-', ''), '9999-12-31')) {
    throw new RangeError(`bad birth date "${birthDate}"`);
  }
  if (!Number.isInteger(order) || order < 0 || order > 499) throw new RangeError(`order must be 0..499, got ${order}`);
  const sequence = String(order * 2 + (sex === 'male' ? 1 : 0)).padStart(3, '0');
  const first17 = `${areaCode}${birthDate.replaceAll('-', '')}${sequence}`;
  return first17 + residentIdCheckChar(first17);
}
