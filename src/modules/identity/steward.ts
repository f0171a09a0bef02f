import type { RequestContext } from '../../platform/context/request-context.js';
import { HubError } from '../../platform/errors/index.js';
import { hasPermission } from '../access/index.js';
import { IdentityErrors } from './errors.js';

/** People who may decide review pairs (data stewards). */
export const STEWARD_ROLES = ['institution-admin', 'regional-admin'] as const;

/** What a steward may see and decide: the whole region, or pairs touching their own institution. */
export interface StewardReach {
  regionWide: boolean;
  tenantId: string;
}

/**
 * A data steward is a person with role institution-admin (their institution's pairs) or regional-admin (every
 * pair), or a system client whose token grants update on Patient (`system/Patient.u`, `system/*.cruds`; its
 * institution's pairs). Anyone else gets 403.
 */
export function assertSteward(ctx: RequestContext): StewardReach {
  if (ctx.actor.kind === 'user') {
    const roles = ctx.actor.roles ?? [];
    if (roles.includes('regional-admin')) return { regionWide: true, tenantId: ctx.tenantId };
    if (roles.includes('institution-admin')) return { regionWide: false, tenantId: ctx.tenantId };
    throw new HubError(IdentityErrors.FORBIDDEN, `Deciding identity pairs needs the role ${STEWARD_ROLES.join(' or ')}`);
  }
  if (hasPermission(ctx.scopes, 'Patient', 'u')) return { regionWide: false, tenantId: ctx.tenantId };
  throw new HubError(IdentityErrors.FORBIDDEN, 'Deciding identity pairs needs a token granting update on Patient (system/Patient.u)');
}
