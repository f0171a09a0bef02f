import type { PersonRecord } from './person-record.js';
import { bigramsOf, damerauDistance, diceOfBigrams, jaroWinkler } from './string-similarity.js';

/**
 * Graded comparison levels, one comparator per field. Level 0 always means "missing on either side" (no
 * evidence either way); level 1 is the strongest agreement; the last level is full disagreement. The
 * Fellegi–Sunter model learns an m and u probability for every level, so the grading only has to order
 * the evidence, not weigh it.
 */
export interface FieldComparator {
  name: string;
  /** Labels of levels 1..k (level 0 = missing). */
  levels: readonly string[];
  /** The field's value in this record (null = missing); exact agreement on it is level 1. */
  value(r: PersonRecord): string | null;
  compare(a: PersonRecord, b: PersonRecord): number;
  /** Value whose frequency adjusts the weight of an exact (level 1) agreement, for term-frequency adjustment. */
  tfValue?(r: PersonRecord): string | null;
}

const NAME_LEVELS = ['exact', 'same pinyin', 'Jaro-Winkler ≥ 0.92', 'Jaro-Winkler ≥ 0.80', 'different'] as const;

function compareNamePart(hanA: string | null, hanB: string | null, keyA: string | null, keyB: string | null): number {
  if (!keyA || !keyB) return 0;
  if (hanA && hanB) {
    if (hanA === hanB) return 1;
    if (keyA === keyB) return 2;
  } else if (keyA === keyB) {
    return 1;
  }
  const jw = jaroWinkler(keyA, keyB);
  if (jw >= 0.92) return 3;
  if (jw >= 0.8) return 4;
  return 5;
}

/**
 * Family and given names are compared together so that a swapped order (given name entered as family name)
 * is recognised: if both straight comparisons are poor and the crossed ones are good, the crossed levels are
 * used, demoted to at most "near" because a swap is weaker evidence than an exact match.
 */
/** Family and given levels packed in one number (family · 8 + given). */
function levelPair(family: number, given: number): number {
  return family * 8 + given;
}

function compareNames(a: PersonRecord, b: PersonRecord): number {
  const fam = compareNamePart(a.familyHan, b.familyHan, a.familyKey, b.familyKey);
  const giv = compareNamePart(a.givenHan, b.givenHan, a.givenKey, b.givenKey);
  if ((fam === 0 || fam >= 4) && (giv === 0 || giv >= 4)) {
    const f2 = compareNamePart(a.familyHan, b.givenHan, a.familyKey, b.givenKey);
    const g2 = compareNamePart(a.givenHan, b.familyHan, a.givenKey, b.familyKey);
    if (f2 >= 1 && f2 <= 3 && g2 >= 1 && g2 <= 3) return levelPair(Math.max(3, f2), Math.max(3, g2));
    // A full name written as one word on one side ("xiaoming zhang" → given "xiaoming", family "zhang" vs
    // family "zhangxiaoming") is caught by comparing the concatenations.
    if (a.familyKey && a.givenKey && b.familyKey && b.givenKey) {
      const ca = a.familyKey + a.givenKey;
      const cb = b.familyKey + b.givenKey;
      const sa = a.givenKey + a.familyKey;
      if (ca === cb || sa === cb) return levelPair(3, 3);
    }
  }
  return levelPair(fam, giv);
}

/**
 * Pair comparisons are memoised per pair of records so family and given can be two separate fields; the two
 * levels are kept as numbers, not a tuple, so that comparing tens of millions of pairs allocates nothing.
 */
let lastA: PersonRecord | null = null;
let lastB: PersonRecord | null = null;
let lastFamily = 0;
let lastGiven = 0;
function compareNamesOnce(a: PersonRecord, b: PersonRecord): void {
  if (a !== lastA || b !== lastB) {
    const both = compareNames(a, b);
    lastFamily = both >> 3;
    lastGiven = both & 7;
    lastA = a;
    lastB = b;
  }
}

function exactOrTypo(a: string | null, b: string | null, typoLevels: number): number {
  if (!a || !b) return 0;
  if (a === b) return 1;
  const d = damerauDistance(a, b, typoLevels);
  return d <= typoLevels ? 1 + d : 2 + typoLevels;
}

function textLevels(a: string | null, b: string | null): number {
  if (!a || !b) return 0;
  if (a === b) return 1;
  const jw = jaroWinkler(a, b);
  if (jw >= 0.92) return 2;
  if (jw >= 0.8) return 3;
  return 4;
}

/** True when a and b (YYYYMMDD) have the same year and a's month and day are b's day and month. */
function dayMonthSwapped(a: string, b: string): boolean {
  if (a.length !== 8 || b.length !== 8) return false;
  for (let i = 0; i < 4; i++) if (a.charCodeAt(i) !== b.charCodeAt(i)) return false;
  return a.charCodeAt(4) === b.charCodeAt(6) && a.charCodeAt(5) === b.charCodeAt(7) && a.charCodeAt(6) === b.charCodeAt(4) && a.charCodeAt(7) === b.charCodeAt(5);
}

/** Birth dates: exact; one edit or day / month swapped; two edits; different. */
export function compareBirthDates(a: string | null, b: string | null): number {
  if (!a || !b) return 0;
  if (a === b) return 1;
  if (dayMonthSwapped(a, b)) return 2;
  const d = damerauDistance(a, b, 2);
  if (d <= 1) return 2;
  if (d === 2) return 3;
  return 4;
}

function compareIds(a: PersonRecord, b: PersonRecord): number {
  // An id that contradicts its own record's birth date is not that person's id (a newborn registered on the
  // mother's card, or a typo in the id): it is no evidence either way.
  if (!a.idConsistent || !b.idConsistent) return 0;
  // MOD 11-2 catches every single substitution and adjacent swap, so two different ids that both pass the
  // check are two different numbers (twins' ids differ only in the last digits), not a typo of one another.
  if (a.idChecksumOk && b.idChecksumOk && a.idNumber !== b.idNumber) return 4;
  return exactOrTypo(a.idNumber, b.idNumber, 2);
}

/**
 * Each record's address bigrams, computed once (one address meets dozens of others in a batch relink) and kept
 * on the record under a symbol, non-enumerable, so that copies and the stored JSON never carry it. A WeakMap
 * did the same at 250,000 records but made every garbage collection of a million-record run slower (a million
 * ephemerons to trace).
 */
const ADDRESS_BIGRAMS = Symbol('addressBigrams');

function bigramsOfAddress(r: PersonRecord): Float64Array {
  const holder = r as PersonRecord & { [ADDRESS_BIGRAMS]?: Float64Array };
  let grams = holder[ADDRESS_BIGRAMS];
  if (!grams) {
    grams = bigramsOf(r.address ?? '');
    Object.defineProperty(holder, ADDRESS_BIGRAMS, { value: grams, enumerable: false });
  }
  return grams;
}

/** Dice coefficient of two records' address bigrams. */
function addressDice(a: PersonRecord, b: PersonRecord): number {
  return diceOfBigrams(bigramsOfAddress(a), bigramsOfAddress(b));
}

/** All comparators the matcher knows; a run uses those whose field is filled in often enough. */
export const FIELD_COMPARATORS: readonly FieldComparator[] = [
  {
    name: 'family',
    levels: NAME_LEVELS,
    value: (r) => r.familyHan ?? r.familyKey,
    compare: (a, b) => {
      compareNamesOnce(a, b);
      return lastFamily;
    },
    tfValue: (r) => r.familyHan ?? r.familyKey,
  },
  {
    name: 'given',
    levels: NAME_LEVELS,
    value: (r) => r.givenHan ?? r.givenKey,
    compare: (a, b) => {
      compareNamesOnce(a, b);
      return lastGiven;
    },
    tfValue: (r) => r.givenHan ?? r.givenKey,
  },
  {
    name: 'birthDate',
    levels: ['exact', 'one edit or day/month swapped', 'two edits', 'different'],
    value: (r) => r.birth,
    compare: (a, b) => compareBirthDates(a.birth, b.birth),
  },
  {
    name: 'sex',
    levels: ['same', 'different'],
    value: (r) => r.sex,
    compare: (a, b) => (!a.sex || !b.sex ? 0 : a.sex === b.sex ? 1 : 2),
  },
  {
    name: 'idNumber',
    levels: ['exact', 'one edit', 'two edits', 'different'],
    value: (r) => r.idNumber,
    compare: compareIds,
  },
  {
    name: 'passport',
    levels: ['exact', 'one edit', 'different'],
    value: (r) => r.passport,
    compare: (a, b) => exactOrTypo(a.passport, b.passport, 1),
  },
  {
    name: 'phone',
    levels: ['exact', 'one edit', 'different'],
    value: (r) => r.phone,
    compare: (a, b) => exactOrTypo(a.phone, b.phone, 1),
  },
  {
    name: 'streetNumber',
    levels: ['exact', 'one edit', 'different'],
    value: (r) => r.streetNumber,
    compare: (a, b) => exactOrTypo(a.streetNumber, b.streetNumber, 1),
  },
  {
    name: 'street',
    levels: ['exact', 'Jaro-Winkler ≥ 0.92', 'Jaro-Winkler ≥ 0.80', 'different'],
    value: (r) => r.street,
    compare: (a, b) => textLevels(a.street, b.street),
    tfValue: (r) => r.street,
  },
  {
    name: 'locality',
    levels: ['exact', 'Jaro-Winkler ≥ 0.92', 'Jaro-Winkler ≥ 0.80', 'different'],
    value: (r) => r.locality,
    compare: (a, b) => textLevels(a.locality, b.locality),
    tfValue: (r) => r.locality,
  },
  {
    name: 'city',
    levels: ['exact', 'Jaro-Winkler ≥ 0.92', 'Jaro-Winkler ≥ 0.80', 'different'],
    value: (r) => r.city,
    compare: (a, b) => textLevels(a.city, b.city),
    tfValue: (r) => r.city,
  },
  {
    name: 'postcode',
    levels: ['exact', 'one edit', 'different'],
    value: (r) => r.postcode,
    compare: (a, b) => exactOrTypo(a.postcode, b.postcode, 1),
    tfValue: (r) => r.postcode,
  },
  {
    name: 'region',
    levels: ['same', 'different'],
    value: (r) => r.region,
    compare: (a, b) => (!a.region || !b.region ? 0 : a.region === b.region ? 1 : 2),
  },
  {
    name: 'address',
    levels: ['exact', 'bigram Dice ≥ 0.80', 'bigram Dice ≥ 0.55', 'different'],
    value: (r) => r.address,
    compare: (a, b) => {
      if (!a.address || !b.address) return 0;
      if (a.address === b.address) return 1;
      const dice = addressDice(a, b);
      return dice >= 0.8 ? 2 : dice >= 0.55 ? 3 : 4;
    },
    tfValue: (r) => r.address,
  },
];

function addressLevel(a: PersonRecord, b: PersonRecord): number {
  if (!a.address || !b.address) return 0;
  if (a.address === b.address) return 1;
  return addressDice(a, b) >= 0.8 ? 2 : 3;
}

/**
 * Phone and free-text address compared as one "household contact" field. Members of one household share
 * both, so as two independent fields they would count the same evidence twice and make twins or siblings look
 * like one person; as one field, EM learns how much a shared household is really worth.
 * Levels: both agree; one agrees and the other is missing; one agrees and the other differs; near; different.
 */
export const CONTACT_COMPARATOR: FieldComparator = {
  name: 'contact',
  levels: ['phone and address agree', 'one agrees, other missing', 'one agrees, other differs', 'near', 'different'],
  value: (r) => (r.phone === null && r.address === null ? null : `${r.phone ?? ''}|${r.address ?? ''}`),
  compare: (a, b) => {
    const phone = exactOrTypo(a.phone, b.phone, 1);
    const address = addressLevel(a, b);
    if (phone === 0 && address === 0) return 0;
    if (phone === 1 && address === 1) return 1;
    if (phone === 1 || address === 1) return phone === 0 || address === 0 ? 2 : 3;
    if (phone === 2 || address === 2) return 4;
    return 5;
  },
};

/** A comparator by its name (a stored model, or a comparison worker, names its comparators). */
export function comparatorByName(name: string): FieldComparator {
  const c = [...FIELD_COMPARATORS, CONTACT_COMPARATOR].find((x) => x.name === name);
  if (!c) throw new Error(`unknown identity comparator "${name}" (a stored model or worker from another version?)`);
  return c;
}

/**
 * The comparators worth using on these records: a field present in fewer than 1 % of them adds only noise.
 * When records carry a free-text address (the generic layout) phone and address are one contact field.
 */
export function selectComparators(records: readonly PersonRecord[], minShare = 0.01): FieldComparator[] {
  const enough = (c: FieldComparator): boolean => {
    let n = 0;
    for (const r of records) if (c.value(r) !== null) n++;
    return records.length > 0 && n / records.length >= minShare;
  };
  const addressComparator = FIELD_COMPARATORS.find((c) => c.name === 'address')!;
  if (enough(addressComparator)) {
    return [...FIELD_COMPARATORS.filter((c) => c.name !== 'phone' && c.name !== 'address' && enough(c)), CONTACT_COMPARATOR];
  }
  return FIELD_COMPARATORS.filter(enough);
}
