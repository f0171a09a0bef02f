import type { Coding, Consent, ConsentProvision, Resource } from '@medplum/fhirtypes';
import { categoryOfLabel, classifyResource, type SensitiveCategory } from './policy-sensitive.js';

/** https://hl7.org/fhir/R4/codesystem-consentscope.html */
export const CONSENT_SCOPE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/consentscope';
export const RESOURCE_TYPES_SYSTEM = 'http://hl7.org/fhir/resource-types';
const V3_ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';

/** The region's default when a patient has no applicable Consent (XIETONG_CONSENT_DEFAULT). */
export type ConsentDefault = 'opt-in' | 'opt-out';

/** What is being asked: may this institution see this resource, for this purpose, now? */
export interface ConsentQuestion {
  actorTenantId: string;
  /** v3-ActReason code; TREAT when the caller names none. */
  purpose: string;
  resourceType: string;
  /** Codings of the resource (for provision.code). */
  codings: readonly Coding[];
  categories: ReadonlySet<SensitiveCategory>;
  at: Date;
}

export interface ConsentVerdict {
  permit: boolean;
  /** consent: a Consent decided; region-default: none applied. */
  basis: 'consent' | 'region-default';
  consentId?: string;
  reason: string;
  /** Sensitive categories that kept a resource back although sharing is otherwise permitted. */
  withheld?: SensitiveCategory[];
}

interface Decision {
  type: 'permit' | 'deny';
  /** A provision with conditions matched (beats a blanket statement). */
  specific: boolean;
  /** Categories named by the permit provisions on the path to the decision. */
  named: Set<SensitiveCategory>;
}

function inPeriod(period: { start?: string; end?: string } | undefined, at: Date): boolean {
  if (!period) return true;
  if (period.start && Date.parse(period.start) > at.getTime()) return false;
  // An R4 end date without time covers that whole day.
  if (period.end) {
    const end = /^\d{4}-\d{2}-\d{2}$/.test(period.end) ? Date.parse(`${period.end}T23:59:59.999Z`) : Date.parse(period.end);
    if (end < at.getTime()) return false;
  }
  return true;
}

function sameCoding(a: Coding, b: Coding): boolean {
  return a.code === b.code && (a.system === undefined || b.system === undefined || a.system === b.system);
}

function hasConditions(p: ConsentProvision): boolean {
  return Boolean(p.actor?.length || p.purpose?.length || p.class?.length || p.code?.length || p.period || (p.type === 'deny' && p.securityLabel?.length));
}

function labelCategories(labels: readonly Coding[] | undefined): Set<SensitiveCategory> {
  const out = new Set<SensitiveCategory>();
  for (const label of labels ?? []) {
    const category = categoryOfLabel(label);
    if (category) out.add(category);
  }
  return out;
}

/**
 * Whether a provision's conditions hold for the question. A permit's
 * securityLabel is not a condition: it names the sensitive categories the
 * permit extends to. A deny's securityLabel is one: it denies those categories.
 */
function matches(p: ConsentProvision, q: ConsentQuestion): boolean {
  if (!inPeriod(p.period, q.at)) return false;
  if (p.actor?.length && !p.actor.some((a) => a.reference?.reference === `Organization/${q.actorTenantId}`)) return false;
  if (p.purpose?.length && !p.purpose.some((c) => c.code === q.purpose)) return false;
  if (p.class?.length && !p.class.some((c) => c.code === q.resourceType && (!c.system || c.system === RESOURCE_TYPES_SYSTEM))) return false;
  if (p.code?.length && !p.code.some((concept) => (concept.coding ?? []).some((c) => q.codings.some((r) => sameCoding(c, r))))) return false;
  if (p.type === 'deny' && p.securityLabel?.length) {
    const denied = labelCategories(p.securityLabel);
    if (![...q.categories].some((c) => denied.has(c))) return false;
  }
  return true;
}

/** Nested provisions are exceptions to their parent: the deepest matching one decides, deny among siblings first. */
function descend(p: ConsentProvision, q: ConsentQuestion, current: Decision): Decision {
  const children = (p.provision ?? []).filter((child) => matches(child, q));
  let best: Decision | undefined;
  for (const child of children) {
    const named = new Set(current.named);
    if ((child.type ?? current.type) === 'permit') for (const c of labelCategories(child.securityLabel)) named.add(c);
    const here: Decision = { type: child.type ?? current.type, specific: current.specific || hasConditions(child), named };
    const result = descend(child, q, here);
    if (!best || (result.type === 'deny' && best.type === 'permit')) best = result;
  }
  return best ?? current;
}

/** v3 ActCode OPTIN / OPTOUT as the Consent's base policy (R4 Consent.policyRule). */
function baseFromPolicyRule(consent: Consent): 'permit' | 'deny' | undefined {
  const codes = (consent.policyRule?.coding ?? []).filter((c) => !c.system || c.system === V3_ACT_CODE).map((c) => c.code);
  if (codes.includes('OPTIN')) return 'permit';
  if (codes.includes('OPTOUT')) return 'deny';
  return undefined;
}

/** One Consent's answer, or undefined when it says nothing about the question. */
export function evaluateConsent(consent: Consent, q: ConsentQuestion): Decision | undefined {
  if (consent.status !== 'active') return undefined;
  if (!consent.scope?.coding?.some((c) => c.code === 'patient-privacy' && (!c.system || c.system === CONSENT_SCOPE_SYSTEM))) return undefined;
  const root = consent.provision;
  const base = root?.type ?? baseFromPolicyRule(consent);
  if (!root) return base ? { type: base, specific: false, named: new Set() } : undefined;
  if (!inPeriod(root.period, q.at)) return undefined;
  if (!matches({ ...root, period: undefined }, q)) {
    // "Deny institution X" permits the others, and the reverse: the root rule does not cover this question.
    return root.type ? { type: root.type === 'permit' ? 'deny' : 'permit', specific: false, named: new Set() } : undefined;
  }
  const start: Decision = {
    type: base ?? 'deny',
    specific: hasConditions({ ...root, period: undefined }),
    named: base === 'permit' || root.type === 'permit' ? labelCategories(root.securityLabel) : new Set(),
  };
  const result = descend(root, q, start);
  // A grant ("deny, except permit X") whose exceptions do not apply says nothing about this question:
  // granting institution A leaves B to the patient's other statements or the region default.
  if (result === start && (root.provision?.length ?? 0) > 0 && !start.specific) return undefined;
  if (base === undefined && result === start) return undefined;
  return result;
}

function recency(consent: Consent): number {
  return Date.parse(consent.dateTime ?? consent.meta?.lastUpdated ?? '') || 0;
}

/**
 * Decides a question from all of a patient's Consents (pure). Among the
 * Consents that answer it the most recent wins (a specific provision beats a
 * blanket one of the same instant). A permitted resource in a sensitive
 * category is still withheld unless a permit on the deciding path names that
 * category. With no applicable Consent, the region default decides
 * (opt-out shares non-sensitive data; opt-in shares nothing).
 */
export function evaluateConsents(consents: readonly Consent[], q: ConsentQuestion, regionDefault: ConsentDefault): ConsentVerdict {
  let chosen: { consent: Consent; decision: Decision } | undefined;
  for (const consent of consents) {
    const decision = evaluateConsent(consent, q);
    if (!decision) continue;
    const newer = chosen ? recency(consent) - recency(chosen.consent) : 1;
    if (!chosen || newer > 0 || (newer === 0 && decision.specific && !chosen.decision.specific)) {
      chosen = { consent, decision };
    }
  }
  if (!chosen) {
    if (regionDefault === 'opt-in') return { permit: false, basis: 'region-default', reason: 'The patient has not consented to sharing (region default: opt-in)' };
    return withSensitive({ type: 'permit', specific: false, named: new Set() }, q, { basis: 'region-default', reason: 'Shared by the region default (opt-out); the patient has not objected' });
  }
  const { consent, decision } = chosen;
  if (decision.type === 'deny') return { permit: false, basis: 'consent', consentId: consent.id, reason: `Consent/${consent.id} does not permit sharing with this institution for ${q.purpose}` };
  return withSensitive(decision, q, { basis: 'consent', consentId: consent.id, reason: `Consent/${consent.id} permits sharing for ${q.purpose}` });
}

function withSensitive(decision: Decision, q: ConsentQuestion, verdict: Omit<ConsentVerdict, 'permit'>): ConsentVerdict {
  const withheld = [...q.categories].filter((c) => !decision.named.has(c));
  if (withheld.length === 0) return { permit: true, ...verdict };
  return { ...verdict, permit: false, withheld, reason: 'Sensitive data the consent does not name is withheld' };
}

/** Builds the question for a resource (classifies it once). */
export function questionFor(resource: Resource, actorTenantId: string, purpose: string, at = new Date()): ConsentQuestion {
  const record = resource as unknown as Record<string, unknown>;
  const codings: Coding[] = [];
  for (const element of ['code', 'category', 'type']) {
    const value = record[element];
    for (const concept of Array.isArray(value) ? value : [value]) {
      if (concept && typeof concept === 'object' && Array.isArray((concept as { coding?: unknown }).coding)) codings.push(...((concept as { coding: Coding[] }).coding));
    }
  }
  return { actorTenantId, purpose, resourceType: resource.resourceType, codings, categories: classifyResource(resource), at };
}
