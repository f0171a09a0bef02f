import { HubError } from '../../platform/errors/index.js';
import { DECLINE_REASON_CODES, type DeclineReason } from './decline-reasons.js';
import { ReferralErrors } from './errors.js';
import { isReferralAction, type ReferralAction } from './referral-state.js';

export const PRIORITIES = ['routine', 'urgent', 'asap', 'stat'] as const;
export type Priority = (typeof PRIORITIES)[number];
export type Direction = 'up' | 'down' | 'lateral';

export interface CreateReferralInput {
  receiver: string;
  patientId: string;
  specialty: { code: string; display?: string };
  priority: Priority;
  direction?: Direction;
  reason?: string;
  attachments: string[];
  dischargeSummary?: string;
  followUpPlan?: Array<{ description: string; dueDays?: number }>;
}

export interface TransitionInput {
  action: ReferralAction;
  reason?: DeclineReason;
  note?: string;
  appointmentAt?: Date;
  report?: string;
  receiver?: string;
}

const ID = '[A-Za-z0-9\\-.]{1,64}';
const PATIENT_RE = new RegExp(`^Patient/(${ID})$`);
const DOC_RE = new RegExp(`^(DocumentReference|Composition)/${ID}$`);
const REPORT_RE = new RegExp(`^(DiagnosticReport|DocumentReference)/${ID}$`);
const ATTACHMENT_RE = new RegExp(`^DocumentReference/${ID}$`);
const TENANT_RE = /^[A-Za-z0-9._-]{1,128}$/;
const CODE_RE = /^[A-Za-z0-9._:-]{1,64}$/;

function bad(message: string, field: string): HubError {
  return new HubError(ReferralErrors.INVALID_INPUT, message, { expression: [field] });
}

function asObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw bad('The body must be a JSON object', '$');
  return body as Record<string, unknown>;
}

function optionalText(o: Record<string, unknown>, field: string, max: number): string | undefined {
  const v = o[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.trim().length === 0 || v.length > max) throw bad(`${field} must be a non-empty string of at most ${max} characters`, field);
  return v.trim();
}

function requiredMatch(o: Record<string, unknown>, field: string, re: RegExp, shape: string): string {
  const v = o[field];
  if (typeof v !== 'string' || !re.test(v)) throw bad(`${field} must be ${shape}`, field);
  return v;
}

/** Reads `specialty` as a code string or { code, display }. */
export function parseSpecialty(value: unknown, field = 'specialty'): { code: string; display?: string } {
  if (typeof value === 'string' && CODE_RE.test(value)) return { code: value };
  if (typeof value === 'object' && value !== null && typeof (value as { code?: unknown }).code === 'string' && CODE_RE.test((value as { code: string }).code)) {
    const display = (value as { display?: unknown }).display;
    if (display !== undefined && (typeof display !== 'string' || display.length > 200)) throw bad('specialty.display must be a string of at most 200 characters', `${field}.display`);
    return { code: (value as { code: string }).code, ...(display !== undefined && { display }) };
  }
  throw bad('specialty must be a code (e.g. SNOMED CT 394579002) or { code, display }', field);
}

export function parsePriority(value: unknown): Priority {
  if (value === undefined) return 'routine';
  if (typeof value === 'string' && (PRIORITIES as readonly string[]).includes(value)) return value as Priority;
  throw bad(`priority must be one of ${PRIORITIES.join(', ')}`, 'priority');
}

function parseFollowUpPlan(value: unknown): CreateReferralInput['followUpPlan'] {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0 || value.length > 50) throw bad('followUpPlan must be a list of 1 to 50 items', 'followUpPlan');
  return value.map((item, i) => {
    const o = typeof item === 'object' && item !== null ? (item as Record<string, unknown>) : {};
    const description = o.description;
    if (typeof description !== 'string' || description.trim().length === 0 || description.length > 1000) {
      throw bad('Each follow-up item needs a description of 1 to 1000 characters', `followUpPlan[${i}].description`);
    }
    const dueDays = o.dueDays;
    if (dueDays !== undefined && (!Number.isInteger(dueDays) || (dueDays as number) < 0 || (dueDays as number) > 3650)) {
      throw bad('dueDays must be an integer from 0 to 3650', `followUpPlan[${i}].dueDays`);
    }
    return { description: description.trim(), ...(dueDays !== undefined && { dueDays: dueDays as number }) };
  });
}

/** Validates the body of POST /api/referrals. Party and existence checks happen in the service. */
export function parseCreateReferral(body: unknown): CreateReferralInput {
  const o = asObject(body);
  const receiver = requiredMatch(o, 'receiver', TENANT_RE, 'the id of the receiving institution');
  const patient = requiredMatch(o, 'patient', PATIENT_RE, 'a reference "Patient/<id>" to the patient in your institution');
  const direction = o.direction;
  if (direction !== undefined && direction !== 'up' && direction !== 'down' && direction !== 'lateral') throw bad('direction must be up, down or lateral', 'direction');
  const attachments = o.attachments ?? [];
  if (!Array.isArray(attachments) || attachments.length > 20 || attachments.some((a) => typeof a !== 'string' || !ATTACHMENT_RE.test(a))) {
    throw bad('attachments must be a list of at most 20 "DocumentReference/<id>" references', 'attachments');
  }
  const dischargeSummary = o.dischargeSummary === undefined ? undefined : requiredMatch(o, 'dischargeSummary', DOC_RE, 'a reference "DocumentReference/<id>" or "Composition/<id>"');
  return {
    receiver,
    patientId: PATIENT_RE.exec(patient)![1],
    specialty: parseSpecialty(o.specialty),
    priority: parsePriority(o.priority),
    direction: direction as Direction | undefined,
    reason: optionalText(o, 'reason', 2000),
    attachments: attachments as string[],
    dischargeSummary,
    followUpPlan: parseFollowUpPlan(o.followUpPlan),
  };
}

/** Validates the body of POST /api/referrals/:id/transitions. */
export function parseTransition(body: unknown): TransitionInput {
  const o = asObject(body);
  if (!isReferralAction(o.action) || o.action === 'expire') {
    throw bad('action must be one of receive, accept, decline, schedule, start, complete, return-report, cancel, no-show, forward', 'action');
  }
  const input: TransitionInput = { action: o.action, note: optionalText(o, 'note', 2000) };
  if (o.action === 'decline') {
    if (typeof o.reason !== 'string' || !(DECLINE_REASON_CODES as string[]).includes(o.reason)) {
      throw bad(`A decline needs a coded reason: one of ${DECLINE_REASON_CODES.join(', ')}`, 'reason');
    }
    input.reason = o.reason as DeclineReason;
  }
  if (o.action === 'schedule') {
    const at = typeof o.appointmentAt === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(o.appointmentAt) ? new Date(o.appointmentAt) : undefined;
    if (!at || Number.isNaN(at.getTime())) throw bad('schedule needs appointmentAt, a date-time with a time zone (e.g. 2026-12-01T09:30:00+08:00)', 'appointmentAt');
    input.appointmentAt = at;
  }
  if (o.action === 'return-report') input.report = requiredMatch(o, 'report', REPORT_RE, 'a reference "DiagnosticReport/<id>" or "DocumentReference/<id>"');
  if (o.action === 'forward') input.receiver = requiredMatch(o, 'receiver', TENANT_RE, 'the id of the institution to forward to');
  return input;
}
