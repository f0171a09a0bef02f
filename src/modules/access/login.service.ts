import type { RequestContext } from '../../platform/context/request-context.js';
import { HubError } from '../../platform/errors/index.js';
import type { Db } from '../../platform/storage/index.js';
import { findClient, findInstitution } from './client.repo.js';
import { AccessErrors } from './errors.js';
import { getDummyHash, verifyPassword } from './password.js';
import { formatScopes } from './scopes.js';
import type { IssuedToken, TokenService } from './token.service.js';
import { clearLoginFailures, findLockedUntil, findUserByUsername, findUserById, purgeStaleLoginFailures, recordLoginFailure } from './user.repo.js';
import { MAX_PASSWORD_LENGTH, normalizeUsername, scopesForRoles } from './user.service.js';

/** After `maxFailures` wrong passwords within `windowSeconds`, the username is locked for `lockSeconds`. */
export interface LockoutPolicy {
  maxFailures: number;
  windowSeconds: number;
  lockSeconds: number;
}

export const DEFAULT_LOCKOUT: LockoutPolicy = { maxFailures: 5, windowSeconds: 15 * 60, lockSeconds: 5 * 60 };

export interface SignedInUser {
  id: string;
  username: string;
  displayName: string;
  institution: { id: string; name: string };
  roles: string[];
}

export interface LoginResult extends IssuedToken {
  user: SignedInUser;
}

/** One message for an unknown user and a wrong password, so a response never tells which usernames exist. */
const LOGIN_FAILED_MESSAGE = 'Wrong username or password';

function readCredentials(body: unknown): { username: string; password: string } {
  const record = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const { username, password } = record;
  if (typeof username !== 'string' || username.trim().length === 0 || username.length > 256) {
    throw new HubError(AccessErrors.INVALID_LOGIN_REQUEST, 'Send JSON {"username": "...", "password": "..."}: username is missing', { expression: ['username'] });
  }
  if (typeof password !== 'string' || password.length === 0 || password.length > MAX_PASSWORD_LENGTH) {
    throw new HubError(AccessErrors.INVALID_LOGIN_REQUEST, 'Send JSON {"username": "...", "password": "..."}: password is missing or too long', {
      expression: ['password'],
    });
  }
  return { username: normalizeUsername(username), password };
}

function lockedError(until: Date, now: Date): HubError {
  const seconds = Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));
  return new HubError(AccessErrors.LOGIN_LOCKED, `Too many failed sign-ins for this username; try again in ${seconds} s`, {
    headers: { 'Retry-After': String(seconds) },
  });
}

/**
 * Signs a person in with username and password and issues a user-level
 * access token whose scopes follow their roles. Wrong password and unknown
 * user fail alike (401, same message, same scrypt work); after too many
 * failures the username is locked for a while (429 with Retry-After), even
 * for the right password.
 */
export async function signInWithPassword(
  deps: { db: Db; tokens: TokenService },
  body: unknown,
  options: { now?: Date; policy?: LockoutPolicy } = {},
): Promise<LoginResult> {
  const now = options.now ?? new Date();
  const policy = options.policy ?? DEFAULT_LOCKOUT;
  const { username, password } = readCredentials(body);
  const lockedUntil = await findLockedUntil(deps.db, username, now);
  if (lockedUntil) throw lockedError(lockedUntil, now);

  const user = await findUserByUsername(deps.db, username);
  const usable = user !== undefined && user.disabled_at === null;
  const ok = await verifyPassword(password, usable ? user.password_hash : await getDummyHash());
  if (!usable || !ok) {
    const locked = await recordLoginFailure(deps.db, username, now, policy);
    await purgeStaleLoginFailures(deps.db, now, policy.windowSeconds);
    if (locked) throw lockedError(locked, now);
    throw new HubError(AccessErrors.LOGIN_FAILED, LOGIN_FAILED_MESSAGE, { headers: { 'Cache-Control': 'no-store' } });
  }
  await clearLoginFailures(deps.db, username);
  const issued = await deps.tokens.mint({
    tenantId: user.tenant_id,
    actor: { kind: 'user', id: user.id, display: user.display_name, roles: user.roles },
    scope: scopesForRoles(user.roles),
  });
  return {
    ...issued,
    user: {
      id: user.id,
      username: user.username,
      displayName: user.display_name,
      institution: { id: user.tenant_id, name: user.institution_name },
      roles: user.roles,
    },
  };
}

export interface Identity {
  kind: 'user' | 'system';
  id: string;
  displayName?: string;
  username?: string;
  roles: string[];
  institution: { id: string; name?: string };
  scope: string;
  purposeOfUse?: string;
}

/** Who the bearer of a verified token is: the answer of GET /auth/me. */
export async function describeIdentity(db: Db, ctx: RequestContext): Promise<Identity> {
  const institution = await findInstitution(db, ctx.tenantId);
  const identity: Identity = {
    kind: ctx.actor.kind,
    id: ctx.actor.id,
    displayName: ctx.actor.display,
    roles: [...(ctx.actor.roles ?? [])],
    institution: { id: ctx.tenantId, name: institution?.name },
    scope: formatScopes(ctx.scopes),
    purposeOfUse: ctx.purposeOfUse,
  };
  if (ctx.actor.kind === 'user') {
    const user = await findUserById(db, ctx.actor.id);
    if (user) {
      identity.username = user.username;
      identity.displayName = user.display_name;
    }
  } else {
    const client = await findClient(db, ctx.actor.id);
    if (client) identity.displayName = client.name;
  }
  return identity;
}
