import { createHash, randomBytes } from 'node:crypto';
import type { RequestContext } from '../../platform/context/request-context.js';
import { HubError } from '../../platform/errors/index.js';
import type { Db } from '../../platform/storage/index.js';
import { findClient, findInstitution } from './client.repo.js';
import { AccessErrors } from './errors.js';
import { lockedError } from './lockout.js';
import { countMfaTicketFailure, deleteMfaTicket, findMfaTicket, insertMfaTicket, type TicketPurpose } from './mfa.repo.js';
import { checkSecondFactor } from './mfa.service.js';
import { getDummyHash, verifyPassword } from './password.js';
import { pagesForRoles, type ConsolePage } from './role-policy.js';
import { formatScopes } from './scopes.js';
import { startSession, type PeopleDeps, type SignedIn } from './session.service.js';
import { auditSignIn } from './sign-in-audit.js';
import { clearLoginFailures, findLockedUntil, findUserByUsername, findUserById, purgeStaleLoginFailures, recordLoginFailure, type UserRow } from './user.repo.js';
import { MAX_PASSWORD_LENGTH, normalizeUsername } from './user.service.js';

export { DEFAULT_LOCKOUT, type LockoutPolicy } from './lockout.js';

/** A sign-in ticket lives this long: enough to open the authenticator app, short enough to be useless when stolen later. */
export const MFA_TICKET_TTL_SECONDS = 300;
/** Wrong codes one ticket may take before it is void (each also counts toward the username lockout). */
const MFA_TICKET_MAX_FAILURES = 5;

/** The password was right; a TOTP code (or recovery code) must follow, with this ticket. */
export interface MfaChallenge {
  mfa_required: true;
  mfa_ticket: string;
  expires_in: number;
}

/** The password was right but MFA is required and not set up: the ticket allows enrolment only. */
export interface MfaEnrolmentChallenge {
  mfa_enrolment_required: true;
  mfa_ticket: string;
  expires_in: number;
}

export type LoginResult = SignedIn | MfaChallenge | MfaEnrolmentChallenge;

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

/** Counts a failure for the username; throws 429 when this failure locked it. */
async function countFailure(deps: PeopleDeps, username: string, now: Date): Promise<void> {
  const locked = await recordLoginFailure(deps.db, username, now, deps.people.lockout);
  await purgeStaleLoginFailures(deps.db, now, deps.people.lockout.windowSeconds);
  if (locked) throw lockedError(locked, now);
}

export function hashTicket(ticket: string): string {
  return createHash('sha256').update(ticket).digest('base64url');
}

async function issueTicket(db: Db, userId: string, purpose: TicketPurpose, now: Date): Promise<string> {
  const ticket = `xmt_${randomBytes(32).toString('base64url')}`;
  await insertMfaTicket(db, { ticket_hash: hashTicket(ticket), user_id: userId, purpose, expires_at: new Date(now.getTime() + MFA_TICKET_TTL_SECONDS * 1000) });
  return ticket;
}

/**
 * Step 1 of signing a person in: username and password. Wrong password and
 * unknown user fail alike (401, same message, same scrypt work); after too
 * many failures the username is locked (429 with Retry-After), even for the
 * right password. A user with TOTP on gets an `mfa_required` ticket; outside
 * demo mode (requireMfa) a user without TOTP gets an `mfa_enrolment_required`
 * ticket that allows enrolment only; otherwise tokens straight away.
 */
export async function signInWithPassword(deps: PeopleDeps, body: unknown, options: { now?: Date } = {}): Promise<LoginResult> {
  const now = options.now ?? new Date();
  const { username, password } = readCredentials(body);
  const lockedUntil = await findLockedUntil(deps.db, username, now);
  if (lockedUntil) throw lockedError(lockedUntil, now);

  const user = await findUserByUsername(deps.db, username);
  const usable = user !== undefined && user.disabled_at === null;
  const ok = await verifyPassword(password, usable ? user.password_hash : await getDummyHash());
  if (!usable || !ok) {
    await auditSignIn(deps.db, { username, user: usable ? user : undefined, outcome: 'failure', step: 'password' });
    await countFailure(deps, username, now);
    throw new HubError(AccessErrors.LOGIN_FAILED, LOGIN_FAILED_MESSAGE, { headers: { 'Cache-Control': 'no-store' } });
  }
  if (user.mfa_secret) {
    // The failure count is kept until the second factor passes: a right password alone proves little.
    return { mfa_required: true, mfa_ticket: await issueTicket(deps.db, user.id, 'verify', now), expires_in: MFA_TICKET_TTL_SECONDS };
  }
  await clearLoginFailures(deps.db, username);
  if (deps.people.requireMfa && !user.demo) {
    return { mfa_enrolment_required: true, mfa_ticket: await issueTicket(deps.db, user.id, 'enrol', now), expires_in: MFA_TICKET_TTL_SECONDS };
  }
  await auditSignIn(deps.db, { username, user, outcome: 'success', step: 'password' });
  return startSession(deps, user, now);
}

function readField(body: unknown, name: string): string | undefined {
  const value = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > 256) {
    throw new HubError(AccessErrors.MFA_INVALID_REQUEST, `${name} must be a non-empty string`, { expression: [name] });
  }
  return value;
}

/**
 * Resolves a sign-in ticket to its user. Throws ACCESS_MFA_TICKET_INVALID
 * (401) when it is unknown, expired, for another purpose, or the user is
 * disabled meanwhile.
 */
export async function resolveTicket(db: Db, body: unknown, purpose: TicketPurpose, now: Date): Promise<{ user: UserRow; ticketHash: string; failures: number }> {
  const ticket = readField(body, 'mfa_ticket');
  if (ticket === undefined) throw new HubError(AccessErrors.MFA_INVALID_REQUEST, 'mfa_ticket is required', { expression: ['mfa_ticket'] });
  const row = await findMfaTicket(db, hashTicket(ticket), now);
  const user = row && row.purpose === purpose ? await findUserById(db, row.user_id) : undefined;
  if (!row || !user || user.disabled_at) {
    throw new HubError(AccessErrors.MFA_TICKET_INVALID, 'The sign-in ticket is unknown or expired; sign in with your password again');
  }
  return { user, ticketHash: row.ticket_hash, failures: row.failures };
}

/**
 * Step 2: the ticket from step 1 and a TOTP `code` (or a `recovery_code`).
 * A wrong code is 401 and counts toward the username lockout; a ticket dies
 * after 5 wrong codes or on success (single use).
 */
export async function completeMfaSignIn(deps: PeopleDeps, body: unknown, options: { now?: Date } = {}): Promise<SignedIn & { recovery_codes_left?: number }> {
  const now = options.now ?? new Date();
  const code = readField(body, 'code');
  const recoveryCode = readField(body, 'recovery_code');
  if ((code === undefined) === (recoveryCode === undefined)) {
    throw new HubError(AccessErrors.MFA_INVALID_REQUEST, 'Send exactly one of code (6 digits from the app) or recovery_code', { expression: ['code'] });
  }
  const { user, ticketHash } = await resolveTicket(deps.db, body, 'verify', now);
  const lockedUntil = await findLockedUntil(deps.db, user.username, now);
  if (lockedUntil) throw lockedError(lockedUntil, now);
  const passed = await checkSecondFactor(deps.db, user, { code, recoveryCode }, now);
  if (!passed) {
    if ((await countMfaTicketFailure(deps.db, ticketHash)) >= MFA_TICKET_MAX_FAILURES) await deleteMfaTicket(deps.db, ticketHash);
    await auditSignIn(deps.db, { username: user.username, user, outcome: 'failure', step: 'second-factor' });
    await countFailure(deps, user.username, now);
    throw new HubError(AccessErrors.MFA_FAILED, 'The code is wrong or was used already', { headers: { 'Cache-Control': 'no-store' } });
  }
  if (!(await deleteMfaTicket(deps.db, ticketHash))) {
    throw new HubError(AccessErrors.MFA_TICKET_INVALID, 'The sign-in ticket was used already; sign in with your password again');
  }
  await clearLoginFailures(deps.db, user.username);
  await auditSignIn(deps.db, { username: user.username, user, outcome: 'success', step: 'second-factor' });
  const session = await startSession(deps, user, now);
  return passed.recoveryCodesLeft === undefined ? session : { ...session, recovery_codes_left: passed.recoveryCodesLeft };
}

export interface Identity {
  kind: 'user' | 'system';
  id: string;
  displayName?: string;
  username?: string;
  roles: string[];
  pages: ConsolePage[];
  institution: { id: string; name?: string };
  scope: string;
  purposeOfUse?: string;
  patient?: { tenantId: string; id: string };
  mfaEnabled?: boolean;
}

/** Who the bearer of a verified token is: the answer of GET /auth/me. */
export async function describeIdentity(db: Db, ctx: RequestContext): Promise<Identity> {
  const institution = await findInstitution(db, ctx.tenantId);
  const roles = [...(ctx.actor.roles ?? [])];
  const identity: Identity = {
    kind: ctx.actor.kind,
    id: ctx.actor.id,
    displayName: ctx.actor.display,
    roles,
    pages: ctx.actor.kind === 'user' ? pagesForRoles(roles) : [],
    institution: { id: ctx.tenantId, name: institution?.name },
    scope: formatScopes(ctx.scopes),
    purposeOfUse: ctx.purposeOfUse,
    ...(ctx.patient ? { patient: ctx.patient } : {}),
  };
  if (ctx.actor.kind === 'user') {
    const user = await findUserById(db, ctx.actor.id);
    if (user) {
      identity.username = user.username;
      identity.displayName = user.display_name;
      identity.mfaEnabled = user.mfa_secret !== null;
    }
  } else {
    const client = await findClient(db, ctx.actor.id);
    if (client) identity.displayName = client.name;
  }
  return identity;
}
