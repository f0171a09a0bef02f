import { describe, expect, it } from 'vitest';
import { HubError } from '../../platform/errors/index.js';
import { assertPermission, formatScopes, hasPermission, intersectScopes, parseScopes, parseScopesStrict } from './scopes.js';

const grant = (requested: string, allowed: string) => formatScopes(intersectScopes(parseScopes(requested), parseScopes(allowed)));

describe('parseScopes', () => {
  it('reads SMART v2 scopes', () => {
    const [scope] = parseScopes('system/Patient.rs');
    expect(scope.context).toBe('system');
    expect(scope.resourceType).toBe('Patient');
    expect([...scope.permissions].sort()).toEqual(['r', 's']);
  });

  it('reads v1 read / write / * as their v2 equivalents', () => {
    expect(formatScopes(parseScopes('system/*.read user/Observation.write patient/Patient.*'))).toBe(
      'system/*.rs user/Observation.cud patient/Patient.cruds',
    );
  });

  it('ignores non-resource scopes, out-of-order v2 permissions and unknown contexts', () => {
    expect(parseScopes('openid fhirUser launch offline_access')).toEqual([]);
    expect(parseScopes('system/Patient.sr system/Patient.rr system/Patient.x')).toEqual([]);
    expect(parseScopes('admin/*.cruds system/.rs system/Pat1ent.r')).toEqual([]);
  });

  it('drops granular scopes rather than widening them to the whole type', () => {
    expect(parseScopes('system/Observation.rs?category=laboratory')).toEqual([]);
    const strict = parseScopesStrict('system/Observation.rs?category=laboratory system/Patient.r');
    expect(strict.unsupported).toEqual(['system/Observation.rs?category=laboratory']);
    expect(formatScopes(strict.scopes)).toBe('system/Patient.r');
  });

  it('tolerates extra whitespace and an empty string', () => {
    expect(formatScopes(parseScopes('  system/Patient.r \n\t system/Encounter.s  '))).toBe('system/Patient.r system/Encounter.s');
    expect(parseScopes('')).toEqual([]);
  });
});

describe('intersectScopes (what a client is granted)', () => {
  it('grants a request inside the registered scope unchanged', () => {
    expect(grant('system/Patient.rs', 'system/*.cruds')).toBe('system/Patient.rs');
  });

  it('narrows permissions to those registered', () => {
    expect(grant('system/*.cruds', 'system/*.rs')).toBe('system/*.rs');
    expect(grant('system/Patient.cruds', 'system/*.rs')).toBe('system/Patient.rs');
  });

  it('narrows a wildcard request to the registered resource types', () => {
    expect(grant('system/*.rs', 'system/Patient.cruds system/Observation.r')).toBe('system/Patient.rs system/Observation.r');
  });

  it('grants nothing for other resource types, other contexts or disjoint permissions', () => {
    expect(grant('system/Observation.rs', 'system/Patient.cruds')).toBe('');
    expect(grant('user/*.cruds patient/*.rs', 'system/*.cruds')).toBe('');
    expect(grant('system/Patient.cud', 'system/Patient.rs')).toBe('');
    expect(grant('openid launch', 'system/*.cruds')).toBe('');
  });

  it('merges permissions per resource type and drops what a wildcard already covers', () => {
    expect(grant('system/Patient.r system/Patient.s', 'system/*.cruds')).toBe('system/Patient.rs');
    expect(grant('system/*.rs system/Patient.r', 'system/*.cruds')).toBe('system/*.rs');
    expect(grant('system/*.rs system/Patient.cu', 'system/*.cruds')).toBe('system/*.rs system/Patient.cu');
  });

  it('never grants more than either side', () => {
    const requested = parseScopes('system/*.cruds system/Patient.cruds');
    const allowed = parseScopes('system/Patient.rs system/Observation.r');
    for (const scope of intersectScopes(requested, allowed)) {
      for (const p of scope.permissions) {
        expect(hasPermission(allowed, scope.resourceType === '*' ? 'Anything' : scope.resourceType, p)).toBe(true);
      }
    }
  });
});

describe('assertPermission', () => {
  it('passes when a scope grants the permission and throws 403 otherwise', () => {
    const scopes = parseScopes('system/Patient.rs');
    expect(() => assertPermission(scopes, 'Patient', 'r')).not.toThrow();
    let caught: unknown;
    try {
      assertPermission(scopes, 'Patient', 'c');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(HubError);
    expect((caught as HubError).status).toBe(403);
    expect((caught as HubError).code).toBe('ACCESS_INSUFFICIENT_SCOPE');
    expect(() => assertPermission(scopes, 'Observation', 'r')).toThrow(HubError);
  });
});
