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
  ROLE_FORBIDDEN: { status: 403, issue: 'forbidden' },
  // Second factor (TOTP) and sign-in tickets.
  MFA_FAILED: { status: 401, issue: 'login' },
  MFA_TICKET_INVALID: { status: 401, issue: 'login' },
  MFA_INVALID_REQUEST: { status: 400, issue: 'invalid' },
  MFA_NOT_PENDING: { status: 409, issue: 'conflict' },
  MFA_ALREADY_ENABLED: { status: 409, issue: 'conflict' },
  MFA_ENROLMENT_REQUIRED: { status: 403, issue: 'forbidden' },
  // Revocation (refresh failures are OAuth invalid_grant, see oauth-error.ts).
  TOKEN_REVOKED: { status: 401, issue: 'login' },
  // User administration.
  USER_NOT_FOUND: { status: 404, issue: 'not-found' },
  ROLE_NOT_GRANTABLE: { status: 403, issue: 'forbidden' },
  // Demo credentials exist only in demo mode.
  DEMO_ONLY: { status: 403, issue: 'forbidden' },
});
