import { defineErrors } from '../../platform/errors/index.js';

/** Errors of consent, the access decision and break-the-glass (module access, prefix ACCESS). */
export const ConsentErrors = defineErrors('ACCESS', {
  INVALID_CARE_RELATIONSHIP: { status: 400, issue: 'invalid' },
  INVALID_CONSENT_REQUEST: { status: 400, issue: 'invalid' },
  CONSENT_NOT_FOUND: { status: 404, issue: 'not-found' },
  PATIENT_NOT_FOUND: { status: 404, issue: 'not-found' },
  PATIENT_CONTEXT_REQUIRED: { status: 403, issue: 'forbidden' },
  INVALID_BREAK_GLASS: { status: 400, issue: 'invalid' },
  BREAK_GLASS_FORBIDDEN: { status: 403, issue: 'forbidden' },
  BREAK_GLASS_NOT_FOUND: { status: 404, issue: 'not-found' },
  BREAK_GLASS_ALREADY_REVIEWED: { status: 409, issue: 'conflict' },
  ACCESS_DENIED: { status: 403, issue: 'forbidden' },
});
