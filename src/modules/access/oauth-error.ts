import type { OperationOutcome } from '@medplum/fhirtypes';
import { HubError, type HubErrorSpec } from '../../platform/errors/index.js';
import { AccessErrors } from './errors.js';

/** The error codes of RFC 6749 §5.2 that the token endpoint returns. */
export type OAuthErrorCode = 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'invalid_scope' | 'unsupported_grant_type';

/** Code system for OAuth error codes in OperationOutcome.issue.details.coding. */
export const OAUTH_ERROR_SYSTEM = 'urn:ietf:rfc:6749';

const SPECS: Record<OAuthErrorCode, HubErrorSpec> = {
  invalid_request: AccessErrors.OAUTH_INVALID_REQUEST,
  invalid_client: AccessErrors.OAUTH_INVALID_CLIENT,
  invalid_grant: AccessErrors.OAUTH_INVALID_GRANT,
  invalid_scope: AccessErrors.OAUTH_INVALID_SCOPE,
  unsupported_grant_type: AccessErrors.OAUTH_UNSUPPORTED_GRANT_TYPE,
};

/**
 * A token-endpoint failure. It travels through the one error handler like any
 * HubError; the OperationOutcome additionally carries the OAuth error code
 * (system urn:ietf:rfc:6749) so OAuth clients can branch on it. Status is 401
 * for invalid_client (client authentication failed) and 400 otherwise, per
 * RFC 6749 §5.2. Responses are never cached (§5.1).
 */
export class OAuthError extends HubError {
  readonly oauthCode: OAuthErrorCode;

  constructor(oauthCode: OAuthErrorCode, message: string, options: { cause?: unknown } = {}) {
    const headers: Record<string, string> = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };
    if (oauthCode === 'invalid_client') headers['WWW-Authenticate'] = 'Bearer realm="xietong", error="invalid_client"';
    super(SPECS[oauthCode], message, { headers, cause: options.cause });
    this.oauthCode = oauthCode;
  }

  override toOutcome(): OperationOutcome {
    const outcome = super.toOutcome();
    const issue = outcome.issue[0];
    issue.details = { ...issue.details, coding: [{ system: OAUTH_ERROR_SYSTEM, code: this.oauthCode }, ...(issue.details?.coding ?? [])] };
    return outcome;
  }
}
