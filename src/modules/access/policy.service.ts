import type { Consent, Resource } from '@medplum/fhirtypes';
import type { RequestContext } from '../../platform/context/request-context.js';
import type { Queryable } from '../../platform/storage/index.js';
import { selectActiveGrant, type BreakGlassGrant } from './break-glass.repo.js';
import { selectCareRelationship } from './care-relationship.repo.js';
import { evaluateConsents, questionFor, type ConsentDefault } from './consent-evaluate.js';
import { selectConsents } from './consent.repo.js';
import { findLinkedPatientRecords, type PatientRecordRef } from './policy-linked-records.js';
import type { SensitiveCategory } from './policy-sensitive.js';

export type AccessBasis =
  | 'own-institution'
  | 'consent'
  | 'region-default'
  | 'break-glass'
  | 'no-care-relationship'
  | 'consent-denied'
  | 'sensitive-withheld';

export interface AccessDecision {
  permit: boolean;
  /** Human text for logs and the audit trail; never shown with withheld content. */
  reason: string;
  basis: AccessBasis;
  /** Sensitive categories that kept the resource back. */
  withheld?: SensitiveCategory[];
  /** The grant in force when basis is break-glass (its use must be recorded). */
  breakGlassId?: string;
  consentId?: string;
}

export interface AccessQuestion {
  /** The institution holding the resource. */
  ownerTenantId: string;
  resourceType: string;
  resource: Resource;
  /** The Patient record (in the owner's tenant) the resource belongs to. */
  patient: PatientRecordRef;
}

export interface PolicyOptions {
  /** The region's default (config XIETONG_CONSENT_DEFAULT). */
  consentDefault?: ConsentDefault;
  now?: Date;
}

/** What the decision needs about one person, read once per request. */
interface PatientFacts {
  records: PatientRecordRef[];
  careRelationship: string | undefined;
  consents: Consent[];
  breakGlass: BreakGlassGrant | undefined;
}

/**
 * Request-scoped cache: keyed by the request's ctx object, so it lives exactly
 * as long as the request. A withdrawal is seen by the next request.
 */
const requestCache = new WeakMap<RequestContext, Map<string, Promise<PatientFacts>>>();

async function loadFacts(db: Queryable, ctx: RequestContext, patient: PatientRecordRef, now: Date): Promise<PatientFacts> {
  const records = await findLinkedPatientRecords(db, patient);
  const [careRelationship, stored, breakGlass] = await Promise.all([
    selectCareRelationship(db, ctx.tenantId, records, now),
    selectConsents(db, records),
    ctx.actor.kind === 'user' ? selectActiveGrant(db, ctx.tenantId, ctx.actor.id, records, now) : Promise.resolve(undefined),
  ]);
  return { records, careRelationship, consents: stored.map((s) => s.consent), breakGlass };
}

function factsFor(db: Queryable, ctx: RequestContext, patient: PatientRecordRef, now: Date): Promise<PatientFacts> {
  let perRequest = requestCache.get(ctx);
  if (!perRequest) {
    perRequest = new Map();
    requestCache.set(ctx, perRequest);
  }
  const key = `${patient.tenantId}/${patient.id}`;
  let facts = perRequest.get(key);
  if (!facts) {
    facts = loadFacts(db, ctx, patient, now);
    perRequest.set(key, facts);
    facts.catch(() => perRequest!.delete(key));
  }
  return facts;
}

/** Forgets what this request learnt about a patient (after the request itself changed a consent or a grant). */
export function forgetPatientFacts(ctx: RequestContext): void {
  requestCache.delete(ctx);
}

/** The Patient records of the same person (cached for the request). */
export async function linkedRecordsFor(db: Queryable, ctx: RequestContext, patient: PatientRecordRef, options: PolicyOptions = {}): Promise<PatientRecordRef[]> {
  return (await factsFor(db, ctx, patient, options.now ?? new Date())).records;
}

/**
 * The one access decision: may the caller see this resource? Own institution:
 * yes (scopes are checked elsewhere). Another institution's: an active
 * break-the-glass grant of the caller for this person permits; otherwise the
 * caller's institution needs a care relationship with the person AND the
 * patient's Consent (or the region default) must permit sharing with it for
 * the purpose of use (TREAT by default), and sensitive categories must be
 * named by that consent.
 */
export async function decideAccess(db: Queryable, ctx: RequestContext, question: AccessQuestion, options: PolicyOptions = {}): Promise<AccessDecision> {
  if (question.ownerTenantId === ctx.tenantId) return { permit: true, basis: 'own-institution', reason: "The caller's own institution holds the record" };
  const now = options.now ?? new Date();
  const facts = await factsFor(db, ctx, question.patient, now);
  if (facts.breakGlass) {
    return { permit: true, basis: 'break-glass', breakGlassId: facts.breakGlass.id, reason: `Break-the-glass grant ${facts.breakGlass.id} until ${facts.breakGlass.expiresAt.toISOString()}` };
  }
  if (!facts.careRelationship) {
    return { permit: false, basis: 'no-care-relationship', reason: "The caller's institution has no care relationship with the patient" };
  }
  const verdict = evaluateConsents(facts.consents, questionFor(question.resource, ctx.tenantId, ctx.purposeOfUse ?? 'TREAT', now), options.consentDefault ?? 'opt-in');
  if (verdict.permit) return { permit: true, basis: verdict.basis, reason: verdict.reason, ...(verdict.consentId ? { consentId: verdict.consentId } : {}) };
  if (verdict.withheld) return { permit: false, basis: 'sensitive-withheld', reason: verdict.reason, withheld: verdict.withheld, ...(verdict.consentId ? { consentId: verdict.consentId } : {}) };
  return { permit: false, basis: 'consent-denied', reason: verdict.reason, ...(verdict.consentId ? { consentId: verdict.consentId } : {}) };
}
