import { defineErrors } from '../../platform/errors/index.js';

export const AccessErrors = defineErrors('ACCESS', {
  TOKEN_MISSING: { status: 401, issue: 'login' },
  TOKEN_INVALID: { status: 401, issue: 'login' },
  TOKEN_EXPIRED: { status: 401, issue: 'login' },
  INSUFFICIENT_SCOPE: { status: 403, issue: 'forbidden' },
  TENANT_FORBIDDEN: { status: 403, issue: 'forbidden' },
  UNKNOWN_TENANT: { status: 400, issue: 'invalid' },
});
