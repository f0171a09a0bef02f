import type { Patient } from '@medplum/fhirtypes';
import { residentIdCheckChar } from './matching/resident-id.js';
import { RESIDENT_ID_SYSTEM } from './patient-person.js';

/** Builders for identity tests (no I/O). */

export interface PatientSpec {
  name: string;
  gender?: 'male' | 'female';
  birthDate?: string;
  residentId?: string;
  phone?: string;
  address?: string;
  mrn?: { system: string; value: string };
}

/** A Patient as an institution would send it. */
export function buildPatient(spec: PatientSpec): Patient {
  const identifier = [];
  if (spec.mrn) identifier.push({ system: spec.mrn.system, value: spec.mrn.value });
  if (spec.residentId) identifier.push({ system: RESIDENT_ID_SYSTEM, value: spec.residentId });
  return {
    resourceType: 'Patient',
    ...(identifier.length ? { identifier } : {}),
    name: [{ use: 'official', text: spec.name }],
    ...(spec.gender ? { gender: spec.gender } : {}),
    ...(spec.birthDate ? { birthDate: spec.birthDate } : {}),
    ...(spec.phone ? { telecom: [{ system: 'phone', value: spec.phone }] } : {}),
    ...(spec.address ? { address: [{ use: 'home', text: spec.address }] } : {}),
  };
}

/** A valid GB 11643 resident id: region (6 digits), birth date (YYYYMMDD), sequence (3 digits, odd: male). */
export function residentId(region: string, birth: string, seq: string): string {
  const body = `${region}${birth}${seq}`;
  return body + residentIdCheckChar(body);
}

/** A person unlikely to meet anyone else in a shared test database: random birth date, id and phone. */
export function randomPerson(name: string, gender: 'male' | 'female' = 'male'): Required<Omit<PatientSpec, 'mrn'>> {
  const rnd = (n: number) => Math.floor(Math.random() * n);
  const birth = `${1930 + rnd(70)}${String(1 + rnd(12)).padStart(2, '0')}${String(1 + rnd(28)).padStart(2, '0')}`;
  const seq = String(rnd(500) * 2 + (gender === 'male' ? 1 : 0)).padStart(3, '0');
  return {
    name,
    gender,
    birthDate: `${birth.slice(0, 4)}-${birth.slice(4, 6)}-${birth.slice(6)}`,
    residentId: residentId('330106', birth, seq),
    phone: `139${String(rnd(1e8)).padStart(8, '0')}`,
    address: `杭州市西湖区文三路${1 + rnd(900)}号${1 + rnd(30)}幢`,
  };
}


/** The same birth date with one digit of the day changed (a one-keystroke slip, never day 00 or above 28: 28 → 27, so never 29 February). */
export function slipBirthDate(date: string): string {
  const last = Number(date.slice(9));
  const up = last < 9 && date.slice(8) !== '28';
  return `${date.slice(0, 9)}${up ? last + 1 : last - 1}`;
}
