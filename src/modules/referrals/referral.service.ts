import type { Patient } from '@medplum/fhirtypes';
import { randomUUID } from 'node:crypto';
import type { ReferralPriority, ReferralSlaLimit } from '../../platform/config/config.js';
import type { RequestContext } from '../../platform/context/request-context.js';
import { HubError } from '../../platform/errors/index.js';
import { publishEvent } from '../../platform/events/index.js';
import type { Db, Queryable, Tx } from '../../platform/storage/index.js';
import { recordAccess } from '../audit/index.js';
import { ReferralErrors } from './errors.js';
import { assertMayAct, assertMayRead } from './referral-access.js';
import { mirrorReferral, RESIDENT_ID_SYSTEM, RESIDENT_ID_SYSTEM_PREFIX } from './referral-fhir.js';
import { parseCreateReferral, parseSpecialty, type CreateReferralInput, type Direction } from './referral-input.js';
import {
  existsCareRelationship, insertReferral, insertTransition, selectInstitution, selectInstitutionNames, selectOpenDuplicates,
  selectReferral, selectResource, selectTransitions, selectWorklist, type ReferralRow,
} from './referral.repo.js';
import { toReferralView, toTimeline, type ReferralView, type TimelineEntry } from './referral-view.js';
import { computeResponseDue } from './sla.js';

/** The referral settings from config. */
export interface ReferralSettings {
  sla: Readonly<Record<ReferralPriority, ReferralSlaLimit>>;
  expiryDays: number;
}

export interface DuplicateWarning {
  code: 'REFERRAL_POSSIBLE_DUPLICATE';
  message: string;
  referral: { id: string; state: string; receiver: string; requestedAt: string };
}

const LEVEL: Record<string, number> = { 'community-health-centre': 1, 'district-hospital': 2, 'tertiary-hospital': 3 };

/** up: to a higher level of care (community → hospital); down: back towards the community; else lateral. */
export function deriveDirection(senderKind: string, receiverKind: string): Direction {
  const s = LEVEL[senderKind];
  const r = LEVEL[receiverKind];
  if (s === undefined || r === undefined || s === r) return 'lateral';
  return r > s ? 'up' : 'down';
}

/** The identity duplicates are checked on: the resident id when the Patient carries one, else the record itself. */
export function patientKeyFor(patient: Patient, tenantId: string): string {
  const rid = patient.identifier?.find((i) => i.system === RESIDENT_ID_SYSTEM && i.value)?.value;
  return rid ? `${RESIDENT_ID_SYSTEM_PREFIX}${rid.toUpperCase()}` : `${tenantId}/Patient/${patient.id}`;
}

function patientDisplay(patient: Patient): string | null {
  const name = patient.name?.[0];
  if (!name) return null;
  return name.text ?? [name.family, ...(name.given ?? [])].filter(Boolean).join('') ?? null;
}

async function findDuplicates(q: Queryable, patientKey: string, specialtyCode: string, names?: Map<string, string>): Promise<DuplicateWarning[]> {
  const open = await selectOpenDuplicates(q, patientKey, specialtyCode);
  const allNames = names ?? (await selectInstitutionNames(q, open.map((r) => r.receiver_tenant)));
  return open.map((r) => ({
    code: 'REFERRAL_POSSIBLE_DUPLICATE' as const,
    message: `This patient already has an open ${r.specialty_display ?? r.specialty_code} referral to ${allNames.get(r.receiver_tenant) ?? r.receiver_tenant} (${r.state})`,
    referral: { id: r.id, state: r.state, receiver: r.receiver_tenant, requestedAt: r.requested_at.toISOString() },
  }));
}

async function assertDocumentsExist(tx: Queryable, tenantId: string, refs: string[], field: string): Promise<void> {
  for (const ref of refs) {
    const [type, id] = ref.split('/');
    if (!(await selectResource(tx, tenantId, type, id))) throw new HubError(ReferralErrors.UNKNOWN_RESOURCE, `${ref} does not exist in your institution`, { expression: [field] });
  }
}

async function loadPatient(q: Queryable, tenantId: string, patientId: string): Promise<Patient> {
  const patient = await selectResource<Patient>(q, tenantId, 'Patient', patientId);
  if (!patient) throw new HubError(ReferralErrors.UNKNOWN_PATIENT, `Patient/${patientId} does not exist in your institution`, { expression: ['patient'] });
  return patient;
}

/** Builds and stores a new referral (row, first transition, FHIR mirrors, event) in `tx`. */
export async function insertNewReferral(tx: Tx, ctx: RequestContext, settings: ReferralSettings, base: Omit<ReferralRow, 'id' | 'state' | 'version' | 'service_request_id' | 'requested_at' | 'response_due_at' | 'updated_at' | 'received_at' | 'responded_at' | 'accepted_at' | 'scheduled_at' | 'started_at' | 'completed_at' | 'report_returned_at' | 'closed_at' | 'reminded_at' | 'escalated_at' | 'forwarded_to' | 'decline_reason' | 'decline_note' | 'appointment_at' | 'report_ref' | 'follow_up_tasks'>, now: Date): Promise<ReferralRow> {
  const id = randomUUID();
  const row: ReferralRow = {
    ...base, id, state: 'requested', version: 1, service_request_id: id, requested_at: now, updated_at: now,
    response_due_at: computeResponseDue(now, base.priority, settings.sla),
    received_at: null, responded_at: null, accepted_at: null, scheduled_at: null, started_at: null, completed_at: null,
    report_returned_at: null, closed_at: null, reminded_at: null, escalated_at: null, forwarded_to: null,
    decline_reason: null, decline_note: null, appointment_at: null, report_ref: null, follow_up_tasks: null,
  };
  await insertReferral(tx, row);
  await insertTransition(tx, {
    referral_id: id, action: 'create', from_state: null, to_state: 'requested', actor_tenant: ctx.tenantId, actor_id: ctx.actor.id,
    actor_display: ctx.actor.display ?? null, at: now, detail: base.forwarded_from ? { forwardedFrom: base.forwarded_from } : null,
  });
  const names = await selectInstitutionNames(tx, [row.sender_tenant, row.receiver_tenant]);
  await mirrorReferral(tx, ctx, row, names, true);
  await publishEvent(tx, { tenantId: row.receiver_tenant, eventType: 'referral.requested', resourceType: 'Task', resourceId: id, payload: { referralId: id, sender: row.sender_tenant } });
  return row;
}

/**
 * Creates a referral from the caller's institution (the sender). Down-referrals
 * need a discharge summary and a follow-up plan. Open referrals of the same
 * person for the same specialty come back as warnings; the referral is still
 * created (the console asks first through `$check-duplicate`).
 */
export async function createReferral(db: Db, ctx: RequestContext, settings: ReferralSettings, body: unknown, now = new Date()): Promise<{ referral: ReferralView; warnings: DuplicateWarning[] }> {
  assertMayAct(ctx, 'create');
  const input: CreateReferralInput = parseCreateReferral(body);
  if (input.receiver === ctx.tenantId) throw new HubError(ReferralErrors.INVALID_INPUT, 'A referral goes to another institution', { expression: ['receiver'] });
  return db.transaction(async (tx) => {
    const sender = await selectInstitution(tx, ctx.tenantId);
    const receiver = await selectInstitution(tx, input.receiver);
    if (!sender || !receiver) throw new HubError(ReferralErrors.UNKNOWN_INSTITUTION, `No institution with id "${input.receiver}"`, { expression: ['receiver'] });
    const patient = await loadPatient(tx, ctx.tenantId, input.patientId);
    const direction = input.direction ?? deriveDirection(sender.kind, receiver.kind);
    if (direction === 'down') {
      if (!input.dischargeSummary) throw new HubError(ReferralErrors.INVALID_INPUT, 'A down-referral needs a discharge summary (DocumentReference or Composition)', { expression: ['dischargeSummary'] });
      if (!input.followUpPlan) throw new HubError(ReferralErrors.INVALID_INPUT, 'A down-referral needs a follow-up / rehabilitation plan', { expression: ['followUpPlan'] });
    }
    await assertDocumentsExist(tx, ctx.tenantId, input.dischargeSummary ? [input.dischargeSummary] : [], 'dischargeSummary');
    await assertDocumentsExist(tx, ctx.tenantId, input.attachments, 'attachments');
    const patientKey = patientKeyFor(patient, ctx.tenantId);
    const warnings = await findDuplicates(tx, patientKey, input.specialty.code);
    const row = await insertNewReferral(tx, ctx, settings, {
      sender_tenant: ctx.tenantId, receiver_tenant: input.receiver, direction, patient_tenant: ctx.tenantId, patient_id: input.patientId,
      patient_key: patientKey, patient_display: patientDisplay(patient), specialty_code: input.specialty.code,
      specialty_display: input.specialty.display ?? null, priority: input.priority, reason: input.reason ?? null,
      requested_by: ctx.actor.id, requester_display: ctx.actor.display ?? null, discharge_summary: input.dischargeSummary ?? null,
      follow_up_plan: input.followUpPlan ?? null, forwarded_from: null, attachments: input.attachments,
    }, now);
    await recordAccess(tx, ctx, {
      action: 'C', subtype: 'referral-create', patient: { tenantId: ctx.tenantId, id: input.patientId },
      resources: [{ type: 'ServiceRequest', id: row.id }, { type: 'Task', id: row.id }], outcome: 'success',
    });
    const names = await selectInstitutionNames(tx, [row.sender_tenant, row.receiver_tenant]);
    return { referral: toReferralView(row, ctx.tenantId, names, now), warnings };
  });
}

/** `$check-duplicate`: open referrals of the same person for the same specialty, before sending. */
export async function checkDuplicateReferral(db: Db, ctx: RequestContext, body: unknown): Promise<{ duplicate: boolean; warnings: DuplicateWarning[] }> {
  assertMayAct(ctx, 'create');
  const o = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const match = typeof o.patient === 'string' ? /^Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(o.patient) : null;
  if (!match) throw new HubError(ReferralErrors.INVALID_INPUT, 'patient must be a reference "Patient/<id>"', { expression: ['patient'] });
  const specialty = parseSpecialty(o.specialty);
  const patient = await loadPatient(db, ctx.tenantId, match[1]);
  const warnings = await findDuplicates(db, patientKeyFor(patient, ctx.tenantId), specialty.code);
  return { duplicate: warnings.length > 0, warnings };
}

/** Loads a referral the caller's institution is a party to; anyone else gets 404 (existence is not disclosed). */
export async function loadPartyReferral(q: Queryable, ctx: RequestContext, id: string, forUpdate = false): Promise<ReferralRow> {
  const row = /^[0-9a-f-]{36}$/.test(id) ? await selectReferral(q, id, forUpdate) : undefined;
  if (!row || (row.sender_tenant !== ctx.tenantId && row.receiver_tenant !== ctx.tenantId)) {
    throw new HubError(ReferralErrors.NOT_FOUND, `Referral ${id} not found`);
  }
  return row;
}

/** One referral with its timeline; the sender also gets the returned report. */
export async function getReferral(db: Db, ctx: RequestContext, id: string, now = new Date()): Promise<ReferralView & { timeline: TimelineEntry[]; reportResource: unknown }> {
  assertMayRead(ctx);
  const row = await loadPartyReferral(db, ctx, id);
  const transitions = await selectTransitions(db, id);
  const names = await selectInstitutionNames(db, [row.sender_tenant, row.receiver_tenant, ...transitions.map((t) => t.actor_tenant)]);
  let reportResource: unknown = null;
  if (row.report_ref) {
    const [type, rid] = row.report_ref.split('/');
    // The report lives in the receiver's tenant; the referral is the sender's basis to see it.
    reportResource = (await selectResource(db, row.receiver_tenant, type, rid)) ?? null;
  }
  // Reading a referral shows who the patient is (and to the sender, the receiver's report): an audited access.
  await recordAccess(db, ctx, {
    action: 'R', subtype: 'referral-read', patient: { tenantId: row.patient_tenant, id: row.patient_id },
    resources: [{ type: 'Task', id: row.id }, ...(reportResource && row.report_ref ? [{ type: row.report_ref.split('/')[0], id: row.report_ref.split('/')[1] }] : [])],
    outcome: 'success',
  });
  return { ...toReferralView(row, ctx.tenantId, names, now), timeline: toTimeline(transitions, names), reportResource };
}

/** A worklist: `mine` for the sender, `triage` (incoming) for the receiver. */
export async function listReferrals(db: Db, ctx: RequestContext, query: Record<string, unknown>, now = new Date()): Promise<{ total: number; items: ReferralView[] }> {
  assertMayRead(ctx);
  const box = query.box ?? 'incoming';
  if (box !== 'incoming' && box !== 'outgoing') throw new HubError(ReferralErrors.INVALID_INPUT, 'box must be incoming or outgoing', { expression: ['box'] });
  const status = query.status ?? 'open';
  if (status !== 'open' && status !== 'closed' && status !== 'all') throw new HubError(ReferralErrors.INVALID_INPUT, 'status must be open, closed or all', { expression: ['status'] });
  const limit = query.limit === undefined ? 50 : Number(query.limit);
  const offset = query.offset === undefined ? 0 : Number(query.offset);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new HubError(ReferralErrors.INVALID_INPUT, 'limit must be an integer from 1 to 500', { expression: ['limit'] });
  if (!Number.isInteger(offset) || offset < 0) throw new HubError(ReferralErrors.INVALID_INPUT, 'offset must be a non-negative integer', { expression: ['offset'] });
  const { rows, total } = await selectWorklist(db, { tenantId: ctx.tenantId, role: box === 'incoming' ? 'receiver' : 'sender', status, limit, offset });
  const names = await selectInstitutionNames(db, [...new Set(rows.flatMap((r) => [r.sender_tenant, r.receiver_tenant]))]);
  return { total, items: rows.map((r) => toReferralView(r, ctx.tenantId, names, now)) };
}

/**
 * For the consent policy in access: true when `tenantId` has accepted a
 * referral of this Patient record and the referral's care has not ended.
 */
export async function hasReferralRelationship(db: Queryable, tenantId: string, patient: { tenantId: string; id: string }, at = new Date()): Promise<boolean> {
  return existsCareRelationship(db, tenantId, patient, at);
}
