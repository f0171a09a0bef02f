import { describe, expect, it } from 'vitest';
import { parseSearchQuery } from './query-parser.js';
import { driverRank } from './search-driver.js';

function rank(type: string, query: Record<string, string>): number {
  const search = parseSearchQuery(type, query, { defaultPageSize: 20, maxPageSize: 100, baseUrl: 'http://hub.test', strict: true });
  expect(search.filters).toHaveLength(1);
  return driverRank(search.filters[0]!);
}

describe('driverRank', () => {
  it('prefers references and identifiers, then exact strings, codes and prefixes, then ranges', () => {
    expect(rank('Observation', { subject: 'Patient/p1' })).toBeLessThan(rank('Patient', { 'family:exact': '王' }));
    expect(rank('Patient', { identifier: 'urn:mrn|1' })).toBeLessThan(rank('Patient', { gender: 'male' }));
    expect(rank('Patient', { 'family:exact': '王' })).toBeLessThan(rank('Patient', { family: '王' }));
    expect(rank('Patient', { family: '王' })).toBeLessThan(rank('Patient', { 'family:contains': '王' }));
    expect(rank('Observation', { code: 'http://loinc.org|8867-4' })).toBeLessThan(rank('Observation', { 'value-quantity': 'gt100' }));
    expect(rank('Patient', { birthdate: 'ge1990' })).toBeLessThan(rank('Patient', { '_has:Observation:patient:code': '8867-4' }));
    expect(rank('Patient', { identifier: 'urn:mrn|' })).toBeGreaterThan(rank('Patient', { identifier: 'urn:mrn|1' }));
  });

  it('never drives from filters that test the row or cannot use an index range', () => {
    expect(rank('Patient', { 'gender:not': 'male' })).toBe(Infinity);
    expect(rank('Patient', { 'birthdate:missing': 'true' })).toBe(Infinity);
    expect(rank('Patient', { _lastUpdated: 'gt2020' })).toBe(Infinity);
    expect(rank('Patient', { _id: 'p1' })).toBe(Infinity);
    expect(rank('ValueSet', { 'url:above': 'http://x.org/a/b' })).toBe(Infinity);
    expect(rank('Patient', { 'birthdate:missing': 'false' })).toBeLessThan(Infinity);
  });
});
