import { defineErrors } from '../../platform/errors/index.js';

/** Errors of the referrals module (stable codes, REFERRAL_ prefix). */
export const ReferralErrors = defineErrors('REFERRAL', {
  INVALID_INPUT: { status: 400, issue: 'invalid' },
  NOT_FOUND: { status: 404, issue: 'not-found' },
  ILLEGAL_TRANSITION: { status: 409, issue: 'conflict' },
  CONCURRENT_UPDATE: { status: 409, issue: 'conflict' },
  WRONG_PARTY: { status: 403, issue: 'forbidden' },
  ROLE_REQUIRED: { status: 403, issue: 'forbidden' },
  UNKNOWN_INSTITUTION: { status: 422, issue: 'value' },
  UNKNOWN_PATIENT: { status: 422, issue: 'value' },
  UNKNOWN_RESOURCE: { status: 422, issue: 'value' },
});
