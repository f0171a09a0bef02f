import { HubError } from '../../platform/errors/index.js';
import { AccessErrors } from './errors.js';
import { lockedError } from './lockout.js';
import { countMfaTicketFailure, deleteMfaTicket } from './mfa.repo.js';
import { confirmMfaEnrolment, startMfaEnrolment, type MfaEnrolment } from './mfa.service.js';
import { resolveTicket } from './login.service.js';
import { startSession, type PeopleDeps, type SignedIn } from './session.service.js';
import { auditSignIn } from './sign-in-audit.js';
import { clearLoginFailures, findLockedUntil, findUserById, recordLoginFailure, type UserRow } from './user.repo.js';

/** Who is enrolling: a signed-in person (bearer token) or one holding an enrolment ticket from /auth/login. */
export type Enrollee = { kind: 'user'; userId: string } | { kind: 'ticket'; body: unknown };

const MAX_TICKET_FAILURES = 5;

async function loadEnrollee(deps: PeopleDeps, who: Enrollee, now: Date): Promise<{ user: UserRow; ticketHash?: string }> {
  if (who.kind === 'ticket') return resolveTicket(deps.db, who.body, 'enrol', now);
  const user = await findUserById(deps.db, who.userId);
  if (!user || user.disabled_at) throw new HubError(AccessErrors.TOKEN_INVALID, 'The signed-in user no longer exists or is disabled');
  return { user };
}

/** POST /auth/mfa/enrol: a new pending TOTP secret with its otpauth URI and QR code. */
export async function beginEnrolment(deps: PeopleDeps, who: Enrollee, now = new Date()): Promise<MfaEnrolment> {
  const { user } = await loadEnrollee(deps, who, now);
  return startMfaEnrolment(deps.db, user);
}

export interface EnrolmentConfirmed {
  recovery_codes: string[];
}

/**
 * POST /auth/mfa/confirm: the first code from the app turns MFA on and
 * returns the recovery codes (shown once). With an enrolment ticket the
 * person is then signed in as well (tokens in the same answer). Wrong codes
 * count toward the username lockout like wrong passwords.
 */
export async function finishEnrolment(
  deps: PeopleDeps,
  who: Enrollee,
  body: unknown,
  now = new Date(),
): Promise<EnrolmentConfirmed | (EnrolmentConfirmed & SignedIn)> {
  const code = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).code : undefined;
  if (typeof code !== 'string' || code.length === 0 || code.length > 32) {
    throw new HubError(AccessErrors.MFA_INVALID_REQUEST, 'code (6 digits from the authenticator app) is required', { expression: ['code'] });
  }
  const { user, ticketHash } = await loadEnrollee(deps, who, now);
  const lockedUntil = await findLockedUntil(deps.db, user.username, now);
  if (lockedUntil) throw lockedError(lockedUntil, now);
  let codes: string[];
  try {
    codes = await confirmMfaEnrolment(deps.db, user, code, now);
  } catch (err) {
    if (err instanceof HubError && err.code === AccessErrors.MFA_FAILED.code) {
      if (ticketHash && (await countMfaTicketFailure(deps.db, ticketHash)) >= MAX_TICKET_FAILURES) await deleteMfaTicket(deps.db, ticketHash);
      const locked = await recordLoginFailure(deps.db, user.username, now, deps.people.lockout);
      if (locked) throw lockedError(locked, now);
    }
    throw err;
  }
  await clearLoginFailures(deps.db, user.username);
  if (!ticketHash) return { recovery_codes: codes };
  await deleteMfaTicket(deps.db, ticketHash);
  // Enrolling with the sign-in ticket completes a sign-in: audited like the second-factor step.
  await auditSignIn(deps.db, { username: user.username, user, outcome: 'success', step: 'second-factor' });
  const enrolled = await findUserById(deps.db, user.id);
  return { recovery_codes: codes, ...(await startSession(deps, enrolled ?? user, now)) };
}
