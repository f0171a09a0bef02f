/**
 * The closed-loop referral state machine, table-driven and pure.
 * States follow the BSeR / IHE 360X closed-loop referral flow
 * (https://hl7.org/fhir/us/bser/ , https://wiki.ihe.net/index.php/360_Exchange_Closed_Loop_Referral):
 * the fine-grained state is the Task's businessStatus, and each maps to an R4
 * Task.status (https://hl7.org/fhir/R4/valueset-task-status.html).
 */

export const REFERRAL_STATES = [
  'requested', 'received', 'accepted', 'declined', 'scheduled', 'in-progress', 'completed',
  'report-returned', 'cancelled', 'no-show', 'expired', 'forwarded',
] as const;
export type ReferralState = (typeof REFERRAL_STATES)[number];

export const REFERRAL_ACTIONS = [
  'receive', 'accept', 'decline', 'schedule', 'start', 'complete', 'return-report', 'cancel', 'no-show', 'forward', 'expire',
] as const;
export type ReferralAction = (typeof REFERRAL_ACTIONS)[number];

/** Who may take an action: the receiving institution, the sending one, or the hub's own sweeper. */
export type ReferralParty = 'sender' | 'receiver' | 'system';

interface ActionRule {
  party: ReferralParty;
  from: readonly ReferralState[];
  to: ReferralState;
}

/** The whole machine. Only the receiver moves receiving states; only the sender cancels. */
export const TRANSITIONS: Record<ReferralAction, ActionRule> = {
  receive: { party: 'receiver', from: ['requested'], to: 'received' },
  accept: { party: 'receiver', from: ['requested', 'received'], to: 'accepted' },
  decline: { party: 'receiver', from: ['requested', 'received'], to: 'declined' },
  forward: { party: 'receiver', from: ['requested', 'received', 'accepted'], to: 'forwarded' },
  // Re-scheduling an appointment that has not happened yet is allowed.
  schedule: { party: 'receiver', from: ['accepted', 'scheduled'], to: 'scheduled' },
  // A walk-in patient may be seen without a booked appointment.
  start: { party: 'receiver', from: ['accepted', 'scheduled'], to: 'in-progress' },
  'no-show': { party: 'receiver', from: ['scheduled'], to: 'no-show' },
  complete: { party: 'receiver', from: ['in-progress'], to: 'completed' },
  'return-report': { party: 'receiver', from: ['completed'], to: 'report-returned' },
  cancel: { party: 'sender', from: ['requested', 'received', 'accepted', 'scheduled'], to: 'cancelled' },
  expire: { party: 'system', from: ['requested', 'received'], to: 'expired' },
};

/** Final states: nothing moves a referral out of them. report-returned is the closed loop. */
export const FINAL_STATES: ReadonlySet<ReferralState> = new Set(['declined', 'report-returned', 'cancelled', 'no-show', 'expired', 'forwarded']);

/** R4 Task.status for each state (businessStatus keeps the fine-grained one). */
export const TASK_STATUS: Record<ReferralState, string> = {
  requested: 'requested',
  received: 'received',
  accepted: 'accepted',
  declined: 'rejected',
  scheduled: 'ready',
  'in-progress': 'in-progress',
  // The referral's work includes returning the report: the Task is done only when the loop closes.
  completed: 'in-progress',
  'report-returned': 'completed',
  cancelled: 'cancelled',
  'no-show': 'failed',
  expired: 'failed',
  forwarded: 'cancelled',
};

/** R4 ServiceRequest.status while the referral is in each state. */
export function serviceRequestStatus(state: ReferralState): 'active' | 'completed' | 'revoked' {
  if (state === 'report-returned') return 'completed';
  // forwarded: the new referral carries a new ServiceRequest that `replaces` this one.
  if (state === 'cancelled' || state === 'declined' || state === 'expired' || state === 'no-show' || state === 'forwarded') return 'revoked';
  return 'active';
}

export type TransitionCheck =
  | { ok: true; to: ReferralState }
  | { ok: false; reason: 'wrong-party' | 'illegal'; message: string };

export function isReferralAction(value: unknown): value is ReferralAction {
  return typeof value === 'string' && (REFERRAL_ACTIONS as readonly string[]).includes(value);
}

/**
 * Decides whether `party` may take `action` on a referral in `state`. Wrong
 * party is checked first, so a sender never learns more than "not yours".
 */
export function checkTransition(state: ReferralState, action: ReferralAction, party: ReferralParty): TransitionCheck {
  const rule = TRANSITIONS[action];
  if (rule.party !== party) {
    return { ok: false, reason: 'wrong-party', message: `Only the ${rule.party === 'system' ? 'hub' : rule.party} may ${action} a referral` };
  }
  if (!rule.from.includes(state)) {
    const final = FINAL_STATES.has(state) ? ` (${state} is final)` : '';
    return { ok: false, reason: 'illegal', message: `Cannot ${action} a referral that is ${state}${final}; allowed from: ${rule.from.join(', ')}` };
  }
  return { ok: true, to: rule.to };
}

/** Actions `party` may take now, for the console's buttons. */
export function availableActions(state: ReferralState, party: ReferralParty): ReferralAction[] {
  return REFERRAL_ACTIONS.filter((action) => checkTransition(state, action, party).ok);
}
