import type { Consent } from '@medplum/fhirtypes';
import { randomUUID } from 'node:crypto';
import type { RequestContext } from '../../platform/context/request-context.js';
import { HubError } from '../../platform/errors/index.js';
import type { Db, Tx } from '../../platform/storage/index.js';
import {
  buildGrantConsent, categoryOfLabel, ConsentErrors, findLinkedPatientRecords, findPatientConsents, forgetPatientFacts, grantIdOf,
  patientRecordExists, SENSITIVE_CATEGORIES, type ConsentGrant, type PatientRecordRef, type SensitiveCategory,
} from '../access/index.js';
import { recordAccess } from '../audit/index.js';
import { createResource, updateResource } from '../fhir-store/index.js';
import { listInstitutions as selectAllInstitutions, selectInstitutionNames } from './regional-record.repo.js';

/** Purposes of use a patient can consent to (v3-ActReason codes). */
export const CONSENT_PURPOSES = ['TREAT', 'ETREAT', 'CAREMGT', 'HPAYMT', 'HOPERAT', 'PUBHLTH', 'HRESCH'] as const;

/**
 * Who the patient-facing API acts for. A person signed in with the patient
 * role is their own record (ctx.patient). Until every deployment has patient
 * accounts, the institution holding the record may act for the patient with a
 * system token and an explicit Patient id of its own (e.g. a kiosk or the
 * patient's app behind the institution's portal).
 */
export async function resolvePatientCaller(db: Db, ctx: RequestContext, explicitId?: unknown): Promise<PatientRecordRef> {
  if (ctx.patient) {
    if (explicitId !== undefined && explicitId !== ctx.patient.id) {
      throw new HubError(ConsentErrors.PATIENT_CONTEXT_REQUIRED, 'A patient can act only for their own record');
    }
    return ctx.patient;
  }
  if (ctx.actor.kind !== 'system') throw new HubError(ConsentErrors.PATIENT_CONTEXT_REQUIRED, 'The patient API needs a patient sign-in (or a system token of the institution holding the record)');
  if (typeof explicitId !== 'string' || !/^[A-Za-z0-9\-.]{1,64}$/.test(explicitId)) {
    throw new HubError(ConsentErrors.INVALID_CONSENT_REQUEST, 'A system token must name the Patient: ?patient=<id>', { expression: ['patient'] });
  }
  const record = { tenantId: ctx.tenantId, id: explicitId };
  if (!(await patientRecordExists(db, record))) throw new HubError(ConsentErrors.PATIENT_NOT_FOUND, `Patient/${explicitId} not found`);
  return record;
}

export interface ConsentSummary {
  grantId: string;
  status: string;
  dateTime?: string;
  organizations: Array<{ id: string; name?: string }>;
  purposes: string[];
  classes: string[];
  sensitiveCategories: SensitiveCategory[];
  period?: { start?: string; end?: string };
  /** The Consent resources (one per institution holding a record of the person). */
  copies: Array<{ tenantId: string; id: string }>;
}

function summarize(grantId: string, consents: Array<{ tenantId: string; consent: Consent }>, names: Map<string, string>): ConsentSummary {
  const { consent } = consents[0];
  const permit = consent.provision?.provision?.find((p) => p.type === 'permit') ?? consent.provision;
  const orgs = (permit?.actor ?? []).map((a) => a.reference?.reference?.replace(/^Organization\//, '') ?? '').filter(Boolean);
  return {
    grantId,
    status: consent.status,
    ...(consent.dateTime ? { dateTime: consent.dateTime } : {}),
    organizations: orgs.map((id) => ({ id, ...(names.has(id) ? { name: names.get(id) } : {}) })),
    purposes: (permit?.purpose ?? []).map((c) => c.code ?? '').filter(Boolean),
    classes: (permit?.class ?? []).map((c) => c.code ?? '').filter(Boolean),
    sensitiveCategories: (permit?.securityLabel ?? []).map(categoryOfLabel).filter((c): c is SensitiveCategory => c !== undefined),
    ...(consent.provision?.period ? { period: consent.provision.period } : {}),
    copies: consents.map((c) => ({ tenantId: c.tenantId, id: c.consent.id! })),
  };
}

/** The person's privacy consents across the region, one entry per decision, newest first. */
export async function listMyConsents(db: Db, me: PatientRecordRef): Promise<ConsentSummary[]> {
  const records = await findLinkedPatientRecords(db, me);
  const stored = await findPatientConsents(db, records);
  const groups = new Map<string, Array<{ tenantId: string; consent: Consent }>>();
  for (const s of stored) {
    const key = grantIdOf(s.consent) ?? `${s.tenantId}/${s.consent.id}`;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  const orgIds = new Set<string>();
  for (const list of groups.values()) for (const a of list[0].consent.provision?.provision?.[0]?.actor ?? []) orgIds.add(a.reference?.reference?.replace(/^Organization\//, '') ?? '');
  const names = await selectInstitutionNames(db, [...orgIds]);
  return [...groups.entries()].map(([key, list]) => summarize(key, list, names)).sort((a, b) => (b.dateTime ?? '').localeCompare(a.dateTime ?? ''));
}

function readStringList(value: unknown, name: string, allowed?: readonly string[], pattern?: RegExp): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new HubError(ConsentErrors.INVALID_CONSENT_REQUEST, `${name} must be an array of strings`, { expression: [name] });
  }
  for (const v of value as string[]) {
    if ((allowed && !allowed.includes(v)) || (pattern && !pattern.test(v))) {
      throw new HubError(ConsentErrors.INVALID_CONSENT_REQUEST, `${name}: "${v}" is not allowed${allowed ? ` (one of ${allowed.join(', ')})` : ''}`, { expression: [name] });
    }
  }
  return [...new Set(value as string[])];
}

const FHIR_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}))?$/;

async function readGrant(db: Db, body: unknown): Promise<ConsentGrant> {
  const b = (typeof body === 'object' && body !== null && !Array.isArray(body) ? body : undefined) as Record<string, unknown> | undefined;
  if (!b) throw new HubError(ConsentErrors.INVALID_CONSENT_REQUEST, 'Send JSON {"organizations": ["<institution id>"], ...}');
  const organizations = readStringList(b.organizations, 'organizations');
  if (!organizations?.length) throw new HubError(ConsentErrors.INVALID_CONSENT_REQUEST, 'organizations must name at least one institution', { expression: ['organizations'] });
  const known = await selectInstitutionNames(db, organizations);
  const unknown = organizations.find((o) => !known.has(o));
  if (unknown) throw new HubError(ConsentErrors.INVALID_CONSENT_REQUEST, `organizations: no institution "${unknown}"`, { expression: ['organizations'] });
  const purposes = readStringList(b.purposes, 'purposes', CONSENT_PURPOSES);
  const classes = readStringList(b.classes, 'classes', undefined, /^[A-Z][A-Za-z]{1,63}$/);
  const sensitiveCategories = readStringList(b.sensitiveCategories, 'sensitiveCategories', SENSITIVE_CATEGORIES) as SensitiveCategory[] | undefined;
  let period: ConsentGrant['period'];
  if (b.period !== undefined) {
    const p = b.period as Record<string, unknown> | null;
    const ok = (v: unknown) => v === undefined || (typeof v === 'string' && FHIR_DATE.test(v) && !Number.isNaN(Date.parse(v)));
    if (!p || typeof p !== 'object' || !ok(p.start) || !ok(p.end)) {
      throw new HubError(ConsentErrors.INVALID_CONSENT_REQUEST, 'period must be {"start"?: date, "end"?: date} (FHIR date or dateTime)', { expression: ['period'] });
    }
    if (typeof p.start === 'string' && typeof p.end === 'string' && Date.parse(p.end) < Date.parse(p.start)) {
      throw new HubError(ConsentErrors.INVALID_CONSENT_REQUEST, 'period.end is before period.start', { expression: ['period.end'] });
    }
    period = { ...(p.start ? { start: p.start as string } : {}), ...(p.end ? { end: p.end as string } : {}) };
  }
  return { organizations, purposes, classes, sensitiveCategories, period };
}

/** Lets fhir-store's Db-taking writes join an open transaction (they only call db.transaction). */
function joinTransaction(tx: Tx, engine: Db['engine']): Db {
  return { engine, query: tx.query.bind(tx), exec: tx.exec.bind(tx), transaction: (fn) => fn(tx), close: async () => {} };
}

/**
 * The patient grants sharing: one Consent per institution holding a record of
 * the person (same grant identifier), written with the audit record in one
 * transaction. Takes effect on the next request.
 */
export async function grantConsent(db: Db, ctx: RequestContext, me: PatientRecordRef, body: unknown): Promise<ConsentSummary> {
  const grant = await readGrant(db, body);
  const grantId = randomUUID();
  await db.transaction(async (tx) => {
    const inTx = joinTransaction(tx, db.engine);
    for (const record of await findLinkedPatientRecords(tx, me)) {
      const written = await createResource(inTx, { ...ctx, tenantId: record.tenantId }, buildGrantConsent(record, grant, grantId), 'Consent');
      await recordAccess(tx, ctx, { action: 'C', subtype: 'consent-grant', patient: record, resources: [{ type: 'Consent', id: written.id! }], outcome: 'success', detail: `grant ${grantId}` });
    }
  });
  forgetPatientFacts(ctx);
  const summary = (await listMyConsents(db, me)).find((c) => c.grantId === grantId);
  return summary!;
}

/**
 * Withdraws a grant (by grant id or by the id of one of its Consents): every
 * copy becomes `inactive` (https://hl7.org/fhir/R4/valueset-consent-state-codes.html).
 * No cache outlives a request, so the next request sees it.
 */
export async function withdrawConsent(db: Db, ctx: RequestContext, me: PatientRecordRef, id: string): Promise<ConsentSummary> {
  const records = await findLinkedPatientRecords(db, me);
  const stored = await findPatientConsents(db, records);
  const target = stored.find((s) => grantIdOf(s.consent) === id || s.consent.id === id);
  if (!target) throw new HubError(ConsentErrors.CONSENT_NOT_FOUND, `No consent ${id} of this patient`);
  const grantId = grantIdOf(target.consent);
  const copies = grantId ? stored.filter((s) => grantIdOf(s.consent) === grantId) : [target];
  await db.transaction(async (tx) => {
    const inTx = joinTransaction(tx, db.engine);
    for (const copy of copies) {
      if (copy.consent.status === 'inactive') continue;
      await updateResource(inTx, { ...ctx, tenantId: copy.tenantId }, 'Consent', copy.consent.id!, { ...copy.consent, status: 'inactive' });
      const patientId = copy.consent.patient?.reference?.replace(/^Patient\//, '');
      await recordAccess(tx, ctx, {
        action: 'U', subtype: 'consent-withdraw', outcome: 'success', resources: [{ type: 'Consent', id: copy.consent.id! }],
        ...(patientId ? { patient: { tenantId: copy.tenantId, id: patientId } } : {}), detail: `withdraw ${grantId ?? copy.consent.id}`,
      });
    }
  });
  forgetPatientFacts(ctx);
  const key = grantId ?? `${target.tenantId}/${target.consent.id}`;
  return (await listMyConsents(db, me)).find((c) => c.grantId === key)!;
}

/** The region's institutions, for choosing whom to share with. */
export async function listInstitutions(db: Db): Promise<Array<{ id: string; name: string; kind: string }>> {
  return selectAllInstitutions(db);
}
