import { describe, expect, it } from 'vitest';
import { HubError } from '../../platform/errors/index.js';
import { assertValidResource } from '../fhir-store/index.js';
import { generateRegion } from './generator.js';

// The seeder stores generated resources without validating each one (it is the
// largest cost of a bulk load); this test is what makes that safe: every kind
// of resource the generator emits must pass R4 validation.
describe('generated demo resources are valid FHIR R4', () => {
  it('validates every resource of a 300-person region across several seeds', () => {
    const problems: string[] = [];
    let count = 0;
    for (const seed of [1, 7, 42]) {
      for (const chunk of generateRegion({ patients: 100, seed })) {
        const resources = chunk.kind === 'directory' ? chunk.resources : chunk.registrations.flatMap((r) => r.resources);
        for (const resource of resources) {
          count++;
          try {
            assertValidResource(resource);
          } catch (err) {
            if (!(err instanceof HubError)) throw err;
            problems.push(`${resource.resourceType}/${resource.id}: ${err.message} at ${err.expression?.join(', ')}`);
          }
        }
      }
    }
    expect(count).toBeGreaterThan(3000);
    expect(problems.slice(0, 5)).toEqual([]);
  });
});
