import { defineErrors } from '../../platform/errors/index.js';

export const SharingErrors = defineErrors('SHARING', {
  INVALID_PARAMETER: { status: 400, issue: 'invalid' },
  PATIENT_NOT_FOUND: { status: 404, issue: 'not-found' },
});
