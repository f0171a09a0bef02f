import { describe, expect, it } from 'vitest';
import { classifyResource } from './policy-sensitive.js';

const icd = (code: string) => ({ resourceType: 'Condition', code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10', code }] } }) as never;

describe('classifyResource', () => {
  it.each([
    ['F32.1', 'mental-health'],
    ['F10.2', 'substance-use'],
    ['B20', 'hiv-sti'],
    ['A54.0', 'hiv-sti'],
    ['O04', 'reproductive-health'],
    ['Q90.9', 'genetics'],
  ])('ICD-10 %s is %s', (code, category) => {
    expect([...classifyResource(icd(code))]).toEqual([category]);
  });

  it('ordinary diagnoses are not sensitive', () => {
    expect(classifyResource(icd('I10')).size).toBe(0);
    expect(classifyResource(icd('E11.9')).size).toBe(0);
  });

  it('reads v3 ActCode security labels and ignores labels of other systems', () => {
    const labelled = { resourceType: 'Observation', meta: { security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'ETH' }, { system: 'http://example.org', code: 'HIV' }] } } as never;
    expect([...classifyResource(labelled)]).toEqual(['substance-use']);
  });

  it('finds a code in category and valueCodeableConcept, several categories at once', () => {
    const obs = {
      resourceType: 'Observation',
      code: { coding: [{ system: 'http://loinc.org', code: '7917-8' }] },
      valueCodeableConcept: { coding: [{ system: 'http://snomed.info/sct', code: '66214007' }] },
    } as never;
    expect(new Set(classifyResource(obs))).toEqual(new Set(['hiv-sti', 'substance-use']));
  });
});
