export { AccessErrors } from './errors.js';
export { parseScopes, formatScope, hasPermission, assertPermission, type Permission } from './scopes.js';
export { TokenService, type TokenClaims, type IssuedToken } from './token.service.js';
export { createAuthenticateHook } from './authenticate.js';
