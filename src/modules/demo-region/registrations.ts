import type { Identifier, Patient } from '@medplum/fhirtypes';
import { misspellName, romaniseName, traditionaliseName, type PersonName } from './names.js';
import { drawAddress, drawPhone, type Address, type Person } from './people.js';
import { createRng, weightedPicker, type Rng } from './prng.js';
import { CITY, DISTRICTS, INSTITUTIONS, PROVINCE, findChcFor, findLocalHospitalFor, type InstitutionSpec } from './region.data.js';

/** Chinese national resident id number (公民身份号码) OID. */
export const RESIDENT_ID_SYSTEM = 'urn:oid:2.16.156.10011.1.3';
/** The medical-record-number identifier system of one institution. */
export const mrnSystem = (institutionId: string): string => `https://xietong.demo/fhir/sid/mrn/${institutionId}`;
const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';

/** What changed between the person and this institution's copy of them. */
export type Variation = 'name-typo' | 'traditional' | 'pinyin' | 'new-phone' | 'missing-id' | 'moved' | 'birth-date-swap';

/** One institution's record of a person, before it becomes a Patient resource. */
export interface Registration {
  institution: InstitutionSpec;
  personKey: string;
  name: PersonName;
  sex: Person['sex'];
  birthDate: string;
  residentId?: string;
  passport?: Person['passport'];
  phone?: string;
  address: Address;
  variations: Variation[];
}

type Place = 'chc' | 'local' | 'tertiary' | 'other-district';
const pickPrimary = weightedPicker<Place>(['chc', 'local', 'tertiary'], [55, 30, 15]);
const pickExtra = weightedPicker<Place>(['chc', 'local', 'tertiary', 'other-district'], [30, 30, 35, 5]);

function placeToInstitution(place: Place, address: Address): InstitutionSpec {
  if (place === 'chc') return findChcFor(address.district, address.street);
  if (place === 'local') return findLocalHospitalFor(address.district);
  if (place === 'tertiary') return INSTITUTIONS[0];
  return INSTITUTIONS.filter((i) => i.kind === 'district-hospital')[address.district === 0 ? 1 : 0];
}

/**
 * The institutions a person is registered at: one, or for about one person
 * in five two or three (referred upwards, seen in an emergency elsewhere).
 */
export function pickInstitutions(rng: Rng, person: Person): InstitutionSpec[] {
  const chosen = [placeToInstitution(pickPrimary(rng), person.address)];
  const target = rng.chance(0.2) ? (rng.chance(0.75) ? 2 : 3) : 1;
  for (let attempt = 0; chosen.length < target && attempt < 20; attempt++) {
    const next = placeToInstitution(pickExtra(rng), person.address);
    if (!chosen.includes(next)) chosen.push(next);
  }
  return chosen;
}

function varyName(rng: Rng, name: PersonName, kind: 'name-typo' | 'traditional' | 'pinyin'): PersonName | undefined {
  if (kind === 'name-typo') return misspellName(rng, name);
  if (kind === 'traditional') return traditionaliseName(name);
  return romaniseName(rng, name);
}

/**
 * Builds the registrations of a person. The first is faithful (but for rare
 * data-entry gaps); the copies at further institutions carry the variations
 * real registers show: a mistyped or traditional or pinyin name, a new phone,
 * no id number, a new address, day and month swapped.
 */
export function buildRegistrations(seed: number, person: Person): Registration[] {
  const rng = createRng(seed, `registrations:${person.key}`);
  return pickInstitutions(rng, person).map((institution, copy) => {
    const reg: Registration = { institution, personKey: person.key, name: person.name, sex: person.sex, birthDate: person.birthDate,
      residentId: person.residentId, passport: person.passport, phone: person.phone, address: person.address, variations: [] };
    if (copy === 0) {
      if (rng.chance(0.02)) reg.residentId = undefined;
      return reg;
    }
    const nameChange = rng.next();
    const kind = nameChange < 0.14 ? 'name-typo' : nameChange < 0.22 ? 'traditional' : nameChange < 0.3 ? 'pinyin' : undefined;
    const varied = kind && varyName(rng, person.name, kind);
    if (kind && varied) {
      reg.name = varied;
      reg.variations.push(kind);
    }
    if (rng.chance(0.2)) {
      reg.phone = drawPhone(rng);
      reg.variations.push('new-phone');
    }
    if (reg.residentId && rng.chance(0.12)) {
      reg.residentId = undefined;
      reg.variations.push('missing-id');
    }
    if (rng.chance(0.12)) {
      reg.address = drawAddress(rng);
      reg.variations.push('moved');
    }
    const [y, m, d] = person.birthDate.split('-');
    if (Number(d) <= 12 && d !== m && rng.chance(0.02)) {
      reg.birthDate = `${y}-${d}-${m}`;
      reg.variations.push('birth-date-swap');
    }
    return reg;
  });
}

/** The Patient resource an institution holds for a registration. */
export function buildPatient(reg: Registration, patientId: string, mrn: string): Patient {
  const identifier: Identifier[] = [
    { use: 'usual', type: { coding: [{ system: V2_0203, code: 'MR', display: 'Medical record number' }], text: '病历号' }, system: mrnSystem(reg.institution.id), value: mrn },
  ];
  if (reg.residentId) {
    identifier.push({ use: 'official', type: { coding: [{ system: V2_0203, code: 'NNCHN', display: 'National Person Identifier (China)' }], text: '居民身份证' },
      system: RESIDENT_ID_SYSTEM, value: reg.residentId });
  }
  if (reg.passport) {
    identifier.push({ use: 'official', type: { coding: [{ system: V2_0203, code: 'PPN', display: 'Passport number' }], text: '护照' },
      system: `http://hl7.org/fhir/sid/passport-${reg.passport.country}`, value: reg.passport.number });
  }
  const district = DISTRICTS[reg.address.district];
  const street = district.streets[reg.address.street];
  return {
    resourceType: 'Patient',
    id: patientId,
    identifier,
    active: true,
    name: [{ use: 'official', text: reg.name.text, family: reg.name.family, given: [reg.name.given] }],
    ...(reg.phone && { telecom: [{ system: 'phone', value: reg.phone, use: 'mobile' }] }),
    gender: reg.sex,
    birthDate: reg.birthDate,
    address: [{ use: 'home', type: 'physical', text: reg.address.text, line: [street.name, reg.address.community, reg.address.line],
      district: district.name, city: CITY, state: PROVINCE, postalCode: reg.address.postalCode, country: 'CN' }],
    managingOrganization: { reference: `Organization/${reg.institution.id}`, display: reg.institution.name },
  };
}
