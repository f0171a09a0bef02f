// The simulation's own figures, from its ledger (bench/referral-simulation-core.ts), defined as the measures API
// documents them (src/modules/referrals/README.md, "Measures"), so the two can be compared number by number.
import type { SimReferral } from './referral-simulation-core.js';

export interface SimTally {
  counts: { total: number; open: number; accepted: number; loopClosed: number; declined: number; cancelled: number; expired: number };
  /** Report returned / referrals not cancelled or forwarded. */
  loopClosureRate: number | null;
  loopClosureRateOfAccepted: number | null;
  timesHours: Record<'toAcceptance' | 'toAppointment' | 'toReportReturned', { n: number; median: number | null; p90: number | null }>;
  /** Most frequent first, then by code. */
  declineReasons: Array<{ code: string; n: number }>;
  /** Per month (CST), institution, role and direction, sorted like the API's rows. */
  monthly: Array<{ month: string; institution: string; role: 'sender' | 'receiver'; direction: string; n: number }>;
}

const H = 3_600_000;
const FINAL = new Set(['declined', 'report-returned', 'cancelled', 'no-show', 'expired', 'forwarded']);
const rate = (num: number, den: number): number | null => (den === 0 ? null : Math.round((num / den) * 10_000) / 10_000);

/** Continuous percentile, as SQL's percentile_cont: linear interpolation between the two nearest ranks. */
export function percentileCont(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const v = [...values].sort((a, b) => a - b);
  const pos = p * (v.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return lo === hi ? v[lo] : v[lo] + (v[hi] - v[lo]) * (pos - lo);
}

const cstMonth = (d: Date) => new Date(d.getTime() + 8 * H).toISOString().slice(0, 7);

/**
 * Tallies referrals requested in [from, to); with `institution`, only those it sent or received (and monthly
 * rows of that institution only), which is what a coordinator of that institution is shown.
 */
export function tallySimulation(referrals: SimReferral[], scope: { from: Date; to: Date; institution?: string }): SimTally {
  const rs = referrals.filter((r) => r.requestedAt >= scope.from && r.requestedAt < scope.to
    && (!scope.institution || r.sender === scope.institution || r.receiver === scope.institution));
  const count = (f: (r: SimReferral) => boolean) => rs.filter(f).length;
  const closed = count((r) => r.state === 'report-returned');
  const accepted = count((r) => r.acceptedAt !== undefined);
  const eligible = count((r) => r.state !== 'cancelled' && r.state !== 'forwarded');
  const times = (pick: (r: SimReferral) => Date | undefined) => {
    const hours = rs.flatMap((r) => { const t = pick(r); return t ? [(t.getTime() - r.requestedAt.getTime()) / H] : []; });
    return { n: hours.length, median: percentileCont(hours, 0.5), p90: percentileCont(hours, 0.9) };
  };
  const declines = new Map<string, number>();
  for (const r of rs) if (r.declineReason) declines.set(r.declineReason, (declines.get(r.declineReason) ?? 0) + 1);
  const monthly = new Map<string, { month: string; institution: string; role: 'sender' | 'receiver'; direction: string; n: number }>();
  for (const r of rs) {
    for (const [role, institution] of [['sender', r.sender], ['receiver', r.receiver]] as const) {
      if (scope.institution && institution !== scope.institution) continue;
      const month = cstMonth(r.requestedAt);
      const key = `${month}|${institution}|${role}|${r.direction}`;
      const row = monthly.get(key) ?? { month, institution, role, direction: r.direction, n: 0 };
      row.n++;
      monthly.set(key, row);
    }
  }
  const order = (a: { month: string; institution: string; role: string; direction: string }, b: typeof a) =>
    a.month.localeCompare(b.month) || a.institution.localeCompare(b.institution) || a.role.localeCompare(b.role) || a.direction.localeCompare(b.direction);
  return {
    counts: {
      total: rs.length, open: count((r) => !FINAL.has(r.state)), accepted, loopClosed: closed,
      declined: count((r) => r.state === 'declined'), cancelled: count((r) => r.state === 'cancelled'), expired: count((r) => r.state === 'expired'),
    },
    loopClosureRate: rate(closed, eligible),
    loopClosureRateOfAccepted: rate(closed, accepted),
    timesHours: {
      toAcceptance: times((r) => r.acceptedAt),
      toAppointment: times((r) => r.appointmentAt),
      toReportReturned: times((r) => r.reportReturnedAt),
    },
    declineReasons: [...declines].map(([code, n]) => ({ code, n })).sort((a, b) => b.n - a.n || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0)),
    monthly: [...monthly.values()].sort(order),
  };
}
