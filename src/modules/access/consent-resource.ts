import type { CodeableConcept, Consent } from '@medplum/fhirtypes';
import { CONSENT_SCOPE_SYSTEM, RESOURCE_TYPES_SYSTEM } from './consent-evaluate.js';
import { labelForCategory, type SensitiveCategory } from './policy-sensitive.js';

const ACT_REASON = 'http://terminology.hl7.org/CodeSystem/v3-ActReason';
const PARTICIPATION_TYPE = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';
const LOINC = 'http://loinc.org';
/** Groups the copies of one patient decision held by each institution that has a record of the person. */
export const CONSENT_GRANT_ID_SYSTEM = 'https://xietong.dev/fhir/sid/consent-grant';

export interface ConsentGrant {
  /** Institutions (tenant ids = Organization ids) the patient shares with. */
  organizations: readonly string[];
  /** v3-ActReason purposes; default TREAT. */
  purposes?: readonly string[];
  /** Resource types shared; all when absent. */
  classes?: readonly string[];
  /** Sensitive categories the patient explicitly allows. */
  sensitiveCategories?: readonly SensitiveCategory[];
  period?: { start?: string; end?: string };
}

const scope: CodeableConcept = { coding: [{ system: CONSENT_SCOPE_SYSTEM, code: 'patient-privacy', display: 'Privacy Consent' }] };
// LOINC 59284-0 "Patient Consent": the category R4 examples use for privacy consents.
const category: CodeableConcept[] = [{ coding: [{ system: LOINC, code: '59284-0', display: 'Patient Consent' }] }];

/**
 * An R4 Consent (https://hl7.org/fhir/R4/consent.html) for a patient's grant:
 * scope patient-privacy, a root "deny" whose one nested "permit" names the
 * institutions as recipients (IRCP), the purposes, the data classes, the
 * sensitive categories (securityLabel) and the period.
 */
export function buildGrantConsent(patient: { id: string }, grant: ConsentGrant, grantId: string, now = new Date()): Consent {
  const permit: NonNullable<Consent['provision']> = {
    type: 'permit',
    actor: grant.organizations.map((org) => ({
      role: { coding: [{ system: PARTICIPATION_TYPE, code: 'IRCP', display: 'information recipient' }] },
      reference: { reference: `Organization/${org}` },
    })),
    purpose: (grant.purposes?.length ? grant.purposes : ['TREAT']).map((code) => ({ system: ACT_REASON, code })),
  };
  if (grant.classes?.length) permit.class = grant.classes.map((code) => ({ system: RESOURCE_TYPES_SYSTEM, code }));
  if (grant.sensitiveCategories?.length) permit.securityLabel = grant.sensitiveCategories.map(labelForCategory);
  return {
    resourceType: 'Consent',
    identifier: [{ system: CONSENT_GRANT_ID_SYSTEM, value: grantId }],
    status: 'active',
    scope,
    category,
    patient: { reference: `Patient/${patient.id}` },
    dateTime: now.toISOString(),
    policy: [{ uri: 'https://xietong.dev/policy/regional-sharing' }],
    provision: { type: 'deny', ...(grant.period ? { period: grant.period } : {}), provision: [permit] },
  };
}

/** The grant id of a Consent written by this hub, if any. */
export function grantIdOf(consent: Consent): string | undefined {
  return consent.identifier?.find((i) => i.system === CONSENT_GRANT_ID_SYSTEM)?.value;
}
