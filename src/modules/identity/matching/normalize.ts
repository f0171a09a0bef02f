import { canonicalSurnameRomanisation, givenPinyin, hasHan, isCommonSurnamePinyin, simplifyHan, simplifyHanText, splitHanName, surnamePinyin } from './chinese-name.js';
import { compareBirthDates } from './comparisons.js';
import { foldLatin, latinTokens } from './latin-text.js';
import type { PersonInput, PersonRecord } from './person-record.js';
import { parseResidentId } from './resident-id.js';

/** Dates that registration systems put in when the real one is unknown; they carry no evidence. */
const PLACEHOLDER_DATES = new Set(['19000101', '18991231', '19010101', '00000000', '99999999', '00010101', '19990909']);

function blankToNull(value: string | undefined): string | null {
  if (value === undefined) return null;
  const t = value.normalize('NFKC').trim();
  return t === '' ? null : t;
}

/**
 * Normalises a birth date to YYYYMMDD. Accepts compact, ISO, slashed and Chinese (年月日) forms; a compact
 * 8-digit value is kept even when it is not a valid date, because corrupted dates still agree in most digits.
 */
export function normalizeBirthDate(raw: string | undefined): string | null {
  const text = blankToNull(raw);
  if (!text) return null;
  let out: string | null = null;
  if (/^\d{8}$/.test(text)) out = text;
  else {
    const m = /^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[T ].*)?$/.exec(text);
    if (m) out = `${m[1]}${m[2].padStart(2, '0')}${m[3].padStart(2, '0')}`;
  }
  if (!out || PLACEHOLDER_DATES.has(out)) return null;
  return out;
}

/** M / F from the usual spellings (FHIR gender codes, Chinese, HL7 v2 / GB/T 2261 codes 1 and 2). */
export function normalizeSex(raw: string | undefined): 'M' | 'F' | null {
  const t = blankToNull(raw)?.toLowerCase();
  if (!t) return null;
  if (['m', 'male', '男', '1', 'man'].includes(t)) return 'M';
  if (['f', 'female', '女', '2', 'woman'].includes(t)) return 'F';
  return null;
}

/** Digits of a phone number without the China country code. */
export function normalizePhone(raw: string | undefined): string | null {
  const text = blankToNull(raw);
  if (!text) return null;
  let digits = text.replace(/\D/g, '');
  if (/^(0086|86)1\d{10}$/.test(digits)) digits = digits.slice(digits.length - 11);
  return digits.length >= 5 ? digits : null;
}

function normalizeCode(raw: string | undefined): string | null {
  const text = blankToNull(raw);
  if (!text) return null;
  const out = text.toUpperCase().replace(/[^\p{L}\p{N}]/gu, '');
  return out || null;
}

/** Lower-case folded text for address parts (Han text simplified, spaces collapsed). */
export function normalizeText(raw: string | undefined): string | null {
  const text = blankToNull(raw);
  if (!text) return null;
  if (hasHan(text)) return simplifyHanText(text).replace(/[，,。、\s]/g, '') || null;
  const out = latinTokens(text).join(' ');
  return out || null;
}

interface NameParts {
  familyHan: string | null;
  givenHan: string | null;
  familyKey: string | null;
  givenKey: string | null;
}

function latinKey(text: string | null): string | null {
  if (!text) return null;
  const key = latinTokens(text).join('');
  return key || null;
}

function familyLatinKey(text: string | null): string | null {
  const key = latinKey(text);
  return key ? canonicalSurnameRomanisation(key) : null;
}

function hanParts(family: string, given: string): NameParts {
  return {
    familyHan: family || null,
    givenHan: given || null,
    familyKey: family ? canonicalSurnameRomanisation(surnamePinyin(family)) || null : null,
    givenKey: given ? givenPinyin(given) || null : null,
  };
}

/**
 * Splits a full Latin-script name into family and given name. Rules, in order: "Family, Given"; a token written
 * in capitals among mixed-case ones is the family name (ZHANG Xiaoming); a common Chinese surname in first place
 * (Zhang Xiaoming); otherwise Western order (given names first).
 */
function splitLatinName(raw: string): { family: string; given: string } {
  if (raw.includes(',')) {
    const [family, ...rest] = raw.split(',');
    return { family, given: rest.join(' ') };
  }
  const words = raw.trim().split(/\s+/);
  if (words.length === 1) return { family: words[0], given: '' };
  const caps = words.filter((w) => /\p{L}/u.test(w) && w === w.toUpperCase() && w !== w.toLowerCase());
  if (caps.length === 1 && words.length > 1) {
    return { family: caps[0], given: words.filter((w) => w !== caps[0]).join(' ') };
  }
  const first = foldLatin(words[0]).replace(/[^a-z]/g, '');
  // In a Chinese region a romanised name is more often written family-first (LIU ZE HAO), so a leading
  // surname wins; "John Smith" and "Xiaoming Zhang" fall through to Western order.
  if (isCommonSurnamePinyin(first)) {
    return { family: words[0], given: words.slice(1).join(' ') };
  }
  return { family: words[words.length - 1], given: words.slice(0, -1).join(' ') };
}

/** Family and given name from whichever form the record has. */
export function normalizeName(input: Pick<PersonInput, 'name' | 'familyName' | 'givenName'>): NameParts {
  const family = blankToNull(input.familyName);
  const given = blankToNull(input.givenName);
  if (family || given) {
    if ((family && hasHan(family)) || (given && hasHan(given))) {
      return hanParts(family ? simplifyHan(family) : '', given ? simplifyHan(given) : '');
    }
    return { familyHan: null, givenHan: null, familyKey: familyLatinKey(family), givenKey: latinKey(given) };
  }
  const name = blankToNull(input.name);
  if (!name) return { familyHan: null, givenHan: null, familyKey: null, givenKey: null };
  if (hasHan(name)) {
    const split = splitHanName(simplifyHan(name));
    return hanParts(split.family, split.given);
  }
  const split = splitLatinName(name);
  return { familyHan: null, givenHan: null, familyKey: familyLatinKey(split.family), givenKey: latinKey(split.given) };
}

/** Normalises one input record; `index` is its position in the run. */
export function normalizePerson(input: PersonInput, index: number): PersonRecord {
  const names = normalizeName(input);
  let birth = normalizeBirthDate(input.birthDate);
  let sex = normalizeSex(input.sex);
  let idNumber: string | null = null;
  let idConsistent = true;
  let idChecksumOk = false;
  const idRaw = blankToNull(input.idNumber);
  if (idRaw) {
    const resident = parseResidentId(idRaw);
    if (resident) {
      idNumber = resident.value;
      idChecksumOk = resident.checksumOk;
      // A birth date one typo or a day/month swap away from the id's is a slip in the date, not someone
      // else's id; a newborn on the mother's id is decades away.
      if (birth && resident.birthDate) idConsistent = compareBirthDates(birth, resident.birthDate) <= 2;
      // A well-formed id fills in what the record lacks: its birth date and sex are printed on the card.
      if (resident.checksumOk && resident.birthDate && !birth) birth = resident.birthDate;
      if (resident.checksumOk && idConsistent && !sex) sex = resident.sex === 'male' ? 'M' : 'F';
    } else {
      idNumber = normalizeCode(idRaw);
    }
  }
  const address = normalizeText(input.address);
  return {
    index,
    id: input.id,
    source: input.source ?? '',
    ...names,
    sex,
    birth,
    idNumber,
    idConsistent,
    idChecksumOk,
    passport: normalizeCode(input.passport),
    phone: normalizePhone(input.phone),
    streetNumber: normalizeCode(input.streetNumber),
    street: normalizeText(input.street),
    locality: normalizeText(input.locality),
    city: normalizeText(input.city),
    postcode: normalizeCode(input.postcode),
    region: normalizeText(input.region),
    address,
  };
}
