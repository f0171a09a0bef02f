import { describe, expect, it } from 'vitest';
import {
  availableActions, checkTransition, FINAL_STATES, REFERRAL_ACTIONS, REFERRAL_STATES, serviceRequestStatus, TASK_STATUS,
  type ReferralAction, type ReferralParty, type ReferralState,
} from './referral-state.js';

// Written out by hand from the issue, not derived from TRANSITIONS, so a change to the table must change this too.
const LEGAL: Array<[ReferralState, ReferralAction, ReferralState]> = [
  ['requested', 'receive', 'received'],
  ['requested', 'accept', 'accepted'], ['received', 'accept', 'accepted'],
  ['requested', 'decline', 'declined'], ['received', 'decline', 'declined'],
  ['requested', 'forward', 'forwarded'], ['received', 'forward', 'forwarded'], ['accepted', 'forward', 'forwarded'],
  ['accepted', 'schedule', 'scheduled'], ['scheduled', 'schedule', 'scheduled'],
  ['accepted', 'start', 'in-progress'], ['scheduled', 'start', 'in-progress'],
  ['scheduled', 'no-show', 'no-show'],
  ['in-progress', 'complete', 'completed'],
  ['completed', 'return-report', 'report-returned'],
  ['requested', 'cancel', 'cancelled'], ['received', 'cancel', 'cancelled'], ['accepted', 'cancel', 'cancelled'], ['scheduled', 'cancel', 'cancelled'],
  ['requested', 'expire', 'expired'], ['received', 'expire', 'expired'],
];
const PARTY: Record<ReferralAction, ReferralParty> = {
  receive: 'receiver', accept: 'receiver', decline: 'receiver', forward: 'receiver', schedule: 'receiver', start: 'receiver',
  'no-show': 'receiver', complete: 'receiver', 'return-report': 'receiver', cancel: 'sender', expire: 'system',
};
const PARTIES: ReferralParty[] = ['sender', 'receiver', 'system'];

describe('referral state machine', () => {
  for (const state of REFERRAL_STATES) {
    for (const action of REFERRAL_ACTIONS) {
      const legal = LEGAL.find(([from, a]) => from === state && a === action);
      for (const party of PARTIES) {
        it(`${state} --${action}--> as ${party}`, () => {
          const result = checkTransition(state, action, party);
          if (party !== PARTY[action]) {
            expect(result).toMatchObject({ ok: false, reason: 'wrong-party' });
          } else if (legal) {
            expect(result).toEqual({ ok: true, to: legal[2] });
          } else {
            expect(result).toMatchObject({ ok: false, reason: 'illegal' });
          }
        });
      }
    }
  }

  it('final states allow no action by anyone', () => {
    expect([...FINAL_STATES].sort()).toEqual(['cancelled', 'declined', 'expired', 'forwarded', 'no-show', 'report-returned']);
    for (const state of FINAL_STATES) for (const party of PARTIES) expect(availableActions(state, party)).toEqual([]);
  });

  it('lists the buttons each party sees', () => {
    expect(availableActions('requested', 'receiver')).toEqual(['receive', 'accept', 'decline', 'forward']);
    expect(availableActions('requested', 'sender')).toEqual(['cancel']);
    expect(availableActions('completed', 'receiver')).toEqual(['return-report']);
  });

  it('maps every state to an R4 Task.status and ServiceRequest.status', () => {
    const r4TaskStatuses = ['draft', 'requested', 'received', 'accepted', 'rejected', 'ready', 'cancelled', 'in-progress', 'on-hold', 'failed', 'completed', 'entered-in-error'];
    for (const state of REFERRAL_STATES) expect(r4TaskStatuses).toContain(TASK_STATUS[state]);
    expect(TASK_STATUS['report-returned']).toBe('completed');
    expect(TASK_STATUS.declined).toBe('rejected');
    expect(serviceRequestStatus('report-returned')).toBe('completed');
    expect(serviceRequestStatus('cancelled')).toBe('revoked');
    expect(serviceRequestStatus('forwarded')).toBe('revoked');
    expect(serviceRequestStatus('scheduled')).toBe('active');
  });
});
