import { DECLINE_REASONS } from './decline-reasons.js';
import type { ReferralRow, TransitionRow } from './referral.repo.js';
import { availableActions, FINAL_STATES, TASK_STATUS, type ReferralAction } from './referral-state.js';

/** A referral as the JSON API shows it to one of its two parties. */
export interface ReferralView {
  id: string;
  state: string;
  taskStatus: string;
  loopClosed: boolean;
  direction: string;
  priority: string;
  specialty: { code: string; display: string | null };
  sender: { id: string; name: string | null };
  receiver: { id: string; name: string | null };
  /** The sender sees its own Patient reference; the receiver sees the display name only. */
  patient: { reference?: string; display: string | null };
  reason: string | null;
  requestedBy: string | null;
  viewerRole: 'sender' | 'receiver';
  actions: ReferralAction[];
  requestedAt: string;
  responseDueAt: string;
  /** The receiver has not answered and the SLA time has passed. */
  overdue: boolean;
  appointmentAt: string | null;
  decline: { code: string; display: string; note: string | null } | null;
  report: string | null;
  dischargeSummary: string | null;
  followUpPlan: Array<{ description: string; dueDays?: number }> | null;
  followUpTasks: string[] | null;
  forwardedFrom: string | null;
  forwardedTo: string | null;
  times: Record<string, string | null>;
  fhir: { task: string; serviceRequest: string };
  version: number;
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export function toReferralView(row: ReferralRow, viewerTenant: string, names: Map<string, string>, now: Date): ReferralView {
  const viewerRole = viewerTenant === row.sender_tenant ? 'sender' : 'receiver';
  const decline = row.decline_reason ? DECLINE_REASONS[row.decline_reason as keyof typeof DECLINE_REASONS] : undefined;
  return {
    id: row.id,
    state: row.state,
    taskStatus: TASK_STATUS[row.state],
    loopClosed: row.state === 'report-returned',
    direction: row.direction,
    priority: row.priority,
    specialty: { code: row.specialty_code, display: row.specialty_display },
    sender: { id: row.sender_tenant, name: names.get(row.sender_tenant) ?? null },
    receiver: { id: row.receiver_tenant, name: names.get(row.receiver_tenant) ?? null },
    patient: { ...(viewerRole === 'sender' && { reference: `Patient/${row.patient_id}` }), display: row.patient_display },
    reason: row.reason,
    requestedBy: row.requester_display,
    viewerRole,
    actions: availableActions(row.state, viewerRole),
    requestedAt: row.requested_at.toISOString(),
    responseDueAt: row.response_due_at.toISOString(),
    overdue: row.responded_at === null && !FINAL_STATES.has(row.state) && now > row.response_due_at,
    appointmentAt: iso(row.appointment_at),
    decline: decline ? { code: row.decline_reason!, display: decline.zh, note: row.decline_note } : null,
    report: row.report_ref,
    dischargeSummary: row.discharge_summary,
    followUpPlan: row.follow_up_plan,
    followUpTasks: row.follow_up_tasks,
    forwardedFrom: row.forwarded_from,
    forwardedTo: row.forwarded_to,
    times: {
      received: iso(row.received_at), responded: iso(row.responded_at), accepted: iso(row.accepted_at), scheduled: iso(row.scheduled_at),
      started: iso(row.started_at), completed: iso(row.completed_at), reportReturned: iso(row.report_returned_at), closed: iso(row.closed_at),
      reminded: iso(row.reminded_at), escalated: iso(row.escalated_at),
    },
    fhir: { task: `Task/${row.id}`, serviceRequest: `ServiceRequest/${row.service_request_id}` },
    version: row.version,
  };
}

export interface TimelineEntry {
  seq: number;
  action: string;
  from: string | null;
  to: string;
  at: string;
  actor: { tenant: string; institution: string | null; id: string; display: string | null };
  detail: Record<string, unknown> | null;
}

export function toTimeline(rows: TransitionRow[], names: Map<string, string>): TimelineEntry[] {
  return rows.map((t) => ({
    seq: t.seq, action: t.action, from: t.from_state, to: t.to_state, at: t.at.toISOString(),
    actor: { tenant: t.actor_tenant, institution: names.get(t.actor_tenant) ?? null, id: t.actor_id, display: t.actor_display },
    detail: t.detail,
  }));
}
