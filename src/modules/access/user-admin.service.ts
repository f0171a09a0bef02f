import type { RequestContext } from '../../platform/context/request-context.js';
import { HubError } from '../../platform/errors/index.js';
import { AccessErrors } from './errors.js';
import { clearMfa, deleteUserMfaTickets } from './mfa.repo.js';
import { assertRole } from './role-guard.js';
import { REGIONAL_ROLES, isUserRole } from './role-policy.js';
import { revokeUserSessions, type PeopleDeps } from './session.service.js';
import { clearLoginFailures, findUserById, listUsers, setUserDisabled, type UserRow } from './user.repo.js';
import { createUser } from './user.service.js';

/** A user as the administration API shows it: never a hash or a secret. */
export interface AdminUserView {
  id: string;
  username: string;
  displayName: string;
  institution: { id: string; name: string };
  roles: string[];
  disabled: boolean;
  mfaEnabled: boolean;
  /** Set while the username is locked out after failed sign-ins. */
  lockedUntil?: string;
  patient?: { tenantId: string; id: string };
  createdAt: string;
}

function toView(row: UserRow & { locked_until?: Date | null }): AdminUserView {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    institution: { id: row.tenant_id, name: row.institution_name },
    roles: row.roles,
    disabled: row.disabled_at !== null,
    mfaEnabled: row.mfa_secret !== null,
    ...(row.locked_until ? { lockedUntil: row.locked_until.toISOString() } : {}),
    ...(row.patient_id && row.patient_tenant_id ? { patient: { tenantId: row.patient_tenant_id, id: row.patient_id } } : {}),
    createdAt: row.created_at.toISOString(),
  };
}

/** A regional admin manages every institution; an institution admin only their own. Throws 403 otherwise. */
function adminScope(ctx: RequestContext): { regional: boolean } {
  assertRole(ctx, ['institution-admin', 'regional-admin']);
  return { regional: (ctx.actor.roles ?? []).includes('regional-admin') };
}

/** Roles the caller may hand out or manage: an institution admin never touches region-wide roles. */
function assertRolesManageable(regional: boolean, roles: readonly string[]): void {
  if (regional) return;
  const regionalRole = roles.find((role) => (REGIONAL_ROLES as readonly string[]).includes(role));
  if (regionalRole) {
    throw new HubError(AccessErrors.ROLE_NOT_GRANTABLE, `Only a regional admin manages users with the role ${regionalRole}`, { expression: ['roles'] });
  }
}

/** The target user when the caller may manage them; 404 (not 403) for another institution's user, so ids do not leak. */
async function loadManagedUser(deps: PeopleDeps, ctx: RequestContext, id: string): Promise<UserRow> {
  const { regional } = adminScope(ctx);
  const user = typeof id === 'string' && id.length <= 64 ? await findUserById(deps.db, id) : undefined;
  if (!user || (!regional && user.tenant_id !== ctx.tenantId)) throw new HubError(AccessErrors.USER_NOT_FOUND, `No user ${id}`);
  assertRolesManageable(regional, user.roles);
  return user;
}

async function view(deps: PeopleDeps, id: string): Promise<AdminUserView> {
  const user = await findUserById(deps.db, id);
  if (!user) throw new HubError(AccessErrors.USER_NOT_FOUND, `No user ${id}`);
  return toView(user);
}

export interface UserListQuery {
  institution?: string;
  q?: string;
  _count?: number;
  _offset?: number;
}

/** Lists users: a regional admin sees every institution (optionally one), an institution admin their own. */
export async function listUsersForAdmin(deps: PeopleDeps, ctx: RequestContext, query: UserListQuery, now = new Date()): Promise<{ users: AdminUserView[] }> {
  const { regional } = adminScope(ctx);
  if (!regional && query.institution !== undefined && query.institution !== ctx.tenantId) {
    throw new HubError(AccessErrors.TENANT_FORBIDDEN, 'An institution admin lists only their own institution', { expression: ['institution'] });
  }
  const rows = await listUsers(
    deps.db,
    { tenantId: regional ? query.institution : ctx.tenantId, text: query.q?.trim() || undefined, limit: query._count ?? 100, offset: query._offset ?? 0 },
    now,
  );
  return { users: rows.map(toView) };
}

export interface AdminCreateUserBody {
  username: string;
  displayName: string;
  password: string;
  roles: string[];
  /** Institution of the new user; an institution admin may omit it or give their own. */
  institution?: string;
  patientId?: string;
}

/** Creates a user with roles the caller may grant (see assertRolesManageable). */
export async function createUserAsAdmin(deps: PeopleDeps, ctx: RequestContext, body: AdminCreateUserBody): Promise<AdminUserView> {
  const { regional } = adminScope(ctx);
  const tenantId = body.institution ?? ctx.tenantId;
  if (!regional && tenantId !== ctx.tenantId) {
    throw new HubError(AccessErrors.TENANT_FORBIDDEN, 'An institution admin creates users only in their own institution', { expression: ['institution'] });
  }
  const unknown = body.roles.find((role) => !isUserRole(role));
  if (unknown === undefined) assertRolesManageable(regional, body.roles); // unknown roles: createUser says which
  const { id } = await createUser(deps.db, {
    tenantId,
    username: body.username,
    displayName: body.displayName,
    password: body.password,
    roles: body.roles,
    ...(body.patientId !== undefined ? { patientId: body.patientId } : {}),
  });
  return view(deps, id);
}

/** Disables a user and ends their sessions; their access tokens stop working at once. Nobody disables themselves. */
export async function disableUser(deps: PeopleDeps, ctx: RequestContext, id: string): Promise<AdminUserView> {
  const user = await loadManagedUser(deps, ctx, id);
  if (user.id === ctx.actor.id) throw new HubError(AccessErrors.INVALID_USER, 'You cannot disable your own account');
  await deps.db.transaction(async (tx) => {
    await setUserDisabled(tx, user.id, true);
    await deleteUserMfaTickets(tx, user.id);
    await revokeUserSessions(tx, deps, user.id);
  });
  return view(deps, user.id);
}

export async function enableUser(deps: PeopleDeps, ctx: RequestContext, id: string): Promise<AdminUserView> {
  const user = await loadManagedUser(deps, ctx, id);
  await setUserDisabled(deps.db, user.id, false);
  return view(deps, user.id);
}

/**
 * Clears a user's TOTP secret and recovery codes (a lost phone) and ends their
 * sessions; outside demo mode their next sign-in leads to enrolment.
 */
export async function resetUserMfa(deps: PeopleDeps, ctx: RequestContext, id: string): Promise<AdminUserView> {
  const user = await loadManagedUser(deps, ctx, id);
  await deps.db.transaction(async (tx) => {
    await clearMfa(tx, user.id);
    await deleteUserMfaTickets(tx, user.id);
    await revokeUserSessions(tx, deps, user.id);
  });
  return view(deps, user.id);
}

/** Lifts a sign-in lockout early. */
export async function unlockUser(deps: PeopleDeps, ctx: RequestContext, id: string): Promise<AdminUserView> {
  const user = await loadManagedUser(deps, ctx, id);
  await clearLoginFailures(deps.db, user.username);
  return view(deps, user.id);
}
