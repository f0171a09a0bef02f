import { defineErrors } from '../../platform/errors/index.js';

export const AccessErrors = defineErrors('ACCESS', {
  TOKEN_MISSING: { status: 401, issue: 'login' },
  TOKEN_INVALID: { status: 401, issue: 'login' },
  TOKEN_EXPIRED: { status: 401, issue: 'login' },
  INSUFFICIENT_SCOPE: { status: 403, issue: 'forbidden' },
  TENANT_FORBIDDEN: { status: 403, issue: 'forbidden' },
  UNKNOWN_TENANT: { status: 400, issue: 'invalid' },
  // Token endpoint (RFC 6749 §5.2): each carries its OAuth error code as well, see oauth-error.ts.
  OAUTH_INVALID_REQUEST: { status: 400, issue: 'invalid' },
  OAUTH_INVALID_CLIENT: { status: 401, issue: 'login' },
  OAUTH_INVALID_GRANT: { status: 400, issue: 'invalid' },
  OAUTH_INVALID_SCOPE: { status: 400, issue: 'forbidden' },
  OAUTH_UNSUPPORTED_GRANT_TYPE: { status: 400, issue: 'not-supported' },
  // Client registration.
  INVALID_JWKS: { status: 400, issue: 'invalid' },
  INVALID_CLIENT_SCOPE: { status: 400, issue: 'invalid' },
  INVALID_CLIENT_NAME: { status: 400, issue: 'invalid' },
  // People.
  INVALID_USER: { status: 400, issue: 'invalid' },
  USERNAME_TAKEN: { status: 409, issue: 'duplicate' },
  LOGIN_FAILED: { status: 401, issue: 'login' },
  LOGIN_LOCKED: { status: 429, issue: 'throttled' },
  INVALID_LOGIN_REQUEST: { status: 400, issue: 'invalid' },
  // Demo credentials exist only in demo mode.
  DEMO_ONLY: { status: 403, issue: 'forbidden' },
});
