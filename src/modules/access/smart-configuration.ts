import { CLIENT_ASSERTION_ALGS } from './client.service.js';

/** The token endpoint's absolute URL; also the only `aud` accepted in client assertions. */
export function tokenEndpointUrl(baseUrl: string): string {
  return `${baseUrl}/auth/token`;
}

/**
 * The SMART configuration document served at `/.well-known/smart-configuration`
 * and `[FHIR base]/.well-known/smart-configuration`.
 * https://hl7.org/fhir/smart-app-launch/conformance.html#metadata
 */
export function buildSmartConfiguration(baseUrl: string): Record<string, unknown> {
  return {
    issuer: baseUrl,
    jwks_uri: `${baseUrl}/auth/jwks`,
    token_endpoint: tokenEndpointUrl(baseUrl),
    token_endpoint_auth_methods_supported: ['private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: [...CLIENT_ASSERTION_ALGS],
    grant_types_supported: ['client_credentials'],
    scopes_supported: ['system/*.cruds', 'system/*.rs', 'system/*.read', 'system/*.write', 'user/*.cruds', 'user/*.rs'],
    response_types_supported: ['token'],
    capabilities: ['client-confidential-asymmetric', 'permission-v2', 'permission-v1'],
  };
}
