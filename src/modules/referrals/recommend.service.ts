import type { Patient } from '@medplum/fhirtypes';
import type { RequestContext } from '../../platform/context/request-context.js';
import { HubError } from '../../platform/errors/index.js';
import type { Queryable } from '../../platform/storage/index.js';
import { ReferralErrors } from './errors.js';
import {
  GENERAL_SPECIALTIES, selectAgreementReceivers, selectBeds, selectEncountersByResidentId, selectFreeSlots, selectInstitutions,
  selectPositions, selectReferralsByPatientKey, selectTenantsWithSpecialty,
} from './recommend.repo.js';
import { distanceKm, rankCandidates, type CandidateFacts, type Recommendation } from './recommend-score.js';
import { assertMayAct } from './referral-access.js';
import { RESIDENT_ID_SYSTEM, RESIDENT_ID_SYSTEM_PREFIX } from './referral-fhir.js';
import { parsePriority, parseSpecialty } from './referral-input.js';
import { selectResource } from './referral.repo.js';
import { patientKeyFor } from './referral.service.js';

const HORIZON_DAYS = 14;

/**
 * `$recommend`: ranks the institutions that could receive a referral for
 * `specialty` from the caller's institution, by specialty match, capacity
 * (free Slots, free beds), expected wait (earliest free Slot), distance,
 * consortium agreements and the patient's previous care, each explained.
 * Capacity is read from the Schedule / Slot / Location resources institutions post.
 */
export async function recommendReceivers(db: Queryable, ctx: RequestContext, body: unknown, now = new Date()): Promise<{ specialty: string; priority: string; items: Recommendation[] }> {
  assertMayAct(ctx, 'create');
  const o = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
  if (!o) throw new HubError(ReferralErrors.INVALID_INPUT, 'The body must be a JSON object', { expression: ['$'] });
  const specialty = parseSpecialty(o.specialty);
  const priority = parsePriority(o.priority);
  const limit = o.limit === undefined ? 10 : o.limit;
  if (!Number.isInteger(limit) || (limit as number) < 1 || (limit as number) > 50) throw new HubError(ReferralErrors.INVALID_INPUT, 'limit must be an integer from 1 to 50', { expression: ['limit'] });
  let patientKey: string | undefined;
  if (o.patient !== undefined) {
    const m = typeof o.patient === 'string' ? /^Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(o.patient) : null;
    if (!m) throw new HubError(ReferralErrors.INVALID_INPUT, 'patient must be a reference "Patient/<id>"', { expression: ['patient'] });
    const patient = await selectResource<Patient>(db, ctx.tenantId, 'Patient', m[1]);
    if (!patient) throw new HubError(ReferralErrors.UNKNOWN_PATIENT, `Patient/${m[1]} does not exist in your institution`, { expression: ['patient'] });
    patientKey = patientKeyFor(patient, ctx.tenantId);
  }

  const until = new Date(now.getTime() + HORIZON_DAYS * 86_400_000);
  const [institutions, exact, general, slots, beds, positions, agreements] = await Promise.all([
    selectInstitutions(db), selectTenantsWithSpecialty(db, [specialty.code]), selectTenantsWithSpecialty(db, GENERAL_SPECIALTIES),
    selectFreeSlots(db, specialty.code, now, until), selectBeds(db), selectPositions(db), selectAgreementReceivers(db, ctx.tenantId, specialty.code),
  ]);
  const encounters = patientKey?.startsWith(RESIDENT_ID_SYSTEM_PREFIX)
    ? await selectEncountersByResidentId(db, RESIDENT_ID_SYSTEM, patientKey.slice(RESIDENT_ID_SYSTEM_PREFIX.length))
    : new Map<string, number>();
  const priorReferrals = patientKey ? await selectReferralsByPatientKey(db, patientKey) : new Map<string, number>();
  const here = positions.get(ctx.tenantId);

  const facts: CandidateFacts[] = [];
  for (const inst of institutions) {
    if (inst.id === ctx.tenantId) continue;
    const match = exact.has(inst.id) ? 'exact' : general.has(inst.id) ? 'general' : undefined;
    if (!match) continue;
    const slot = slots.get(inst.id);
    const there = positions.get(inst.id);
    facts.push({
      id: inst.id, name: inst.name, kind: inst.kind, specialtyMatch: match,
      freeSlots: slot ? slot.free : null, earliestSlot: slot?.earliest ?? null,
      beds: beds.get(inst.id) ?? null,
      distanceKm: here && there ? distanceKm(here, there) : null,
      agreement: agreements.has(inst.id),
      previousCare: patientKey ? { encounters: encounters.get(inst.id) ?? 0, referrals: priorReferrals.get(inst.id) ?? 0 } : null,
    });
  }
  return { specialty: specialty.code, priority, items: rankCandidates(facts, priority, now).slice(0, limit as number) };
}
