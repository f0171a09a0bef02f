import { HubError } from '../../platform/errors/index.js';
import type { TokenClaims } from './token.service.js';
import { AccessErrors } from './errors.js';
import { lockedError } from './lockout.js';
import { checkSecondFactor, issueRecoveryCodes } from './mfa.service.js';
import { hashPassword, verifyPassword } from './password.js';
import { revokeUserSessions, type PeopleDeps } from './session.service.js';
import { findLockedUntil, findUserById, recordLoginFailure, updatePasswordHash, type UserRow } from './user.repo.js';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from './user.service.js';

function readString(body: unknown, name: string, max: number): string {
  const value = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    throw new HubError(AccessErrors.INVALID_USER, `${name} is required (at most ${max} characters)`, { expression: [name] });
  }
  return value;
}

/** The person behind a verified token; system clients have no account here. */
async function loadAccount(deps: PeopleDeps, claims: TokenClaims): Promise<UserRow> {
  if (claims.actor.kind !== 'user') throw new HubError(AccessErrors.ROLE_FORBIDDEN, 'Only people have an account to manage');
  const user = await findUserById(deps.db, claims.actor.id);
  if (!user || user.disabled_at) throw new HubError(AccessErrors.TOKEN_INVALID, 'The signed-in user no longer exists or is disabled');
  return user;
}

/** A wrong proof counts toward the username lockout, like a wrong password at sign-in. */
async function countFailure(deps: PeopleDeps, user: UserRow, now: Date): Promise<void> {
  const locked = await recordLoginFailure(deps.db, user.username, now, deps.people.lockout);
  if (locked) throw lockedError(locked, now);
}

/**
 * POST /auth/password: a signed-in person changes their password with the
 * current one. Every other sign-in session of theirs ends (a changed password
 * is often a reaction to a leak); the one making the change continues.
 */
export async function changePassword(deps: PeopleDeps, claims: TokenClaims, body: unknown, now = new Date()): Promise<void> {
  const current = readString(body, 'current_password', MAX_PASSWORD_LENGTH);
  const next = readString(body, 'new_password', MAX_PASSWORD_LENGTH);
  if (next.length < MIN_PASSWORD_LENGTH) {
    throw new HubError(AccessErrors.INVALID_USER, `new_password must be ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters`, { expression: ['new_password'] });
  }
  const user = await loadAccount(deps, claims);
  const lockedUntil = await findLockedUntil(deps.db, user.username, now);
  if (lockedUntil) throw lockedError(lockedUntil, now);
  if (!(await verifyPassword(current, user.password_hash))) {
    await countFailure(deps, user, now);
    throw new HubError(AccessErrors.LOGIN_FAILED, 'The current password is wrong', { expression: ['current_password'] });
  }
  const hash = await hashPassword(next);
  await deps.db.transaction(async (tx) => {
    await updatePasswordHash(tx, user.id, hash);
    await revokeUserSessions(tx, deps, user.id, now, claims.sessionId);
  });
}

/**
 * POST /auth/mfa/recovery-codes: ten new recovery codes for a signed-in
 * person with MFA on, proven with a current TOTP code; the old codes stop working.
 */
export async function regenerateRecoveryCodes(deps: PeopleDeps, claims: TokenClaims, body: unknown, now = new Date()): Promise<{ recovery_codes: string[] }> {
  const code = readString(body, 'code', 32);
  const user = await loadAccount(deps, claims);
  if (!user.mfa_secret) throw new HubError(AccessErrors.MFA_NOT_PENDING, 'Two-factor sign-in is not set up; enrol first');
  const lockedUntil = await findLockedUntil(deps.db, user.username, now);
  if (lockedUntil) throw lockedError(lockedUntil, now);
  if (!(await checkSecondFactor(deps.db, user, { code }, now))) {
    await countFailure(deps, user, now);
    throw new HubError(AccessErrors.MFA_FAILED, 'The code is wrong or was used already');
  }
  return { recovery_codes: await issueRecoveryCodes(deps.db, user.id) };
}
