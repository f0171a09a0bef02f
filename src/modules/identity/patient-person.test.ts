import type { Patient } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { applyIdentity, patientToPersonInput, PATIENT_RECORD_SYSTEM, REGIONAL_ID_SYSTEM, RESIDENT_ID_SYSTEM } from './patient-person.js';

const want = { regionalId: 'r1', seeAlso: [{ tenantId: 't2', patientId: 'p2' }], replaces: [] };

describe('applyIdentity', () => {
  it('adds the regional id and a seealso link, keeping the client identifiers and links', () => {
    const p: Patient = { resourceType: 'Patient', identifier: [{ system: 'mrn', value: '1' }], link: [{ type: 'refer', other: { reference: 'RelatedPerson/x' } }] };
    const next = applyIdentity(p, 't1', want)!;
    expect(next.identifier).toEqual([{ system: 'mrn', value: '1' }, { use: 'secondary', system: REGIONAL_ID_SYSTEM, value: 'r1' }]);
    expect(next.link).toEqual([
      { type: 'refer', other: { reference: 'RelatedPerson/x' } },
      { type: 'seealso', other: { identifier: { system: PATIENT_RECORD_SYSTEM, value: 't2/p2' } } },
    ]);
  });

  it('returns null when the Patient already carries exactly that, whatever the key order (jsonb reorders keys)', () => {
    const once = applyIdentity({ resourceType: 'Patient' }, 't1', want)!;
    const reordered = JSON.parse(JSON.stringify(once, (_k, v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v)));
    expect(applyIdentity(reordered, 't1', want)).toBeNull();
  });

  it('replaces a regional id a client forged', () => {
    const next = applyIdentity({ resourceType: 'Patient', identifier: [{ system: REGIONAL_ID_SYSTEM, value: 'forged' }] }, 't1', want)!;
    expect(next.identifier).toEqual([{ use: 'secondary', system: REGIONAL_ID_SYSTEM, value: 'r1' }]);
  });

  it('uses a relative reference for a record of the same institution', () => {
    const next = applyIdentity({ resourceType: 'Patient' }, 't2', want)!;
    expect(next.link?.[0].other.reference).toBe('Patient/p2');
  });
});

describe('patientToPersonInput', () => {
  it('reads the official name text, resident id, phone and home address', () => {
    const input = patientToPersonInput(
      {
        resourceType: 'Patient',
        name: [{ use: 'usual', text: '小明' }, { use: 'official', text: '张晓明' }],
        identifier: [{ system: RESIDENT_ID_SYSTEM, value: '110101199003071234' }],
        telecom: [{ system: 'email', value: 'a@b' }, { system: 'phone', value: '13900000000' }],
        address: [{ use: 'work', text: 'x' }, { use: 'home', city: '杭州市', district: '西湖区', line: ['文三路1号'] }],
        gender: 'male',
        birthDate: '1990-03-07',
      },
      't/p',
      't',
    );
    expect(input).toMatchObject({ name: '张晓明', idNumber: '110101199003071234', phone: '13900000000', address: '杭州市西湖区文三路1号', sex: 'M', birthDate: '1990-03-07' });
  });

  it('joins family and given names when there is no text', () => {
    expect(patientToPersonInput({ resourceType: 'Patient', name: [{ family: 'Zhang', given: ['Xiao', 'Ming'] }] }, 'x', 't').name).toBe('Zhang, Xiao Ming');
  });
});
