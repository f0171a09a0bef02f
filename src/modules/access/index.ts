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
export { createUser, type CreateUserInput } from './user.service.js';
export {
  USER_ROLES,
  REGIONAL_ROLES,
  CONSOLE_PAGES,
  ROLE_POLICY,
  scopesForRoles,
  pagesForRoles,
  isUserRole,
  type UserRole,
  type ConsolePage,
} from './role-policy.js';
export { requireRole, requireAnyScope, assertRole, assertAnyScope } from './role-guard.js';
export {
  signInWithPassword,
  completeMfaSignIn,
  describeIdentity,
  DEFAULT_LOCKOUT,
  type LoginResult,
  type LockoutPolicy,
  type MfaChallenge,
  type MfaEnrolmentChallenge,
} from './login.service.js';
export { peoplePolicyFromConfig, refreshSession, signOut, startSession, type PeopleDeps, type PeoplePolicy, type SignedIn } from './session.service.js';
export { matchTotp, TOTP_ISSUER, RECOVERY_CODE_COUNT } from './mfa.service.js';
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
// Consent, the access decision, break-the-glass (see README "Consent and the access decision").
export { decideAccess, linkedRecordsFor, forgetPatientFacts, type AccessDecision, type AccessBasis, type AccessQuestion, type PolicyOptions } from './policy.service.js';
export { findLinkedPatientRecords, type PatientRecordRef } from './policy-linked-records.js';
export { classifyResource, categoryOfLabel, SENSITIVE_CATEGORIES, SECURITY_LABELS, type SensitiveCategory } from './policy-sensitive.js';
export { evaluateConsents, questionFor, type ConsentDefault, type ConsentVerdict } from './consent-evaluate.js';
export { buildGrantConsent, grantIdOf, CONSENT_GRANT_ID_SYSTEM, type ConsentGrant } from './consent-resource.js';
export { selectConsents as findPatientConsents, patientExists as patientRecordExists, type StoredConsent } from './consent.repo.js';
export { recordCareRelationship, CARE_RELATIONSHIP_SOURCES, type CareRelationshipInput, type CareRelationshipSource } from './care-relationship.service.js';
export { declareBreakGlass, recordBreakGlassUses, listBreakGlassGrants, reviewBreakGlass, BREAK_GLASS_REASONS } from './break-glass.service.js';
export { ConsentErrors } from './consent-errors.js';
export { breakGlassRoutes } from './break-glass.routes.js';
