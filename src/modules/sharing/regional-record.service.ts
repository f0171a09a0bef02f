import type { Resource } from '@medplum/fhirtypes';
import type { RequestContext } from '../../platform/context/request-context.js';
import { HubError } from '../../platform/errors/index.js';
import type { Db } from '../../platform/storage/index.js';
import { assertPermission, decideAccess, hasPermission, linkedRecordsFor, recordBreakGlassUses, type AccessBasis, type ConsentDefault } from '../access/index.js';
import { recordAccesses, type AccessRecord } from '../audit/index.js';
import { SharingErrors } from './errors.js';
import { patientRecordExists, selectCompartment, selectInstitutionNames } from './regional-record.repo.js';

/** Resources read per institution's compartment. */
const COMPARTMENT_LIMIT = 2000;
/** Resource references kept in one AuditEvent; the rest are counted in its text. */
const AUDITED_REFERENCES = 200;

export interface InstitutionRecord {
  tenantId: string;
  name?: string;
  patientId: string;
  own: boolean;
  /** full: everything shown; partial: some withheld; none: everything withheld. */
  access: 'full' | 'partial' | 'none';
  /** Why nothing could be shown, when that is about the caller (not the content): no-care-relationship or consent-denied. */
  hint?: 'no-care-relationship' | 'consent-denied';
  /** Shown under break-the-glass. */
  breakGlass?: boolean;
  resources: Resource[];
  /** How many resources were withheld; never which or why. */
  withheld: number;
}

export interface RegionalRecord {
  patient: { tenantId: string; id: string };
  purposeOfUse: string;
  institutions: InstitutionRecord[];
  withheld: number;
}

interface Evaluated {
  institution: InstitutionRecord;
  bases: AccessBasis[];
  breakGlassId?: string;
}

/**
 * The regional record: the caller's own records of a patient plus the other
 * institutions' records of the same person that the access decision permits,
 * each under its institution, with withheld counts that reveal no content.
 * Every institution's disclosure or denial is audited, and accesses under
 * break-the-glass are queued for review, in one transaction.
 */
export async function readRegionalRecord(
  db: Db,
  ctx: RequestContext,
  start: { tenantId: string; id: string },
  options: { consentDefault: ConsentDefault },
): Promise<RegionalRecord> {
  assertPermission(ctx.scopes, 'Patient', 'r');
  if (!(await patientRecordExists(db, start.tenantId, start.id))) {
    throw new HubError(SharingErrors.PATIENT_NOT_FOUND, `Patient/${start.id} not found at institution ${start.tenantId}`);
  }
  const records = await linkedRecordsFor(db, ctx, start);
  const evaluated: Evaluated[] = [];
  for (const record of records) {
    const resources = await selectCompartment(db, record.tenantId, record.id, COMPARTMENT_LIMIT);
    const shown: Resource[] = [];
    const bases: AccessBasis[] = [];
    let withheld = 0;
    let breakGlassId: string | undefined;
    for (const resource of resources) {
      // Scopes first: a type the token cannot read is simply not part of the answer.
      if (!hasPermission(ctx.scopes, resource.resourceType, 'r')) continue;
      const decision = await decideAccess(db, ctx, { ownerTenantId: record.tenantId, resourceType: resource.resourceType, resource, patient: record }, { consentDefault: options.consentDefault });
      bases.push(decision.basis);
      if (decision.permit) {
        shown.push(resource);
        breakGlassId ??= decision.breakGlassId;
      } else withheld++;
    }
    const own = record.tenantId === ctx.tenantId;
    const denials = bases.filter((b) => b === 'no-care-relationship' || b === 'consent-denied');
    evaluated.push({
      bases,
      breakGlassId,
      institution: {
        tenantId: record.tenantId, patientId: record.id, own,
        access: withheld === 0 ? 'full' : shown.length === 0 ? 'none' : 'partial',
        ...(shown.length === 0 && denials.length > 0 ? { hint: denials[0] as 'no-care-relationship' | 'consent-denied' } : {}),
        ...(breakGlassId ? { breakGlass: true } : {}),
        resources: shown,
        withheld,
      },
    });
  }
  const names = await selectInstitutionNames(db, evaluated.map((e) => e.institution.tenantId));
  for (const e of evaluated) if (names.has(e.institution.tenantId)) e.institution.name = names.get(e.institution.tenantId);
  evaluated.sort((a, b) => Number(b.institution.own) - Number(a.institution.own) || a.institution.tenantId.localeCompare(b.institution.tenantId));
  await auditRegionalRecord(db, ctx, evaluated);
  return {
    patient: start,
    purposeOfUse: ctx.purposeOfUse ?? 'TREAT',
    institutions: evaluated.map((e) => e.institution),
    withheld: evaluated.reduce((sum, e) => sum + e.institution.withheld, 0),
  };
}

async function auditRegionalRecord(db: Db, ctx: RequestContext, evaluated: readonly Evaluated[]): Promise<void> {
  const records: AccessRecord[] = [];
  for (const { institution, bases, breakGlassId } of evaluated) {
    const patient = { tenantId: institution.tenantId, id: institution.patientId };
    if (institution.resources.length > 0) {
      const refs = institution.resources.map((r) => ({ type: r.resourceType, id: r.id! }));
      const basis = breakGlassId ? 'break-glass' : bases.find((b) => b !== 'no-care-relationship' && b !== 'consent-denied' && b !== 'sensitive-withheld');
      records.push({
        action: 'R', subtype: '$regional-record', patient, outcome: 'success', basis,
        resources: refs.slice(0, AUDITED_REFERENCES),
        ...(breakGlassId ? { purposeOfUse: 'ETREAT' } : {}),
        detail: `${refs.length} shown${refs.length > AUDITED_REFERENCES ? ` (first ${AUDITED_REFERENCES} listed)` : ''}, ${institution.withheld} withheld`,
      });
    }
    if (institution.withheld > 0) {
      const basis = bases.find((b) => b === 'no-care-relationship') ?? bases.find((b) => b === 'consent-denied') ?? 'sensitive-withheld';
      records.push({ action: 'R', subtype: '$regional-record', patient, outcome: 'denied', basis, detail: `${institution.withheld} withheld (${basis})` });
    }
  }
  await db.transaction(async (tx) => {
    await recordAccesses(tx, ctx, records);
    for (const { institution, breakGlassId } of evaluated) {
      if (!breakGlassId || institution.own) continue;
      await recordBreakGlassUses(tx, breakGlassId, institution.resources.map((r) => ({ ownerTenantId: institution.tenantId, resourceType: r.resourceType, resourceId: r.id })));
    }
  });
}
