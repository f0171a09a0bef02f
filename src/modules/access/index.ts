export { AccessErrors } from './errors.js';
export { OAuthError, OAUTH_ERROR_SYSTEM, type OAuthErrorCode } from './oauth-error.js';
export { parseScopes, parseScopesStrict, formatScope, formatScopes, intersectScopes, hasPermission, assertPermission, type Permission } from './scopes.js';
export { TokenService, type TokenClaims, type IssuedToken } from './token.service.js';
export { createAuthenticateHook } from './authenticate.js';
export {
  registerClient,
  generateClientKeyPair,
  resolveInstitution,
  validateClientJwks,
  CLIENT_ASSERTION_ALGS,
  type ClientAssertionAlg,
  type RegisterClientInput,
} from './client.service.js';
export { signClientAssertion, type ClientAssertionInput } from './client-assertion.js';
export { CLIENT_ASSERTION_TYPE, exchangeClientCredentials, grantClientToken, loadEnabledClient } from './client-credentials.service.js';
export { createUser, scopesForRoles, USER_ROLES, type UserRole, type CreateUserInput } from './user.service.js';
export { signInWithPassword, describeIdentity, DEFAULT_LOCKOUT, type LoginResult, type LockoutPolicy } from './login.service.js';
export {
  createDemoCredentials,
  listDemoCredentials,
  readDemoClients,
  writePrivateKeyFile,
  demoCredentialsDir,
  DEMO_PASSWORD,
  type DemoClientEntry,
  type DemoInstitution,
} from './demo-credentials.service.js';
export { buildSmartConfiguration, tokenEndpointUrl } from './smart-configuration.js';
export { accessRoutes, type AccessRoutesOptions } from './access.routes.js';
