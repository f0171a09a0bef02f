import type { RequestContext } from '../../platform/context/request-context.js';
import { HubError } from '../../platform/errors/index.js';
import type { Queryable } from '../../platform/storage/index.js';
import { DECLINE_REASONS } from './decline-reasons.js';
import { ReferralErrors } from './errors.js';
import { selectDeclineReasons, selectDurations, selectMonthly, selectSummary, type MeasureScope } from './measures.repo.js';
import { assertMayReadMeasures, seesWholeRegion } from './referral-access.js';
import { selectInstitutionNames } from './referral.repo.js';

const DAY = 86_400_000;

function parseDay(value: unknown, field: string, fallback: Date): Date {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00+08:00`))) {
    throw new HubError(ReferralErrors.INVALID_INPUT, `${field} must be a date YYYY-MM-DD`, { expression: [field] });
  }
  // Days are China Standard Time days.
  return new Date(`${value}T00:00:00+08:00`);
}

const rate = (num: number, den: number): number | null => (den === 0 ? null : Math.round((num / den) * 10_000) / 10_000);

/**
 * Referral measures over referrals requested in [from, to): loop-closure rate
 * (report returned / referrals not cancelled or forwarded; also over accepted
 * ones), median and p90 hours to acceptance, appointment and returned report,
 * SLA adherence, decline reasons, and up/down counts per institution per month.
 * Regional roles see the region; everyone else their own institution's referrals.
 */
export async function getReferralMeasures(db: Queryable, ctx: RequestContext, query: Record<string, unknown>, now = new Date()) {
  assertMayReadMeasures(ctx);
  const to = parseDay(query.to, 'to', new Date(now.getTime() + DAY));
  const from = parseDay(query.from, 'from', new Date(to.getTime() - 91 * DAY));
  if (from >= to) throw new HubError(ReferralErrors.INVALID_INPUT, 'from must be before to', { expression: ['from'] });
  if (to.getTime() - from.getTime() > 3 * 366 * DAY) throw new HubError(ReferralErrors.INVALID_INPUT, 'The window may span at most three years', { expression: ['from'] });
  const scope: MeasureScope = { from, to, ...(!seesWholeRegion(ctx) && { tenantId: ctx.tenantId }) };
  const [summary, durations, declines, monthly] = await Promise.all([
    selectSummary(db, scope, now), selectDurations(db, scope), selectDeclineReasons(db, scope), selectMonthly(db, scope),
  ]);
  const names = await selectInstitutionNames(db, [...new Set(monthly.map((m) => m.institution))]);
  const answered = summary.answered_in_time + summary.answered_late + summary.unanswered_late;
  return {
    scope: scope.tenantId ? { institution: scope.tenantId } : { region: true },
    from: from.toISOString(),
    to: to.toISOString(),
    counts: {
      total: summary.total, open: summary.open, accepted: summary.accepted, loopClosed: summary.closed,
      declined: summary.declined, cancelled: summary.cancelled, expired: summary.expired,
    },
    loopClosureRate: rate(summary.closed, summary.eligible),
    loopClosureRateOfAccepted: rate(summary.closed, summary.accepted),
    sla: {
      answeredInTime: summary.answered_in_time, answeredLate: summary.answered_late, unansweredPastDue: summary.unanswered_late,
      breaches: summary.answered_late + summary.unanswered_late, adherence: rate(summary.answered_in_time, answered),
    },
    timesHours: Object.fromEntries(durations.map((d) => [d.measure, { n: d.n, median: d.median_hours, p90: d.p90_hours }])),
    declineReasons: declines.map((d) => ({ code: d.reason, n: d.n, zh: DECLINE_REASONS[d.reason as keyof typeof DECLINE_REASONS]?.zh ?? d.reason, en: DECLINE_REASONS[d.reason as keyof typeof DECLINE_REASONS]?.en ?? d.reason })),
    monthly: monthly.map((m) => ({ ...m, name: names.get(m.institution) ?? null })),
  };
}
