import type { FastifyReply, FastifyRequest, preHandlerHookHandler } from 'fastify';
import type { RequestContext } from '../../platform/context/request-context.js';
import { HubError } from '../../platform/errors/index.js';
import { AccessErrors } from './errors.js';
import type { UserRole } from './role-policy.js';
import { hasPermission, parseScopes, type Permission } from './scopes.js';

/**
 * Throws 403 ACCESS_ROLE_FORBIDDEN unless the caller is a person holding one
 * of `roles`. System clients hold no roles and are refused.
 */
export function assertRole(ctx: RequestContext, roles: readonly UserRole[]): void {
  const held = ctx.actor.kind === 'user' ? (ctx.actor.roles ?? []) : [];
  if (!held.some((role) => (roles as readonly string[]).includes(role))) {
    throw new HubError(AccessErrors.ROLE_FORBIDDEN, `This needs one of the roles: ${roles.join(', ')}`);
  }
}

/**
 * Throws 403 ACCESS_INSUFFICIENT_SCOPE unless the caller's scopes cover at
 * least one of `scopes` (SMART v2 strings such as `user/AuditEvent.rs`; every
 * permission of the listed scope must be granted, in the same context).
 */
export function assertAnyScope(ctx: RequestContext, scopes: readonly string[]): void {
  const wanted = parseScopes(scopes.join(' '));
  if (wanted.length !== scopes.length) throw new Error(`assertAnyScope: not a SMART v2 resource scope in ${scopes.join(' ')}`);
  const ok = wanted.some((want) => {
    const sameContext = ctx.scopes.filter((s) => s.context === want.context);
    return [...want.permissions].every((p) => hasPermission(sameContext, want.resourceType, p as Permission));
  });
  if (!ok) throw new HubError(AccessErrors.INSUFFICIENT_SCOPE, `The access token grants none of: ${scopes.join(', ')}`);
}

/**
 * Fastify preHandler for non-FHIR routes: `{ preHandler: requireRole('auditor', 'privacy-officer') }`.
 * Runs after the authenticate hook (onRequest), so `request.ctx` is set.
 */
export function requireRole(...roles: UserRole[]): preHandlerHookHandler {
  return async function checkRole(request: FastifyRequest, _reply: FastifyReply) {
    assertRole(request.ctx, roles);
  };
}

/** Fastify preHandler: the caller's scopes cover at least one of `scopes` (see assertAnyScope). */
export function requireAnyScope(...scopes: string[]): preHandlerHookHandler {
  if (parseScopes(scopes.join(' ')).length !== scopes.length) throw new Error(`requireAnyScope: not a SMART v2 resource scope in ${scopes.join(' ')}`);
  return async function checkScope(request: FastifyRequest, _reply: FastifyReply) {
    assertAnyScope(request.ctx, scopes);
  };
}
