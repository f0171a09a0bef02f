import { defineErrors } from '../../platform/errors/index.js';

/** The identity error catalog. Codes are stable; see README.md. */
export const IdentityErrors = defineErrors('IDENTITY', {
  PAIR_NOT_FOUND: { status: 404, issue: 'not-found' },
  PAIR_CLOSED: { status: 409, issue: 'conflict' },
  DECISION_NOT_APPLICABLE: { status: 409, issue: 'conflict' },
  RECORD_NOT_INDEXED: { status: 409, issue: 'conflict' },
  INVALID_DECISION: { status: 400, issue: 'invalid' },
  INVALID_PARAMETERS: { status: 400, issue: 'invalid' },
  INVALID_QUERY: { status: 400, issue: 'invalid' },
  FORBIDDEN: { status: 403, issue: 'forbidden' },
  SOURCE_NOT_FOUND: { status: 404, issue: 'not-found' },
  TARGET_SYSTEM_UNKNOWN: { status: 403, issue: 'code-invalid' },
  SOURCE_SYSTEM_UNKNOWN: { status: 400, issue: 'code-invalid' },
});
