import type { RequestContext } from '../../platform/context/request-context.js';
import { HubError } from '../../platform/errors/index.js';
import type { Queryable } from '../../platform/storage/index.js';
import {
  alertExists, resolveAlertRow, selectAlerts, selectCountCandidates, selectOffHoursCandidates, selectVolumeCandidates, upsertAlert,
  type AlertRow, type Candidate,
} from './anomaly.repo.js';
import { recordAccess } from './audit-queue.service.js';
import { AuditErrors } from './errors.js';

export interface AnomalyThresholds {
  /** Days of history a user's baseline is computed from. */
  baselineDays: number;
  /** Volume: events in the hour ≥ max(volumeMin, volumeFactor × the user's mean per active hour). */
  volumeMin: number;
  volumeFactor: number;
  /** Off-hours (local time, China Standard Time): events in the hour ≥ max(offHoursMin, offHoursFactor × the user's mean off-hours events per day). */
  offHoursMin: number;
  offHoursFactor: number;
  offHoursStart: number;
  offHoursEnd: number;
  /** Access denied for lack of a care relationship, per hour. */
  noCareRelationshipMin: number;
  /** Break-the-glass declarations by one person in 24 h. */
  breakGlassMin: number;
}

export const DEFAULT_THRESHOLDS: AnomalyThresholds = {
  baselineDays: 14,
  volumeMin: 200,
  volumeFactor: 5,
  offHoursMin: 30,
  offHoursFactor: 3,
  offHoursStart: 22,
  offHoursEnd: 6,
  noCareRelationshipMin: 3,
  breakGlassMin: 3,
};

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * Looks at the hour containing `now` (aligned, so running it again in the same
 * hour updates the same alerts instead of adding new ones) and raises alerts
 * for unusual volume, off-hours bursts, repeated access without a care
 * relationship and repeated break-the-glass, each against the user's own
 * baseline where one applies. Returns the number of new alerts.
 */
export async function detectAnomalies(q: Queryable, options: { now?: Date; thresholds?: Partial<AnomalyThresholds> } = {}): Promise<number> {
  const t = { ...DEFAULT_THRESHOLDS, ...options.thresholds };
  const now = options.now ?? new Date();
  const from = new Date(Math.floor(now.getTime() / HOUR) * HOUR);
  const to = new Date(from.getTime() + HOUR);
  const historyFrom = new Date(from.getTime() - t.baselineDays * DAY);
  const dayFrom = new Date(Math.floor(now.getTime() / DAY) * DAY);
  const found: Array<{ rule: string; c: Candidate; windowStart: Date; windowEnd: Date; detail: (c: Candidate) => string }> = [];
  const push = (rule: string, list: Candidate[], windowStart: Date, windowEnd: Date, detail: (c: Candidate) => string) =>
    list.forEach((c) => found.push({ rule, c, windowStart, windowEnd, detail }));

  push('volume', await selectVolumeCandidates(q, { from, to, historyFrom, min: t.volumeMin, factor: t.volumeFactor }), from, to,
    (c) => `${c.observed} accesses in one hour; usual ${c.baseline === null ? 'none (no history)' : `${c.baseline.toFixed(1)} per active hour`}`);
  push('off-hours', await selectOffHoursCandidates(q, { from, to, historyFrom, min: t.offHoursMin, factor: t.offHoursFactor, startHour: t.offHoursStart, endHour: t.offHoursEnd }), from, to,
    (c) => `${c.observed} accesses between ${t.offHoursStart}:00 and ${t.offHoursEnd}:00; usual ${c.baseline === null ? 'none' : `${c.baseline.toFixed(1)} per day`}`);
  push('no-care-relationship', await selectCountCandidates(q, { from, to, min: t.noCareRelationshipMin, kind: 'no-care-relationship' }), from, to,
    (c) => `${c.observed} attempts to see records of patients the institution has no care relationship with`);
  push('repeated-break-glass', await selectCountCandidates(q, { from: new Date(now.getTime() - DAY), to: new Date(now.getTime() + 1), min: t.breakGlassMin, kind: 'break-glass' }), dayFrom, new Date(dayFrom.getTime() + DAY),
    (c) => `${c.observed} break-the-glass declarations within 24 hours`);

  let created = 0;
  for (const f of found) {
    if (await upsertAlert(q, { rule: f.rule, tenantId: f.c.tenantId, agentId: f.c.agentId, windowStart: f.windowStart, windowEnd: f.windowEnd, observed: f.c.observed, baseline: f.c.baseline, detail: f.detail(f.c) })) created++;
  }
  return created;
}

const STATUSES = ['open', 'dismissed', 'confirmed'];

/** The privacy officer's queue: alerts newest first, open ones by default. */
export async function listAlerts(q: Queryable, filter: { status?: string; agentId?: string; limit?: number } = {}): Promise<AlertRow[]> {
  const status = filter.status ?? 'open';
  if (status !== 'all' && !STATUSES.includes(status)) throw new HubError(AuditErrors.INVALID_PARAMETER, 'status must be open, dismissed, confirmed or all', { expression: ['status'] });
  return selectAlerts(q, { status: status === 'all' ? undefined : status, agentId: filter.agentId, limit: Math.min(filter.limit ?? 100, 500) });
}

/** Closes an open alert as dismissed (a false alarm) or confirmed (a real problem); audited. */
export async function resolveAlert(q: Queryable, ctx: RequestContext, id: number, body: unknown): Promise<AlertRow> {
  const decision = (body as { decision?: unknown } | null)?.decision;
  if (decision !== 'dismissed' && decision !== 'confirmed') throw new HubError(AuditErrors.INVALID_PARAMETER, 'decision must be "dismissed" or "confirmed"', { expression: ['decision'] });
  const row = await resolveAlertRow(q, id, decision, ctx.actor.id);
  if (!row) {
    if (await alertExists(q, id)) throw new HubError(AuditErrors.ALERT_ALREADY_RESOLVED, `Alert ${id} is already resolved`);
    throw new HubError(AuditErrors.ALERT_NOT_FOUND, `No alert ${id}`);
  }
  await recordAccess(q, ctx, { action: 'E', subtype: 'alert-review', outcome: 'success', detail: `alert ${id}: ${decision}` });
  return row;
}
