import type { ReferralPriority, ReferralSlaLimit } from '../../platform/config/config.js';

/** China Standard Time has no daylight saving: working days are counted at a fixed UTC+8. */
const CST_OFFSET_MS = 8 * 3600_000;
const DAY_MS = 24 * 3600_000;
/** Share of the response window after which the coordinator gets a reminder. */
export const REMINDER_FRACTION = 0.75;

function isWeekendCst(t: number): boolean {
  const day = new Date(t + CST_OFFSET_MS).getUTCDay();
  return day === 0 || day === 6;
}

/**
 * Adds working days (Monday–Friday, China Standard Time): each step moves one
 * calendar day and skips Saturdays and Sundays, keeping the time of day. Public
 * holidays (调休) are not modelled; see README.
 */
export function addWorkingDays(from: Date, days: number): Date {
  let t = from.getTime();
  const whole = Math.floor(days);
  for (let i = 0; i < whole; i++) {
    t += DAY_MS;
    while (isWeekendCst(t)) t += DAY_MS;
  }
  const rest = days - whole;
  if (rest > 0) {
    t += rest * DAY_MS;
    while (isWeekendCst(t)) t += DAY_MS;
  }
  return new Date(t);
}

/** When the receiver must have answered a referral requested at `requestedAt`. */
export function computeResponseDue(requestedAt: Date, priority: ReferralPriority, sla: Readonly<Record<ReferralPriority, ReferralSlaLimit>>): Date {
  const limit = sla[priority];
  return limit.unit === 'h' ? new Date(requestedAt.getTime() + limit.amount * 3600_000) : addWorkingDays(requestedAt, limit.amount);
}

/** When a reminder goes to the receiving coordinator: most of the window has passed. */
export function computeReminderAt(requestedAt: Date, dueAt: Date): Date {
  return new Date(requestedAt.getTime() + REMINDER_FRACTION * (dueAt.getTime() - requestedAt.getTime()));
}

/** When an unanswered referral expires. */
export function computeExpiry(requestedAt: Date, expiryDays: number): Date {
  return new Date(requestedAt.getTime() + expiryDays * DAY_MS);
}
