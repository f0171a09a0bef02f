import { HubError } from '../../platform/errors/index.js';
import { AccessErrors } from './errors.js';

/** After `maxFailures` wrong passwords or codes within `windowSeconds`, the username is locked for `lockSeconds`. */
export interface LockoutPolicy {
  maxFailures: number;
  windowSeconds: number;
  lockSeconds: number;
}

export const DEFAULT_LOCKOUT: LockoutPolicy = { maxFailures: 5, windowSeconds: 15 * 60, lockSeconds: 5 * 60 };

/** 429 with Retry-After until the lock ends. */
export function lockedError(until: Date, now: Date): HubError {
  const seconds = Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));
  return new HubError(AccessErrors.LOGIN_LOCKED, `Too many failed sign-ins for this username; try again in ${seconds} s`, {
    headers: { 'Retry-After': String(seconds) },
  });
}
