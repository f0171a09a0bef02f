import type { Observation, Patient, Resource } from '@medplum/fhirtypes';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { extractSearchIndex, extractWith, type ExtractedIndex } from './extract.js';
import { evaluateWithFhirPath } from './search-params.js';

const fixture = <T>(name: string): T => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as T;

describe('extractSearchIndex', () => {
  it('indexes a Patient: names, identifiers, dates, references, tokens', () => {
    const index = extractSearchIndex(fixture<Patient>('Patient-example.json'));
    expect(index.strings).toContainEqual(['family', 'chalmers', 'Chalmers']);
    expect(index.strings).toContainEqual(['name', 'peter james chalmers', 'Peter James Chalmers']);
    expect(index.strings).toContainEqual(['address-city', 'pleasantville', 'PleasantVille']);
    expect(index.tokens).toContainEqual(['identifier', 'urn:oid:1.2.36.146.595.217.0.1', '12345', null]);
    expect(index.tokens).toContainEqual(['gender', null, 'male', null]);
    expect(index.tokens).toContainEqual(['active', null, 'true', null]);
    expect(index.references).toContainEqual(['organization', 'Organization/1', 'Organization', '1']);
    const birth = index.dates.find(([code]) => code === 'birthdate')!;
    expect(new Date(birth[1]).toISOString()).toBe('1974-12-25T00:00:00.000Z');
    expect(new Date(birth[2]).toISOString()).toBe('1974-12-25T23:59:59.999Z');
  });

  it('indexes an Observation: codes with display text, subject, quantity, effective date', () => {
    const index = extractSearchIndex(fixture<Observation>('Observation-example.json'));
    expect(index.tokens).toContainEqual(['code', 'http://loinc.org', '29463-7', 'body weight']);
    expect(index.tokens).toContainEqual(['status', null, 'final', null]);
    expect(index.references).toContainEqual(['subject', 'Patient/example', 'Patient', 'example']);
    expect(index.references).toContainEqual(['patient', 'Patient/example', 'Patient', 'example']);
    expect(index.quantities).toContainEqual(['value-quantity', 185, 'http://unitsofmeasure.org', '[lb_av]', 'lbs']);
    expect(index.dates.some(([code]) => code === 'date')).toBe(true);
  });

  it('normalises strings (case, accents, full-width) and keeps the raw value', () => {
    const index = extractSearchIndex({ resourceType: 'Patient', id: 'x', name: [{ family: 'Müller', given: ['Ｊürgen'] }] });
    expect(index.strings).toContainEqual(['family', 'muller', 'Müller']);
    expect(index.strings).toContainEqual(['given', 'jurgen', 'Ｊürgen']);
  });

  it('indexes Chinese names family-first as well', () => {
    const index = extractSearchIndex({ resourceType: 'Patient', id: 'x', name: [{ family: '王', given: ['伟'] }] });
    expect(index.strings).toContainEqual(['name', '王伟', '王伟']);
    expect(index.strings).toContainEqual(['family', '王', '王']);
  });

  it('stores absolute references to this hub as Type/id and others as sent', () => {
    const obs: Observation = {
      resourceType: 'Observation', id: 'o', status: 'final', code: { text: 'x' },
      subject: { reference: 'http://hub.test/fhir/Patient/p1' },
      performer: [{ reference: 'https://other.example/fhir/Practitioner/9' }, { reference: 'Practitioner/8/_history/2' }],
    };
    const index = extractSearchIndex(obs, { baseUrl: 'http://hub.test' });
    expect(index.references).toContainEqual(['subject', 'Patient/p1', 'Patient', 'p1']);
    expect(index.references).toContainEqual(['performer', 'https://other.example/fhir/Practitioner/9', 'Practitioner', '9']);
    expect(index.references).toContainEqual(['performer', 'Practitioner/8', 'Practitioner', '8']);
  });

  it('turns Periods into ranges with open ends unbounded', () => {
    const index = extractSearchIndex({ resourceType: 'Encounter', id: 'e', status: 'in-progress', class: { code: 'AMB' }, period: { start: '2024-03-01' } });
    const date = index.dates.find(([code]) => code === 'date')!;
    expect(new Date(date[1]).toISOString()).toBe('2024-03-01T00:00:00.000Z');
    expect(date[2]).toBe(Infinity);
  });

  it('indexes nothing for an unknown resource type', () => {
    const index = extractSearchIndex({ resourceType: 'NotAType', id: 'x' } as never);
    expect(Object.values(index).every((rows) => rows.length === 0)).toBe(true);
  });
});

describe('compiled search paths', () => {
  it.each(['Patient-example.json', 'Observation-example.json', 'Encounter-example.json'])(
    'give the same index rows as @medplum/core FHIRPath for %s',
    (name) => {
      const resource = fixture<Resource>(name);
      const sorted = (index: ExtractedIndex): Record<string, string[]> =>
        Object.fromEntries(Object.entries(index).map(([k, rows]) => [k, (rows as unknown[][]).map((r) => JSON.stringify(r)).sort()]));
      const viaFhirPath = extractWith(resource, {}, (param, r) => evaluateWithFhirPath(param, r));
      expect(sorted(extractSearchIndex(resource))).toEqual(sorted(viaFhirPath));
    },
  );
});
