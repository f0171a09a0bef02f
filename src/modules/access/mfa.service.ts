import { createHash, randomBytes } from 'node:crypto';
import { generateSecret, generateURI, verify as verifyTotp } from 'otplib';
import QRCode from 'qrcode';
import { HubError } from '../../platform/errors/index.js';
import type { Queryable } from '../../platform/storage/index.js';
import { AccessErrors } from './errors.js';
import {
  activateMfaSecret,
  advanceMfaStep,
  consumeRecoveryCode,
  countUnusedRecoveryCodes,
  replaceRecoveryCodes,
  setPendingMfaSecret,
} from './mfa.repo.js';
import type { UserRow } from './user.repo.js';

/** Shown by authenticator apps above the code. */
export const TOTP_ISSUER = 'Xietong 协同';
export const RECOVERY_CODE_COUNT = 10;
/**
 * RFC 6238 §5.2 allows for clock drift and transmission delay: one 30 s step
 * either side. A code is still accepted only once (users.mfa_last_step).
 */
const TOTP_TOLERANCE_SECONDS = 30;
/** Crockford base32 without I, L, O, U: recovery codes are read and typed by people. */
const RECOVERY_ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

export interface MfaEnrolment {
  /** Base32 secret, for typing into an app that cannot scan. */
  secret: string;
  /** otpauth:// URI (Google Authenticator key URI format). */
  otpauthUri: string;
  /** The URI as a QR code, an SVG data URL. */
  qrCodeDataUrl: string;
}

/**
 * Starts (or restarts) TOTP enrolment: a fresh 160-bit secret kept as pending
 * until the user proves with a first code that their app holds it. Throws
 * ACCESS_MFA_ALREADY_ENABLED (409) when MFA is on; an admin resets it first.
 */
export async function startMfaEnrolment(db: Queryable, user: Pick<UserRow, 'id' | 'username' | 'mfa_secret'>): Promise<MfaEnrolment> {
  if (user.mfa_secret) throw new HubError(AccessErrors.MFA_ALREADY_ENABLED, 'Two-factor sign-in is already set up; an administrator can reset it');
  const secret = generateSecret({ length: 20 });
  await setPendingMfaSecret(db, user.id, secret);
  const otpauthUri = generateURI({ issuer: TOTP_ISSUER, label: user.username, secret });
  const svg = await QRCode.toString(otpauthUri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return { secret, otpauthUri, qrCodeDataUrl: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}` };
}

/** The TOTP time step a code belongs to, or undefined when it is wrong. */
export async function matchTotp(secret: string, code: string, now: Date): Promise<number | undefined> {
  if (!/^\d{6}$/.test(code)) return undefined;
  const result = await verifyTotp({ secret, token: code, epoch: Math.floor(now.getTime() / 1000), epochTolerance: TOTP_TOLERANCE_SECONDS });
  // The TOTP result carries the matched time step (HOTP results, the other half of the union, do not).
  return result.valid && 'timeStep' in result ? result.timeStep : undefined;
}

/**
 * Confirms enrolment with a first code from the app, turns MFA on and returns
 * ten fresh recovery codes (shown once; stored hashed). Throws
 * ACCESS_MFA_NOT_PENDING (409) without a started enrolment, ACCESS_MFA_FAILED
 * (401) for a wrong code.
 */
export async function confirmMfaEnrolment(
  db: Queryable,
  user: Pick<UserRow, 'id' | 'mfa_secret' | 'mfa_pending_secret'>,
  code: string,
  now: Date,
): Promise<string[]> {
  if (user.mfa_secret) throw new HubError(AccessErrors.MFA_ALREADY_ENABLED, 'Two-factor sign-in is already set up');
  if (!user.mfa_pending_secret) throw new HubError(AccessErrors.MFA_NOT_PENDING, 'Start enrolment first: POST /auth/mfa/enrol');
  const step = await matchTotp(user.mfa_pending_secret, normalizeCode(code), now);
  if (step === undefined) throw new HubError(AccessErrors.MFA_FAILED, 'The code does not match; check the time on your phone and try the next code');
  if (!(await activateMfaSecret(db, user.id, step, now))) {
    throw new HubError(AccessErrors.MFA_NOT_PENDING, 'Enrolment changed meanwhile; start again');
  }
  return issueRecoveryCodes(db, user.id);
}

/** Replaces the user's recovery codes with ten new ones and returns them (the only time they are readable). */
export async function issueRecoveryCodes(db: Queryable, userId: string): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () => newRecoveryCode());
  await replaceRecoveryCodes(db, userId, codes.map((code) => hashRecoveryCode(userId, code)));
  return codes;
}

/** xxxx-xxxx-xxxx from 60 random bits. */
function newRecoveryCode(): string {
  const bytes = randomBytes(12);
  const chars = [...bytes].map((b) => RECOVERY_ALPHABET[b & 31]).join('');
  return `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8, 12)}`;
}

/** Spaces and dashes are typing noise; case does not matter. */
function normalizeCode(code: string): string {
  return code.replace(/[\s-]/g, '').toLowerCase();
}

/** SHA-256 salted with the user id: 60 random bits make a slow KDF unnecessary here. */
export function hashRecoveryCode(userId: string, code: string): string {
  return createHash('sha256').update(`${userId}:${normalizeCode(code)}`).digest('base64url');
}

export interface SecondFactor {
  code?: string;
  recoveryCode?: string;
}

/**
 * Checks a second factor for a user with MFA on: a TOTP code not used
 * before, or an unused recovery code (which is then spent). Returns how it
 * was satisfied, or undefined when it was not.
 */
export async function checkSecondFactor(
  db: Queryable,
  user: Pick<UserRow, 'id' | 'mfa_secret'>,
  factor: SecondFactor,
  now: Date,
): Promise<{ method: 'totp' | 'recovery-code'; recoveryCodesLeft?: number } | undefined> {
  if (!user.mfa_secret) return undefined;
  if (factor.code !== undefined) {
    const step = await matchTotp(user.mfa_secret, normalizeCode(factor.code), now);
    return step !== undefined && (await advanceMfaStep(db, user.id, step)) ? { method: 'totp' } : undefined;
  }
  if (factor.recoveryCode !== undefined && /^[0-9a-z]{12}$/.test(normalizeCode(factor.recoveryCode))) {
    if (!(await consumeRecoveryCode(db, user.id, hashRecoveryCode(user.id, factor.recoveryCode), now))) return undefined;
    return { method: 'recovery-code', recoveryCodesLeft: await countUnusedRecoveryCodes(db, user.id) };
  }
  return undefined;
}
