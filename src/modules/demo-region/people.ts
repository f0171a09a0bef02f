import { CHRONIC_CONDITIONS } from './clinical.data.js';
import { MOBILE_PREFIXES } from './names.data.js';
import { makeHanName, pickForeignName, pickGivenName, pickMinorityName, pickSurname, type PersonName } from './names.js';
import { createRng, weightedPicker, type Rng } from './prng.js';
import { CITY, COUNTY_AREA_CODE, DISTRICTS, MIGRANT_AREA_CODES, PROVINCE, XINJIANG_AREA_CODES } from './region.data.js';
import { buildResidentId, type Sex } from './resident-id.js';

export interface Address {
  district: number;
  street: number;
  /** Community (社区) name. */
  community: string;
  /** Road, number, building, unit and flat. */
  line: string;
  postalCode: string;
  /** Province + city + district + street + community + line. */
  text: string;
}

/** One real (synthetic) person: the truth behind the institutions' Patient records. */
export interface Person {
  key: string;
  householdKey: string;
  sex: Sex;
  birthDate: string;
  name: PersonName;
  residentId?: string;
  passport?: { country: string; number: string };
  phone: string;
  address: Address;
  /** ICD-10 codes of chronic conditions (see CHRONIC_CONDITIONS). */
  conditions: string[];
}

/** Draws resident ids without ever issuing the same number twice. */
export class ResidentIdIssuer {
  private readonly issued = new Set<string>();

  issue(rng: Rng, areaCode: string, birthDate: string, sex: Sex): string {
    for (;;) {
      const id = buildResidentId({ areaCode, birthDate, sex, order: rng.int(0, 499) });
      if (!this.issued.has(id)) {
        this.issued.add(id);
        return id;
      }
    }
  }
}

export function drawPhone(rng: Rng): string {
  return rng.pick(MOBILE_PREFIXES) + String(rng.int(0, 99_999_999)).padStart(8, '0');
}

/** A home address somewhere in the region (or in `district` when given). */
export function drawAddress(rng: Rng, district = rng.int(0, DISTRICTS.length - 1)): Address {
  const d = DISTRICTS[district];
  const street = rng.int(0, d.streets.length - 1);
  const s = d.streets[street];
  const community = rng.pick(s.communities);
  const line = `${rng.pick(s.roads)}${rng.int(1, 399)}号${rng.int(1, 30)}幢${rng.int(1, 4)}单元${rng.int(1, 24)}0${rng.int(1, 4)}室`;
  const text = `${PROVINCE}${CITY}${d.name}${s.name}${community}${line}`;
  return { district, street, community, line, postalCode: d.postalCode, text };
}

/** Adds `days` to a YYYY-MM-DD date. */
export function addDays(date: string, days: number): string {
  const t = Date.parse(`${date}T00:00:00Z`) + days * 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}

/** Whole years between two YYYY-MM-DD dates. */
export function ageOn(birthDate: string, date: string): number {
  let age = Number(date.slice(0, 4)) - Number(birthDate.slice(0, 4));
  if (date.slice(5) < birthDate.slice(5)) age--;
  return age;
}

function drawConditions(rng: Rng, age: number, sex: Sex): string[] {
  const found: string[] = [];
  for (const spec of CHRONIC_CONDITIONS) {
    if (spec.sex && spec.sex !== sex) continue;
    let p = 0;
    for (const [minAge, share] of spec.prevalence) if (age >= minAge) p = share;
    // Diabetes and kidney disease cluster with hypertension.
    if ((spec.code === 'E11' || spec.code === 'N18') && found.includes('I10')) p *= 1.6;
    if (rng.chance(p)) found.push(spec.code);
  }
  return found;
}

type Origin = 'native' | 'county' | 'migrant' | 'minority' | 'foreign';
const pickOrigin = weightedPicker<Origin>(['native', 'county', 'migrant', 'minority', 'foreign'], [70, 12, 16.7, 0.8, 0.5]);

type Member = { role: 'adult' | 'partner' | 'child' | 'elder'; age: number; sex: Sex; sameSurnameAs?: number; twinOf?: number };
type Layout = (rng: Rng) => Member[];
const adultSex = (rng: Rng): Sex => (rng.chance(0.5) ? 'male' : 'female');
const couple = (rng: Rng, minAge: number, maxAge: number): Member[] => {
  const age = rng.int(minAge, maxAge);
  return [
    { role: 'adult', age, sex: 'male' },
    { role: 'partner', age: Math.max(minAge - 2, Math.min(99, age + rng.int(-5, 2))), sex: 'female' },
  ];
};
const withChildren = (rng: Rng, parents: Member[]): Member[] => {
  const youngest = Math.min(parents[0].age, parents[1].age);
  const kids = rng.chance(0.45) ? 2 : 1;
  const out = [...parents];
  for (let k = 0; k < kids; k++) {
    const age = rng.int(0, Math.max(0, Math.min(25, youngest - 21)));
    out.push({ role: 'child', age, sex: adultSex(rng), sameSurnameAs: rng.chance(0.92) ? 0 : 1 });
  }
  // Twins: a hard negative for identity matching (same birth date, surname, address).
  if (rng.chance(0.05)) out.push({ ...out[2], sex: adultSex(rng), twinOf: 2 });
  return out;
};
const LAYOUTS: Layout[] = [
  (rng) => [{ role: 'elder', age: rng.int(65, 96), sex: adultSex(rng) }],
  (rng) => couple(rng, 60, 90),
  (rng) => [{ role: 'adult', age: rng.int(19, 40), sex: adultSex(rng) }],
  (rng) => couple(rng, 24, 62),
  (rng) => withChildren(rng, couple(rng, 27, 50)),
  (rng) => {
    const family = withChildren(rng, couple(rng, 30, 50));
    const elderAge = family[0].age + rng.int(24, 32);
    family.push({ role: 'elder', age: Math.min(elderAge, 99), sex: 'male', sameSurnameAs: 0 });
    if (rng.chance(0.6)) family.push({ role: 'elder', age: Math.min(elderAge - rng.int(0, 4), 99), sex: 'female' });
    return family;
  },
];
const pickLayout = weightedPicker(LAYOUTS, [10, 14, 10, 12, 44, 10]);

/**
 * Generates household number `index`: its people share an address, often a
 * surname and sometimes a phone (children and the oldest use a parent's).
 * Person keys are assigned by the caller.
 */
export function generateHousehold(seed: number, index: number, referenceDate: string, ids: ResidentIdIssuer): Omit<Person, 'key'>[] {
  const rng = createRng(seed, `household:${index}`);
  const origin = pickOrigin(rng);
  const address = drawAddress(rng);
  const homeArea = origin === 'native' ? DISTRICTS[address.district].areaCode
    : origin === 'county' ? COUNTY_AREA_CODE
      : origin === 'migrant' ? rng.pick(MIGRANT_AREA_CODES) : rng.pick(XINJIANG_AREA_CODES);
  const members = pickLayout(rng)(rng);
  const people: Omit<Person, 'key'>[] = [];
  for (const member of members) {
    const twin = member.twinOf !== undefined ? people[member.twinOf] : undefined;
    const birthDate = twin?.birthDate ?? addDays(referenceDate, -(member.age * 365.25 + rng.int(0, 364)) | 0);
    const birthYear = Number(birthDate.slice(0, 4));
    let name: PersonName;
    let passport: Person['passport'];
    if (origin === 'foreign') {
      const drawn = pickForeignName(rng, member.sex);
      name = member.sameSurnameAs !== undefined ? { ...drawn.name, family: people[member.sameSurnameAs].name.family, text: `${people[member.sameSurnameAs].name.family} ${drawn.name.given}` } : drawn.name;
      passport = { country: drawn.country, number: `${drawn.country[0]}${String(rng.int(0, 99_999_999)).padStart(8, '0')}` };
    } else if (origin === 'minority') {
      name = pickMinorityName(rng, member.sex);
    } else {
      const family = member.sameSurnameAs !== undefined ? people[member.sameSurnameAs].name.family : pickSurname(rng);
      let given = pickGivenName(rng, member.sex, birthYear);
      // Twins get different names that often share a character (浩宇 / 浩然).
      while (twin && given === twin.name.given) given = pickGivenName(rng, member.sex, birthYear);
      name = makeHanName(family, given);
    }
    // Children born after the family moved here are registered locally.
    const area = member.role === 'child' && origin === 'migrant' && rng.chance(0.5) ? DISTRICTS[address.district].areaCode : homeArea;
    const residentId = origin === 'foreign' ? undefined : ids.issue(rng, area, birthDate, member.sex);
    const sharesPhone = (member.role === 'child' && member.age < 16) || (member.role === 'elder' && member.age >= 80 && people.length > 0 && rng.chance(0.5));
    const phone = sharesPhone && people.length > 0 ? people[rng.chance(0.6) && people.length > 1 ? 1 : 0].phone : drawPhone(rng);
    const age = ageOn(birthDate, referenceDate);
    people.push({ householdKey: `hh-${index}`, sex: member.sex, birthDate, name, residentId, passport, phone, address, conditions: drawConditions(rng, age, member.sex) });
  }
  return people;
}
