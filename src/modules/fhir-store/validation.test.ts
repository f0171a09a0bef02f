import { describe, expect, it } from 'vitest';
import { HubError } from '../../platform/errors/index.js';
import { assertResourceType, assertValidResource } from './validation.js';

function errorOf(fn: () => void): HubError {
  try {
    fn();
  } catch (err) {
    if (err instanceof HubError) return err;
    throw err;
  }
  throw new Error('expected a HubError');
}

describe('resource validation', () => {
  it('accepts base64 with whitespace between groups, as R4 allows, and rejects what is not base64', () => {
    const report = (data: string) => ({
      resourceType: 'DiagnosticReport',
      status: 'final',
      code: { text: 'x' },
      presentedForm: [{ contentType: 'application/pdf', data }],
    });
    expect(() => assertValidResource(report('JVBERi0x LjcK Cjqq'))).not.toThrow();
    const err = errorOf(() => assertValidResource(report('not base64 !!')));
    expect(err.status).toBe(400);
    expect(err.expression?.[0]).toContain('presentedForm');
  });

  it('names the path of the first problem and lists the others', () => {
    const err = errorOf(() => assertValidResource({ resourceType: 'Patient', birthDate: 'x', gender: 5 }));
    expect(err.code).toBe('FHIR_INVALID_RESOURCE');
    const paths = [err.expression?.[0], ...err.extraIssues.map((i) => i.expression?.[0])];
    expect(paths).toEqual(expect.arrayContaining(['Patient.birthDate', 'Patient.gender']));
  });

  it('404s abstract and unknown types', () => {
    expect(errorOf(() => assertResourceType('DomainResource')).status).toBe(404);
    expect(errorOf(() => assertResourceType('Spaceship')).status).toBe(404);
    expect(() => assertResourceType('Observation')).not.toThrow();
  });
});
