/**
 * Request facts, passed explicitly as `ctx` from the route to the service.
 * Never read from ambient state.
 */
export interface Scope {
  /** patient | user | system (SMART v2 context). */
  context: 'patient' | 'user' | 'system';
  /** A FHIR resource type or '*'. */
  resourceType: string;
  /** SMART v2 permissions: c r u d s. */
  permissions: ReadonlySet<'c' | 'r' | 'u' | 'd' | 's'>;
}

export interface Actor {
  kind: 'system' | 'user';
  /** client id for systems, user id for people. */
  id: string;
  display?: string;
  roles?: readonly string[];
}

export interface RequestContext {
  /** The institution the caller acts for. */
  tenantId: string;
  actor: Actor;
  scopes: readonly Scope[];
  requestId: string;
  purposeOfUse?: string;
  /** Set when a person signs in for their own record (role `patient`): the Patient they are. */
  patient?: { tenantId: string; id: string };
  /** Base URL for building absolute references and links. */
  baseUrl: string;
}
