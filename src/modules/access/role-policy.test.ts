import { describe, expect, it } from 'vitest';
import type { RequestContext } from '../../platform/context/request-context.js';
import { HubError } from '../../platform/errors/index.js';
import { assertAnyScope, assertRole } from './role-guard.js';
import { CONSOLE_PAGES, ROLE_POLICY, USER_ROLES, pagesForRoles, scopesForRoles } from './role-policy.js';
import { hasPermission, parseScopes, parseScopesStrict } from './scopes.js';

const CLINICAL_TYPES = ['Patient', 'Observation', 'Condition', 'Encounter', 'DiagnosticReport', 'MedicationRequest', 'DocumentReference'];

function ctxFor(roles: string[], kind: 'user' | 'system' = 'user'): RequestContext {
  return {
    tenantId: 't1',
    actor: { kind, id: 'u1', roles },
    scopes: parseScopes(scopesForRoles(roles)),
    requestId: 'r1',
    baseUrl: 'http://hub.test',
  };
}

function codeOf(fn: () => void): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof HubError ? err.code : 'not a HubError';
  }
}

describe('role policy', () => {
  it('has exactly the roles of issue 4, each with valid SMART v2 scopes and known pages', () => {
    expect([...USER_ROLES]).toEqual([
      'clinician',
      'nurse',
      'referral-coordinator',
      'institution-admin',
      'regional-analyst',
      'privacy-officer',
      'auditor',
      'regional-admin',
      'patient',
    ]);
    for (const role of USER_ROLES) {
      const { unsupported } = parseScopesStrict(ROLE_POLICY[role].scopes);
      expect(unsupported, role).toEqual([]);
      for (const page of ROLE_POLICY[role].pages) expect(CONSOLE_PAGES, role).toContain(page);
      expect(ROLE_POLICY[role].pages, role).toContain('security'); // everyone manages their own second factor
    }
  });

  it('gives a clinician the whole record and a nurse read plus recording observations', () => {
    expect(scopesForRoles(['clinician'])).toBe('user/*.cruds');
    const nurse = parseScopes(scopesForRoles(['nurse']));
    expect(hasPermission(nurse, 'Condition', 'r')).toBe(true);
    expect(hasPermission(nurse, 'Observation', 'c')).toBe(true);
    expect(hasPermission(nurse, 'Condition', 'c')).toBe(false);
    expect(hasPermission(nurse, 'Patient', 'd')).toBe(false);
  });

  it('gives an analyst no FHIR scope at all: no identifiable record', () => {
    expect(scopesForRoles(['regional-analyst'])).toBe('');
    const scopes = parseScopes(scopesForRoles(['regional-analyst']));
    for (const type of [...CLINICAL_TYPES, 'AuditEvent']) expect(hasPermission(scopes, type, 'r'), type).toBe(false);
    expect(pagesForRoles(['regional-analyst'])).toEqual(['overview', 'analytics', 'security']);
  });

  it('lets an auditor read the audit log and nothing clinical', () => {
    const scopes = parseScopes(scopesForRoles(['auditor']));
    expect(hasPermission(scopes, 'AuditEvent', 'r')).toBe(true);
    expect(hasPermission(scopes, 'AuditEvent', 's')).toBe(true);
    expect(hasPermission(scopes, 'AuditEvent', 'u')).toBe(false);
    for (const type of CLINICAL_TYPES) expect(hasPermission(scopes, type, 'r'), type).toBe(false);
    expect(pagesForRoles(['auditor'])).toEqual(['audit', 'security']);
  });

  it('keeps admins away from patient data', () => {
    for (const role of ['institution-admin', 'regional-admin']) {
      const scopes = parseScopes(scopesForRoles([role]));
      for (const type of CLINICAL_TYPES) expect(hasPermission(scopes, type, 'r'), `${role} ${type}`).toBe(false);
      expect(hasPermission(scopes, 'Organization', 'u')).toBe(true);
      expect(pagesForRoles([role])).toContain('users');
    }
    expect(pagesForRoles(['clinician'])).not.toContain('users');
  });

  it('gives a patient patient-context read and search only', () => {
    expect(scopesForRoles(['patient'])).toBe('patient/*.rs');
    expect(parseScopes(scopesForRoles(['patient'])).every((s) => s.context === 'patient')).toBe(true);
    expect(pagesForRoles(['patient'])).toEqual(['consent', 'security']);
  });

  it('unions several roles without duplicates, and drops what a wildcard covers', () => {
    expect(scopesForRoles(['clinician', 'nurse'])).toBe('user/*.cruds');
    const both = scopesForRoles(['auditor', 'privacy-officer']).split(' ').sort();
    expect(both).toEqual(['user/AuditEvent.rs', 'user/Consent.rs', 'user/Patient.rs']);
    expect(pagesForRoles(['auditor', 'regional-analyst'])).toEqual(['overview', 'analytics', 'audit', 'security']);
  });

  it('grants nothing for unknown roles', () => {
    expect(scopesForRoles(['superuser'])).toBe('');
    expect(pagesForRoles(['superuser', 'admin'])).toEqual([]);
  });
});

describe('role guard', () => {
  it('assertRole passes a holder and refuses others and system clients with 403', () => {
    expect(codeOf(() => assertRole(ctxFor(['auditor']), ['auditor', 'privacy-officer']))).toBeUndefined();
    expect(codeOf(() => assertRole(ctxFor(['clinician']), ['auditor']))).toBe('ACCESS_ROLE_FORBIDDEN');
    expect(codeOf(() => assertRole(ctxFor(['auditor'], 'system'), ['auditor']))).toBe('ACCESS_ROLE_FORBIDDEN');
  });

  it('assertAnyScope needs every permission of one listed scope, in the same context', () => {
    expect(codeOf(() => assertAnyScope(ctxFor(['auditor']), ['user/AuditEvent.rs']))).toBeUndefined();
    expect(codeOf(() => assertAnyScope(ctxFor(['auditor']), ['user/AuditEvent.crs']))).toBe('ACCESS_INSUFFICIENT_SCOPE');
    expect(codeOf(() => assertAnyScope(ctxFor(['auditor']), ['user/Observation.r', 'user/AuditEvent.r']))).toBeUndefined();
    expect(codeOf(() => assertAnyScope(ctxFor(['patient']), ['user/Observation.r']))).toBe('ACCESS_INSUFFICIENT_SCOPE');
    expect(codeOf(() => assertAnyScope(ctxFor(['regional-analyst']), ['user/Patient.r']))).toBe('ACCESS_INSUFFICIENT_SCOPE');
  });

  it('refuses a malformed scope as a programming error, not a 403', () => {
    expect(() => assertAnyScope(ctxFor(['clinician']), ['openid'])).toThrow(/not a SMART v2 resource scope/);
  });
});
