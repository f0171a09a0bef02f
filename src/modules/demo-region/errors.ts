import { defineErrors } from '../../platform/errors/index.js';

/** Errors of the demo-region module. */
export const DemoRegionErrors = defineErrors('DEMO', {
  INVALID_OPTIONS: { status: 400, issue: 'invalid' },
  ALREADY_SEEDED: { status: 409, issue: 'duplicate' },
  PARTIALLY_SEEDED: { status: 409, issue: 'conflict' },
});
