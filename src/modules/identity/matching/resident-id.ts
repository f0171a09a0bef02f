/**
 * Resident identity numbers of the People's Republic of China, GB 11643-1999 (公民身份号码).
 * 18 characters: 6-digit address code, 8-digit birth date YYYYMMDD, 3-digit sequence (odd = male, even = female),
 * and an ISO 7064 MOD 11-2 check character (0-9 or X). First-generation cards (before 1999/2004) carried a 15-digit
 * form: address code, YYMMDD (all 19xx), sequence, no check character.
 */

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS = '10X98765432';

/** The ISO 7064 MOD 11-2 check character for the first 17 digits of an 18-digit id. */
export function residentIdCheckChar(first17: string): string {
  if (!/^\d{17}$/.test(first17)) throw new Error('residentIdCheckChar needs exactly 17 digits');
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * WEIGHTS[i];
  return CHECK_CHARS[sum % 11];
}

/** Converts a legacy 15-digit id to its 18-digit form (insert century 19, append the check character). */
export function upgradeLegacyResidentId(id15: string): string {
  if (!/^\d{15}$/.test(id15)) throw new Error('a legacy resident id has exactly 15 digits');
  const first17 = `${id15.slice(0, 6)}19${id15.slice(6)}`;
  return first17 + residentIdCheckChar(first17);
}

export interface ResidentId {
  /** The 18-character form (legacy ids upgraded), upper-case X. */
  value: string;
  /** True when the check character is right (always true for upgraded legacy ids). */
  checksumOk: boolean;
  /** True when the input was the legacy 15-digit form. */
  legacy: boolean;
  /** YYYYMMDD encoded in the number, if it is a real calendar date. */
  birthDate: string | null;
  sex: 'male' | 'female';
}

/** True when YYYYMMDD is a real calendar date between 1850 and 2100. */
export function isCalendarDate(yyyymmdd: string): boolean {
  if (!/^\d{8}$/.test(yyyymmdd)) return false;
  const y = Number(yyyymmdd.slice(0, 4));
  const m = Number(yyyymmdd.slice(4, 6));
  const d = Number(yyyymmdd.slice(6, 8));
  if (y < 1850 || y > 2100 || m < 1 || m > 12 || d < 1) return false;
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return d <= days;
}

/**
 * Parses a resident id written in any common way (spaces, hyphens, lower-case x, full-width digits).
 * Returns null when the text does not have the shape of a resident id at all; a wrong check character still
 * parses (with `checksumOk: false`) because a typo'd id is still evidence for the matcher.
 */
export function parseResidentId(raw: string): ResidentId | null {
  const text = raw
    .normalize('NFKC')
    .replace(/[\s-]/g, '')
    .toUpperCase();
  let value: string;
  let legacy = false;
  if (/^\d{15}$/.test(text)) {
    value = upgradeLegacyResidentId(text);
    legacy = true;
  } else if (/^\d{17}[\dX]$/.test(text)) {
    value = text;
  } else {
    return null;
  }
  const checksumOk = residentIdCheckChar(value.slice(0, 17)) === value[17];
  const birth = value.slice(6, 14);
  const sexDigit = value.charCodeAt(16) - 48;
  return { value, checksumOk, legacy, birthDate: isCalendarDate(birth) ? birth : null, sex: sexDigit % 2 === 1 ? 'male' : 'female' };
}
