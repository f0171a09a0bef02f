import type { RequestContext } from '../../platform/context/request-context.js';
import { HubError } from '../../platform/errors/index.js';
import { publishEvent } from '../../platform/events/index.js';
import { recordCareRelationship } from '../access/index.js';
import { recordAccess } from '../audit/index.js';
import type { Db, Tx } from '../../platform/storage/index.js';
import { ReferralErrors } from './errors.js';
import { assertMayAct } from './referral-access.js';
import { mirrorReferral, writeFollowUpTasks } from './referral-fhir.js';
import { parseTransition, type TransitionInput } from './referral-input.js';
import {
  endCareRelationship, insertCareRelationship, insertTransition, selectInstitution, selectInstitutionNames, selectResource, updateReferral,
  type ReferralRow,
} from './referral.repo.js';
import { checkTransition, FINAL_STATES, serviceRequestStatus, type ReferralAction, type ReferralParty, type ReferralState } from './referral-state.js';
import { insertNewReferral, loadPartyReferral, type ReferralSettings } from './referral.service.js';
import { toReferralView, type ReferralView } from './referral-view.js';

/**
 * How long the access policy's care relationship (module access) runs after an
 * acceptance: a referral episode must not open the record for good. A
 * down-referral hands over ongoing community care, so it runs longer. The
 * access module's upsert can extend but not shorten a relationship, so an
 * episode that ends early (cancel, no-show) ends precisely only in this
 * module's own table (hasReferralRelationship).
 */
const CARE_DAYS = { up: 90, lateral: 90, down: 365 } as const;

/** The columns an action sets besides the state. */
function changesFor(row: ReferralRow, to: ReferralState, input: TransitionInput, now: Date): Partial<ReferralRow> {
  const c: Partial<ReferralRow> = { state: to, updated_at: now };
  const firstAnswer = row.responded_at === null;
  switch (input.action) {
    case 'receive': c.received_at = now; break;
    case 'accept': c.accepted_at = now; if (firstAnswer) c.responded_at = now; break;
    case 'decline': c.decline_reason = input.reason!; c.decline_note = input.note ?? null; if (firstAnswer) c.responded_at = now; break;
    case 'forward': if (firstAnswer) c.responded_at = now; break;
    case 'schedule': c.appointment_at = input.appointmentAt!; c.scheduled_at = now; break;
    case 'start': c.started_at = now; break;
    case 'complete': c.completed_at = now; break;
    case 'return-report': c.report_ref = input.report!; c.report_returned_at = now; break;
    default: break;
  }
  if (FINAL_STATES.has(to)) c.closed_at = now;
  return c;
}

function refuse(check: { reason: 'wrong-party' | 'illegal'; message: string }): never {
  throw new HubError(check.reason === 'wrong-party' ? ReferralErrors.WRONG_PARTY : ReferralErrors.ILLEGAL_TRANSITION, check.message, { expression: ['action'] });
}

/** Forwarding hands the request to a third institution as a new referral linked to this one. */
async function forwardTo(tx: Tx, ctx: RequestContext, settings: ReferralSettings, row: ReferralRow, receiver: string, now: Date): Promise<ReferralRow> {
  if (receiver === row.sender_tenant || receiver === row.receiver_tenant) {
    throw new HubError(ReferralErrors.INVALID_INPUT, 'Forward to an institution other than the sender and the current receiver', { expression: ['receiver'] });
  }
  if (!(await selectInstitution(tx, receiver))) throw new HubError(ReferralErrors.UNKNOWN_INSTITUTION, `No institution with id "${receiver}"`, { expression: ['receiver'] });
  return insertNewReferral(tx, ctx, settings, {
    sender_tenant: row.sender_tenant, receiver_tenant: receiver, direction: row.direction, patient_tenant: row.patient_tenant,
    patient_id: row.patient_id, patient_key: row.patient_key, patient_display: row.patient_display, specialty_code: row.specialty_code,
    specialty_display: row.specialty_display, priority: row.priority, reason: row.reason, requested_by: row.requested_by,
    requester_display: row.requester_display, discharge_summary: row.discharge_summary, follow_up_plan: row.follow_up_plan,
    forwarded_from: row.id, attachments: row.attachments,
  }, now);
}

/** Applies a checked transition to a locked row. Shared by the HTTP path and the SLA sweeper (action expire). */
export async function applyTransition(
  tx: Tx, ctx: RequestContext, settings: ReferralSettings, row: ReferralRow, party: ReferralParty, input: TransitionInput, now: Date,
): Promise<ReferralRow> {
  const check = checkTransition(row.state, input.action, party);
  if (!check.ok) refuse(check);
  if (input.action === 'return-report') {
    const [type, id] = input.report!.split('/');
    if (!(await selectResource(tx, row.receiver_tenant, type, id))) {
      throw new HubError(ReferralErrors.UNKNOWN_RESOURCE, `${input.report} does not exist in the receiving institution`, { expression: ['report'] });
    }
  }
  const changes = changesFor(row, check.to, input, now);
  if (input.action === 'forward') changes.forwarded_to = (await forwardTo(tx, ctx, settings, row, input.receiver!, now)).id;
  if (input.action === 'accept' && row.follow_up_plan) changes.follow_up_tasks = row.follow_up_plan.map((_, i) => `${row.id}-fu-${i + 1}`);
  // The row lock makes this check redundant on the HTTP path; it guards any caller that forgot to lock.
  if (!(await updateReferral(tx, row.id, row.version, changes))) {
    throw new HubError(ReferralErrors.CONCURRENT_UPDATE, `Referral ${row.id} was changed by someone else; reload and retry`);
  }
  const next: ReferralRow = { ...row, ...changes, version: row.version + 1 };
  const detail: Record<string, unknown> = {};
  if (input.reason) detail.reason = input.reason;
  if (input.note) detail.note = input.note;
  if (input.appointmentAt) detail.appointmentAt = input.appointmentAt.toISOString();
  if (input.report) detail.report = input.report;
  if (changes.forwarded_to) detail.forwardedTo = changes.forwarded_to;
  await insertTransition(tx, {
    referral_id: row.id, action: input.action, from_state: row.state, to_state: check.to, actor_tenant: ctx.tenantId, actor_id: ctx.actor.id,
    actor_display: ctx.actor.display ?? null, at: now, detail: Object.keys(detail).length > 0 ? detail : null,
  });
  const names = await selectInstitutionNames(tx, [row.sender_tenant, row.receiver_tenant]);
  if (input.action === 'accept') {
    await insertCareRelationship(tx, { referralId: row.id, receiverTenant: row.receiver_tenant, patientTenant: row.patient_tenant, patientId: row.patient_id, since: now });
    await recordCareRelationship(tx, {
      tenantId: row.receiver_tenant, patient: { tenantId: row.patient_tenant, id: row.patient_id }, source: 'referral',
      sourceRef: `ServiceRequest/${row.service_request_id}`, until: new Date(now.getTime() + CARE_DAYS[row.direction] * 86_400_000),
    });
    if (row.follow_up_plan) await writeFollowUpTasks(tx, ctx, next, names, now);
  }
  // A down-referral hands ongoing care to the community: that relationship outlives the closed loop.
  if (FINAL_STATES.has(check.to) && !(check.to === 'report-returned' && row.direction === 'down')) await endCareRelationship(tx, row.id, now);
  await mirrorReferral(tx, ctx, next, names, serviceRequestStatus(row.state) !== serviceRequestStatus(check.to));
  const notify = party === 'receiver' ? row.sender_tenant : row.receiver_tenant;
  await publishEvent(tx, { tenantId: notify, eventType: `referral.${input.action}`, resourceType: 'Task', resourceId: row.id, payload: { referralId: row.id, state: check.to } });
  return next;
}

/**
 * Moves a referral one step (accept, decline with a coded reason, schedule,
 * start, complete, return the report, cancel, no-show, forward). The row is
 * locked for the transaction, so of two coordinators accepting at once exactly
 * one wins; the other gets 409 REFERRAL_ILLEGAL_TRANSITION (already accepted).
 */
export async function transitionReferral(db: Db, ctx: RequestContext, settings: ReferralSettings, id: string, body: unknown, now = new Date()): Promise<ReferralView> {
  const input = parseTransition(body);
  assertMayAct(ctx, input.action as ReferralAction);
  return db.transaction(async (tx) => {
    const row = await loadPartyReferral(tx, ctx, id, true);
    const party: ReferralParty = row.receiver_tenant === ctx.tenantId ? 'receiver' : 'sender';
    const next = await applyTransition(tx, ctx, settings, row, party, input, now);
    await recordAccess(tx, ctx, {
      action: 'U', subtype: `referral-${input.action}`, patient: { tenantId: row.patient_tenant, id: row.patient_id },
      resources: [{ type: 'Task', id: row.id }], outcome: 'success',
    });
    const names = await selectInstitutionNames(tx, [next.sender_tenant, next.receiver_tenant]);
    return toReferralView(next, ctx.tenantId, names, now);
  });
}
