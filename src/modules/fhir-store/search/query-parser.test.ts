import { describe, expect, it } from 'vitest';
import { HubError } from '../../../platform/errors/index.js';
import { parseSearchQuery, type Filter } from './query-parser.js';

const OPTIONS = { defaultPageSize: 20, maxPageSize: 100, baseUrl: 'http://hub.test' };
const parse = (type: string, query: Record<string, string | string[]>, strict = false) => parseSearchQuery(type, query, { ...OPTIONS, strict });
const parseError = (type: string, query: Record<string, string | string[]>, strict = false): HubError => {
  try {
    parse(type, query, strict);
  } catch (e) {
    return e as HubError;
  }
  throw new Error('expected an error');
};

describe('parseSearchQuery', () => {
  it('splits OR values on unescaped commas and ANDs repeats', () => {
    const parsed = parse('Patient', { family: ['wang,li', 'w\\,x'] });
    expect(parsed.filters).toEqual<Filter[]>([
      { kind: 'string', code: 'family', modifier: 'starts', values: ['wang', 'li'] },
      { kind: 'string', code: 'family', modifier: 'starts', values: ['w,x'] },
    ]);
  });

  it('parses token forms', () => {
    const [f] = parse('Patient', { identifier: 'urn:a|1,|2,urn:b|,3,urn:c\\|d|4' }).filters;
    expect(f).toEqual({
      kind: 'token', code: 'identifier', not: false,
      values: [{ system: 'urn:a', code: '1' }, { system: null, code: '2' }, { system: 'urn:b', code: undefined }, { code: '3' }, { system: 'urn:c|d', code: '4' }],
    });
  });

  it('resolves references: Type/id, this hub\'s absolute URL, id, external URL', () => {
    const [f] = parse('Observation', { subject: 'Patient/1,http://hub.test/fhir/Patient/2,3,https://x.org/fhir/Patient/4' }).filters;
    expect(f).toMatchObject({
      kind: 'reference',
      values: [{ refs: ['Patient/1'] }, { refs: ['Patient/2', 'http://hub.test/fhir/Patient/2'] }, { refs: [], id: '3' }, { refs: ['https://x.org/fhir/Patient/4'] }],
    });
  });

  it('parses date and number precision', () => {
    const [d] = parse('Patient', { birthdate: 'ge1980' }).filters as Extract<Filter, { kind: 'date' }>[];
    expect(d!.values[0]!.prefix).toBe('ge');
    expect(new Date(d!.values[0]!.high).toISOString()).toBe('1980-12-31T23:59:59.999Z');
    const [q] = parse('Observation', { 'value-quantity': '100.0' }).filters as Extract<Filter, { kind: 'quantity' }>[];
    expect(q!.values[0]).toMatchObject({ prefix: 'eq', value: 100, low: 99.95, high: 100.05 });
  });

  it('ignores unknown and unsupported parameters with warnings, and keeps them out of applied', () => {
    const parsed = parse('Patient', { foo: '1', 'name:phonetic': 'x', 'general-practitioner.nickname': 'y', _contained: 'true', family: 'wang' });
    expect(parsed.filters).toHaveLength(1);
    expect(parsed.applied).toEqual([['family', 'wang']]);
    expect(parsed.issues.map((i) => i.expression![0])).toEqual(['foo', 'name:phonetic', 'general-practitioner.nickname', '_contained']);
    expect(parsed.issues.every((i) => i.severity === 'warning')).toBe(true);
  });

  it('rejects unknown and unsupported parameters under strict handling', () => {
    expect(parseError('Patient', { foo: '1' }, true).code).toBe('SEARCH_UNKNOWN_PARAMETER');
    expect(parseError('Patient', { 'name:phonetic': 'x' }, true).code).toBe('SEARCH_UNSUPPORTED');
    expect(parseError('Patient', { _filter: 'name eq x' }, true).code).toBe('SEARCH_UNSUPPORTED');
    expect(parseError('Patient', { 'general-practitioner:Practitioner.nickname': 'x' }, true).code).toBe('SEARCH_UNKNOWN_PARAMETER');
    expect(parseError('Patient', { phonetic: 'wong' }, true).code).toBe('SEARCH_UNSUPPORTED');
    expect(parseError('Observation', { 'combo-code-value-quantity': 'x$5' }, true).code).toBe('SEARCH_UNSUPPORTED');
  });

  it.each([
    ['Patient', { birthdate: 'gx1980' }, 'birthdate'],
    ['Patient', { birthdate: '1980-02-31' }, 'birthdate'],
    ['Observation', { 'value-quantity': '1.2.3' }, 'value-quantity'],
    ['Observation', { 'value-quantity': 'gt5|a' }, 'value-quantity'],
    ['Patient', { identifier: '|' }, 'identifier'],
    ['Patient', { general_practitioner: 'x' }, undefined],
    ['Patient', { 'organization:Patient': '1' }, 'organization:Patient'],
    ['Patient', { _count: '1.5' }, '_count'],
    ['Patient', { _sort: 'birthdate,-nope' }, '_sort'],
  ])('%s %j is a 400 naming %s', (type, query, param) => {
    if (param === undefined) {
      expect(parse(type, query).issues).toHaveLength(1); // unknown, not malformed
      return;
    }
    const err = parseError(type, query);
    expect(err.status).toBe(400);
    expect(err.code).toBe('SEARCH_INVALID_VALUE');
    expect(err.expression).toEqual([param]);
  });

  it('ignores empty values and transport parameters', () => {
    const parsed = parse('Patient', { name: '', _format: 'json', _pretty: 'true' });
    expect(parsed.filters).toEqual([]);
    expect(parsed.issues).toEqual([]);
  });
});

describe('parseSearchQuery: result parameters of joins and subsetting', () => {
  it('parses _include, _revinclude with :iterate, _summary and _elements into the applied list', () => {
    const parsed = parse('Encounter', {
      _include: 'Encounter:practitioner', '_include:iterate': 'Patient:organization', _revinclude: 'Provenance:target',
      _summary: 'true', _elements: 'status,Encounter.subject',
    });
    expect(parsed.include).toEqual([
      { sourceType: 'Encounter', code: 'practitioner', targetType: undefined, iterate: false },
      { sourceType: 'Patient', code: 'organization', targetType: undefined, iterate: true },
    ]);
    expect(parsed.revinclude).toEqual([{ sourceType: 'Provenance', code: 'target', targetType: undefined, iterate: false }]);
    expect(parsed.summary).toBe('true');
    expect(parsed.elements).toEqual(['status', 'subject']);
    expect(parsed.applied.map(([k]) => k)).toEqual(['_include', '_include:iterate', '_revinclude', '_summary', '_elements']);
  });

  it.each([
    [{ _summary: 'yes' }, '_summary'],
    [{ _elements: 'status,1bad' }, '_elements'],
    [{ _elements: 'status.code' }, '_elements'],
    [{ _include: 'Encounter:subject:Medication' }, '_include'],
    [{ '_revinclude:iterate': 'Nothing:x' }, '_revinclude:iterate'],
    [{ 'subject.name:phonetic.x': 'a' }, 'subject.name:phonetic.x'],
    [{ 'subject:Patient.birthdate': 'gt19x' }, 'subject:Patient.birthdate'],
    [{ 'subject.nickname': 'a' }, undefined],
  ])('%j is a 400 naming %s', (query, param) => {
    if (param === undefined) {
      expect(parse('Encounter', query).issues.length).toBeGreaterThan(0);
      return;
    }
    const err = parseError('Encounter', query);
    expect(err.code).toBe('SEARCH_INVALID_VALUE');
    expect(err.expression).toEqual([param]);
  });

  it('limits how deep chains and _has nest', () => {
    const deep = '_has:Observation:patient:_has:Observation:patient:_has:Observation:patient:_has:Observation:patient:_has:Observation:patient:code';
    expect(parseError('Patient', { [deep]: 'x' }).code).toBe('SEARCH_INVALID_VALUE');
  });
});
