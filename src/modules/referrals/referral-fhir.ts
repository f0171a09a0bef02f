import type { Patient, Reference, ServiceRequest, Task } from '@medplum/fhirtypes';
import type { RequestContext } from '../../platform/context/request-context.js';
import type { Tx } from '../../platform/storage/index.js';
import { updateInTx } from '../fhir-store/index.js';
import { DECLINE_REASONS } from './decline-reasons.js';
import type { ReferralRow } from './referral.repo.js';
import { serviceRequestStatus, TASK_STATUS } from './referral-state.js';

export const REFERRAL_ID_SYSTEM = 'https://xietong.example/fhir/sid/referral';
export const REFERRAL_STATE_SYSTEM = 'https://xietong.example/fhir/CodeSystem/referral-state';
export const REFERRAL_DIRECTION_SYSTEM = 'https://xietong.example/fhir/CodeSystem/referral-direction';
export const RESIDENT_ID_SYSTEM_PREFIX = 'rid:';
/** China's resident identity card number (居民身份证号, GB 11643), the OID institutions use. */
export const RESIDENT_ID_SYSTEM = 'urn:oid:2.16.156.10011.1.3';
const SNOMED = 'http://snomed.info/sct';

const iso = (d: Date | null): string | undefined => (d ? d.toISOString() : undefined);

/**
 * The patient as each side can reference it: the sender holds the Patient
 * record; the receiver's copy names the person by resident id (when known),
 * since that Patient id means nothing in the receiver's tenant.
 */
function subjectFor(row: ReferralRow, tenantId: string): Reference<Patient> {
  if (tenantId === row.patient_tenant) return { reference: `Patient/${row.patient_id}`, display: row.patient_display ?? undefined };
  const ref: Reference<Patient> = { display: row.patient_display ?? undefined };
  if (row.patient_key.startsWith(RESIDENT_ID_SYSTEM_PREFIX)) ref.identifier = { system: RESIDENT_ID_SYSTEM, value: row.patient_key.slice(RESIDENT_ID_SYSTEM_PREFIX.length) };
  return ref;
}

/** The referral as an R4 ServiceRequest (https://hl7.org/fhir/R4/servicerequest.html). */
export function buildServiceRequest(row: ReferralRow, tenantId: string, names: Map<string, string>): ServiceRequest {
  const supporting = [...(row.attachments ?? []), ...(row.discharge_summary ? [row.discharge_summary] : [])];
  return {
    resourceType: 'ServiceRequest',
    id: row.service_request_id,
    identifier: [{ system: REFERRAL_ID_SYSTEM, value: row.id }],
    status: serviceRequestStatus(row.state),
    intent: 'order',
    category: [{ coding: [{ system: SNOMED, code: '3457005', display: 'Patient referral' }, { system: REFERRAL_DIRECTION_SYSTEM, code: row.direction }] }],
    priority: row.priority,
    code: { coding: [{ system: SNOMED, code: '3457005', display: 'Patient referral' }], text: '转诊' },
    performerType: { coding: [{ system: SNOMED, code: row.specialty_code, display: row.specialty_display ?? undefined }], text: row.specialty_display ?? undefined },
    subject: subjectFor(row, tenantId),
    authoredOn: row.requested_at.toISOString(),
    requester: { reference: `Organization/${row.sender_tenant}`, display: names.get(row.sender_tenant) },
    performer: [{ reference: `Organization/${row.receiver_tenant}`, display: names.get(row.receiver_tenant) }],
    ...(row.reason && { reasonCode: [{ text: row.reason }] }),
    ...(supporting.length > 0 && tenantId === row.sender_tenant && { supportingInfo: supporting.map((reference) => ({ reference })) }),
  };
}

/** The referral's state as an R4 Task (https://hl7.org/fhir/R4/task.html); businessStatus is the fine-grained state. */
export function buildTask(row: ReferralRow, tenantId: string, names: Map<string, string>): Task {
  const decline = row.decline_reason ? DECLINE_REASONS[row.decline_reason as keyof typeof DECLINE_REASONS] : undefined;
  return {
    resourceType: 'Task',
    id: row.id,
    identifier: [{ system: REFERRAL_ID_SYSTEM, value: row.id }],
    status: TASK_STATUS[row.state] as Task['status'],
    businessStatus: { coding: [{ system: REFERRAL_STATE_SYSTEM, code: row.state }], text: row.state },
    intent: 'order',
    priority: row.priority,
    code: { coding: [{ system: 'http://hl7.org/fhir/CodeSystem/task-code', code: 'fulfill', display: 'Fulfill the focal request' }] },
    focus: { reference: `ServiceRequest/${row.service_request_id}` },
    for: subjectFor(row, tenantId),
    authoredOn: row.requested_at.toISOString(),
    lastModified: row.updated_at.toISOString(),
    requester: { reference: `Organization/${row.sender_tenant}`, display: names.get(row.sender_tenant) },
    owner: { reference: `Organization/${row.receiver_tenant}`, display: names.get(row.receiver_tenant) },
    ...(decline && { statusReason: { coding: [{ system: decline.system, code: row.decline_reason!, display: decline.en }], text: row.decline_note ?? decline.zh } }),
    ...(row.started_at && { executionPeriod: { start: iso(row.started_at), end: iso(row.completed_at) } }),
    restriction: { period: { end: row.response_due_at.toISOString() } },
    ...(row.appointment_at && { input: [{ type: { text: 'appointment' }, valueDateTime: row.appointment_at.toISOString() }] }),
    ...(row.report_ref && { output: [{ type: { text: 'report' }, valueReference: { reference: row.report_ref } }] }),
  };
}

function ctxFor(ctx: RequestContext, tenantId: string): RequestContext {
  return { ...ctx, tenantId };
}

/**
 * Writes the Task (and, when `withServiceRequest`, the ServiceRequest) into
 * both the sender's and the receiver's tenant, in the caller's transaction:
 * each institution's systems follow the referral through their own FHIR API.
 */
export async function mirrorReferral(tx: Tx, ctx: RequestContext, row: ReferralRow, names: Map<string, string>, withServiceRequest: boolean): Promise<void> {
  for (const tenantId of [row.sender_tenant, row.receiver_tenant]) {
    const tctx = ctxFor(ctx, tenantId);
    if (withServiceRequest) await updateInTx(tx, tctx, 'ServiceRequest', row.service_request_id, buildServiceRequest(row, tenantId, names));
    await updateInTx(tx, tctx, 'Task', row.id, buildTask(row, tenantId, names));
  }
}

/**
 * A down-referral's follow-up / rehab plan as Tasks for the community doctor
 * (the receiver), written when the receiver accepts. Returns their ids.
 */
export async function writeFollowUpTasks(tx: Tx, ctx: RequestContext, row: ReferralRow, names: Map<string, string>, now: Date): Promise<string[]> {
  const ids: string[] = [];
  const tctx = ctxFor(ctx, row.receiver_tenant);
  for (const [i, item] of (row.follow_up_plan ?? []).entries()) {
    const id = `${row.id}-fu-${i + 1}`;
    const task: Task = {
      resourceType: 'Task', id, status: 'ready', intent: 'plan', priority: 'routine',
      description: item.description,
      code: { text: item.description },
      basedOn: [{ reference: `ServiceRequest/${row.service_request_id}` }],
      partOf: [{ reference: `Task/${row.id}` }],
      for: subjectFor(row, row.receiver_tenant),
      authoredOn: now.toISOString(),
      requester: { reference: `Organization/${row.sender_tenant}`, display: names.get(row.sender_tenant) },
      owner: { reference: `Organization/${row.receiver_tenant}`, display: names.get(row.receiver_tenant) },
      ...(item.dueDays !== undefined && { restriction: { period: { end: new Date(now.getTime() + item.dueDays * 86_400_000).toISOString() } } }),
    };
    await updateInTx(tx, tctx, 'Task', id, task);
    ids.push(id);
  }
  return ids;
}
