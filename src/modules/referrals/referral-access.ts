import type { RequestContext } from '../../platform/context/request-context.js';
import { HubError } from '../../platform/errors/index.js';
import { assertPermission } from '../access/index.js';
import { ReferralErrors } from './errors.js';
import type { ReferralAction } from './referral-state.js';

/**
 * Which people may do what. Systems (SMART backend clients) are governed by
 * their scopes instead: create needs ServiceRequest c, transitions Task u,
 * reads Task r.
 */
const ACTION_ROLES: Record<ReferralAction | 'create', readonly string[]> = {
  create: ['clinician', 'referral-coordinator'],
  receive: ['referral-coordinator', 'clinician', 'nurse'],
  accept: ['referral-coordinator', 'clinician'],
  decline: ['referral-coordinator', 'clinician'],
  forward: ['referral-coordinator', 'clinician'],
  schedule: ['referral-coordinator', 'clinician', 'nurse'],
  start: ['clinician', 'nurse', 'referral-coordinator'],
  'no-show': ['referral-coordinator', 'clinician', 'nurse'],
  complete: ['clinician'],
  'return-report': ['clinician'],
  cancel: ['clinician', 'referral-coordinator'],
  expire: [],
};
/** People who see worklists and referral details (patient-identifying). */
const READ_ROLES = ['clinician', 'nurse', 'referral-coordinator', 'institution-admin'];
/** People who see measures (aggregate counts and times only). */
const MEASURE_ROLES = [...READ_ROLES, 'regional-analyst', 'regional-admin', 'auditor', 'privacy-officer'];
/** Roles that see measures for the whole region, not only their own institution. */
export const REGIONAL_ROLES = ['regional-analyst', 'regional-admin'];

function assertRole(ctx: RequestContext, allowed: readonly string[], what: string): void {
  const roles = ctx.actor.roles ?? [];
  if (!roles.some((r) => allowed.includes(r))) {
    throw new HubError(ReferralErrors.ROLE_REQUIRED, `${what} needs one of the roles: ${allowed.join(', ')}`);
  }
}

export function assertMayAct(ctx: RequestContext, action: ReferralAction | 'create'): void {
  if (ctx.actor.kind === 'user') return assertRole(ctx, ACTION_ROLES[action], action === 'create' ? 'Creating a referral' : `The action ${action}`);
  assertPermission(ctx.scopes, action === 'create' ? 'ServiceRequest' : 'Task', action === 'create' ? 'c' : 'u');
}

export function assertMayRead(ctx: RequestContext): void {
  if (ctx.actor.kind === 'user') return assertRole(ctx, READ_ROLES, 'Reading referrals');
  assertPermission(ctx.scopes, 'Task', 'r');
}

export function assertMayReadMeasures(ctx: RequestContext): void {
  if (ctx.actor.kind === 'user') return assertRole(ctx, MEASURE_ROLES, 'Referral measures');
  assertPermission(ctx.scopes, 'Task', 'r');
}

export function seesWholeRegion(ctx: RequestContext): boolean {
  return ctx.actor.kind === 'user' && (ctx.actor.roles ?? []).some((r) => REGIONAL_ROLES.includes(r));
}
