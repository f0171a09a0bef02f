import type { Consent } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { evaluateConsents, questionFor, type ConsentDefault } from './consent-evaluate.js';
import { buildGrantConsent } from './consent-resource.js';

const AT = new Date('2026-11-24T12:00:00Z');
const plain = { resourceType: 'Observation', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '718-7' }] } } as const;
const hiv = { resourceType: 'Observation', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '7917-8' }] } } as const;
const psyLabelled = { resourceType: 'Condition', meta: { security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'PSY' }] }, code: { text: 'x' } } as const;
const depression = { resourceType: 'Condition', code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10', code: 'F32.1' }] } } as const;

function grant(orgs: string[], extra: Partial<Parameters<typeof buildGrantConsent>[1]> = {}, when = '2026-11-01T00:00:00Z', id = 'g'): Consent {
  return { ...buildGrantConsent({ id: 'p1' }, { organizations: orgs, ...extra }, id, new Date(when)), id };
}
const denyAll = (when: string, id = 'deny'): Consent => ({
  resourceType: 'Consent', id, status: 'active', dateTime: when,
  scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
  category: [{ text: 'privacy' }], provision: { type: 'deny' },
});

interface Row {
  name: string;
  consents: Consent[];
  resource: Record<string, unknown>;
  actor?: string;
  purpose?: string;
  regionDefault?: ConsentDefault;
  permit: boolean;
  basis: 'consent' | 'region-default';
  withheld?: string[];
}

const table: Row[] = [
  { name: 'no consent, opt-in region: denied', consents: [], resource: plain, permit: false, basis: 'region-default' },
  { name: 'no consent, opt-out region: shared', consents: [], resource: plain, regionDefault: 'opt-out', permit: true, basis: 'region-default' },
  { name: 'no consent, opt-out region: sensitive withheld', consents: [], resource: hiv, regionDefault: 'opt-out', permit: false, basis: 'region-default', withheld: ['hiv-sti'] },
  { name: 'grant to A, asked by A: permit', consents: [grant(['A'])], resource: plain, permit: true, basis: 'consent' },
  { name: 'grant to A, asked by B (opt-in): denied by default', consents: [grant(['A'])], resource: plain, actor: 'B', permit: false, basis: 'region-default' },
  { name: 'grant to A, asked by B (opt-out): shared by default', consents: [grant(['A'])], resource: plain, actor: 'B', regionDefault: 'opt-out', permit: true, basis: 'region-default' },
  { name: 'grant to A for TREAT, asked for HRESCH: denied', consents: [grant(['A'])], resource: plain, purpose: 'HRESCH', permit: false, basis: 'region-default' },
  { name: 'grant to A for HRESCH, asked for HRESCH: permit', consents: [grant(['A'], { purposes: ['HRESCH'] })], resource: plain, purpose: 'HRESCH', permit: true, basis: 'consent' },
  { name: 'grant without HIV, HIV lab by LOINC: withheld', consents: [grant(['A'])], resource: hiv, permit: false, basis: 'consent', withheld: ['hiv-sti'] },
  { name: 'grant naming hiv-sti, HIV lab: permit', consents: [grant(['A'], { sensitiveCategories: ['hiv-sti'] })], resource: hiv, permit: true, basis: 'consent' },
  { name: 'grant naming hiv-sti, PSY-labelled condition: withheld', consents: [grant(['A'], { sensitiveCategories: ['hiv-sti'] })], resource: psyLabelled, permit: false, basis: 'consent', withheld: ['mental-health'] },
  { name: 'ICD-10 F32 is mental health: withheld', consents: [grant(['A'])], resource: depression, permit: false, basis: 'consent', withheld: ['mental-health'] },
  { name: 'grant for Observation only, asked for Condition: no say', consents: [grant(['A'], { classes: ['Observation'] })], resource: { resourceType: 'Condition', code: { text: 'flu' } }, permit: false, basis: 'region-default' },
  { name: 'grant for Observation only, asked for Observation', consents: [grant(['A'], { classes: ['Observation'] })], resource: plain, permit: true, basis: 'consent' },
  { name: 'grant expired: no say', consents: [grant(['A'], { period: { end: '2026-11-20' } })], resource: plain, permit: false, basis: 'region-default' },
  { name: 'grant not yet started: no say', consents: [grant(['A'], { period: { start: '2026-12-01' } })], resource: plain, permit: false, basis: 'region-default' },
  { name: 'grant ends today (date): still valid', consents: [grant(['A'], { period: { end: '2026-11-24' } })], resource: plain, permit: true, basis: 'consent' },
  { name: 'withdrawn grant (inactive): no say', consents: [{ ...grant(['A']), status: 'inactive' }], resource: plain, regionDefault: 'opt-in', permit: false, basis: 'region-default' },
  { name: 'older grant, newer deny-all: deny', consents: [grant(['A']), denyAll('2026-11-10T00:00:00Z')], resource: plain, permit: false, basis: 'consent' },
  { name: 'older deny-all, newer grant: permit for A', consents: [denyAll('2026-10-01T00:00:00Z'), grant(['A'])], resource: plain, permit: true, basis: 'consent' },
  { name: 'older deny-all, newer grant: still deny for B', consents: [denyAll('2026-10-01T00:00:00Z'), grant(['A'])], resource: plain, actor: 'B', regionDefault: 'opt-out', permit: false, basis: 'consent' },
  { name: 'opt-out region, deny-all consent: deny', consents: [denyAll('2026-10-01T00:00:00Z')], resource: plain, regionDefault: 'opt-out', permit: false, basis: 'consent' },
  { name: 'two grants (A, then B): A still permitted', consents: [grant(['A'], {}, '2026-11-01T00:00:00Z', 'a'), grant(['B'], {}, '2026-11-02T00:00:00Z', 'b')], resource: plain, permit: true, basis: 'consent' },
  {
    name: 'nested deny of mental health inside a permit',
    consents: [{
      resourceType: 'Consent', id: 'n', status: 'active', dateTime: '2026-11-01T00:00:00Z',
      scope: { coding: [{ code: 'patient-privacy' }] }, category: [{ text: 'x' }],
      provision: { type: 'permit', securityLabel: [{ code: 'PSY' }], provision: [{ type: 'deny', actor: [{ role: { text: 'r' }, reference: { reference: 'Organization/A' } }], securityLabel: [{ code: 'PSY' }] }] },
    }],
    resource: depression, regionDefault: 'opt-in', permit: false, basis: 'consent',
  },
  {
    name: 'root permit naming PSY (OPTIN policy): others see mental health',
    consents: [{ resourceType: 'Consent', id: 'o', status: 'active', policyRule: { coding: [{ code: 'OPTIN' }] }, scope: { coding: [{ code: 'patient-privacy' }] }, category: [{ text: 'x' }], provision: { securityLabel: [{ code: 'PSY' }] } }],
    resource: depression, actor: 'Z', permit: true, basis: 'consent',
  },
  {
    name: 'a treatment-scope consent is not a privacy consent',
    consents: [{ ...grant(['A']), scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'treatment' }] } }],
    resource: plain, permit: false, basis: 'region-default',
  },
];

describe('evaluateConsents', () => {
  it.each(table)('$name', (row) => {
    const q = questionFor(row.resource as never, row.actor ?? 'A', row.purpose ?? 'TREAT', AT);
    const verdict = evaluateConsents(row.consents, q, row.regionDefault ?? 'opt-in');
    expect(verdict.permit).toBe(row.permit);
    expect(verdict.basis).toBe(row.basis);
    if (row.withheld) expect(verdict.withheld).toEqual(row.withheld);
    else expect(verdict.withheld).toBeUndefined();
  });
});
