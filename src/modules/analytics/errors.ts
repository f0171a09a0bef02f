import { defineErrors } from '../../platform/errors/index.js';

/** Errors of the analytics module (stable codes, ANALYTICS_ prefix). */
export const AnalyticsErrors = defineErrors('ANALYTICS', {
  INVALID_PARAMETER: { status: 400, issue: 'invalid' },
});
