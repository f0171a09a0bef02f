import type { CapabilityStatementRestResource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { buildCapabilityStatement } from './capability.js';
import { parseSearchQuery } from './search/query-parser.js';

const statement = buildCapabilityStatement('http://hub.test', 'test');
const resources = statement.rest![0]!.resource!;
const byType = (type: string): CapabilityStatementRestResource => resources.find((r) => r.type === type)!;
const OPTIONS = { defaultPageSize: 10, maxPageSize: 10, baseUrl: 'http://hub.test', strict: true };

describe('CapabilityStatement search section', () => {
  it('announces $everything, $match, $ihe-pix, the Patient compartment, includes and revincludes', () => {
    expect(byType('Patient').operation?.map((o) => o.name)).toEqual(['everything', 'match', 'ihe-pix']);
    expect(byType('Observation').operation).toBeUndefined();
    expect(statement.rest![0]!.compartment).toEqual(['http://hl7.org/fhir/CompartmentDefinition/patient']);
    expect(byType('Encounter').searchInclude).toContain('Encounter:practitioner');
    expect(byType('Encounter').searchInclude).toContain('*');
    expect(byType('Patient').searchRevInclude).toContain('Observation:subject');
    expect(byType('Patient').searchRevInclude).not.toContain('Observation:code');
  });

  it('lists root composites and the meta parameters, not composites over repeating elements', () => {
    const names = byType('Observation').searchParam!.map((p) => p.name);
    expect(names).toContain('code-value-quantity');
    expect(names).not.toContain('component-code-value-quantity');
    expect(names).toEqual(expect.arrayContaining(['_tag', '_profile', '_security', '_source']));
  });

  // The statement must tell the truth: everything it lists parses under strict handling.
  it('every listed parameter, include and revinclude is accepted by the strict parser', () => {
    let checked = 0;
    for (const resource of resources) {
      const type = resource.type;
      for (const param of resource.searchParam ?? []) {
        if (param.name === '_id' || param.name === '_lastUpdated' || param.type === 'composite') continue;
        expect(() => parseSearchQuery(type, { [`${param.name}:missing`]: 'true' }, OPTIONS), `${type}.${param.name}`).not.toThrow();
        checked++;
      }
      for (const include of resource.searchInclude ?? []) {
        expect(() => parseSearchQuery(type, { _include: include }, OPTIONS), `${type} _include=${include}`).not.toThrow();
      }
      for (const revinclude of resource.searchRevInclude ?? []) {
        expect(() => parseSearchQuery(type, { _revinclude: revinclude }, OPTIONS), `${type} _revinclude=${revinclude}`).not.toThrow();
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });
});
