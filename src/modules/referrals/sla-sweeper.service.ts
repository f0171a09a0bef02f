import type { RequestContext } from '../../platform/context/request-context.js';
import type { Db, Queryable } from '../../platform/storage/index.js';
import { applyTransition } from './referral-transition.service.js';
import type { ReferralRow } from './referral.repo.js';
import type { ReferralSettings } from './referral.service.js';
import { REMINDER_FRACTION } from './sla.js';

export interface SweepResult {
  reminders: number;
  escalations: number;
  expired: number;
}

const BATCH = 200;
const UNANSWERED = `responded_at IS NULL AND closed_at IS NULL`;

async function insertAlert(q: Queryable, referralId: string, kind: 'reminder' | 'escalation' | 'expiry', tenantId: string, at: Date, detail: unknown): Promise<boolean> {
  const { rowCount } = await q.query(
    `INSERT INTO referral_alerts (referral_id, kind, tenant_id, at, detail) VALUES ($1, $2, $3, $4, $5::jsonb) ON CONFLICT DO NOTHING`,
    [referralId, kind, tenantId, at, JSON.stringify(detail)],
  );
  return rowCount === 1;
}

/** Reminders (most of the response window gone) and escalations (window passed) to the receiving coordinator. */
async function sweepDeadlines(db: Db, now: Date, result: SweepResult): Promise<void> {
  await db.transaction(async (tx) => {
    const reminders = await tx.query<{ id: string; receiver_tenant: string; response_due_at: Date }>(
      `SELECT id, receiver_tenant, response_due_at FROM referrals
       WHERE ${UNANSWERED} AND reminded_at IS NULL AND requested_at + (response_due_at - requested_at) * ${REMINDER_FRACTION} <= $1
       ORDER BY response_due_at LIMIT ${BATCH} FOR UPDATE SKIP LOCKED`,
      [now],
    );
    for (const r of reminders.rows) {
      if (await insertAlert(tx, r.id, 'reminder', r.receiver_tenant, now, { dueAt: r.response_due_at.toISOString() })) result.reminders++;
      await tx.query('UPDATE referrals SET reminded_at = $2 WHERE id = $1', [r.id, now]);
    }
    const late = await tx.query<{ id: string; receiver_tenant: string; sender_tenant: string; response_due_at: Date }>(
      `SELECT id, receiver_tenant, sender_tenant, response_due_at FROM referrals
       WHERE ${UNANSWERED} AND escalated_at IS NULL AND response_due_at <= $1
       ORDER BY response_due_at LIMIT ${BATCH} FOR UPDATE SKIP LOCKED`,
      [now],
    );
    for (const r of late.rows) {
      if (await insertAlert(tx, r.id, 'escalation', r.receiver_tenant, now, { dueAt: r.response_due_at.toISOString(), overdueMinutes: Math.round((now.getTime() - r.response_due_at.getTime()) / 60_000) })) result.escalations++;
      await tx.query('UPDATE referrals SET escalated_at = $2 WHERE id = $1', [r.id, now]);
    }
  });
}

/** Unanswered referrals past the expiry move to `expired`; the sender is told so it can refer elsewhere. */
async function sweepExpiry(db: Db, settings: ReferralSettings, now: Date, baseUrl: string, result: SweepResult): Promise<void> {
  const cutoff = new Date(now.getTime() - settings.expiryDays * 86_400_000);
  const ctx: RequestContext = { tenantId: 'hub', actor: { kind: 'system', id: 'referral-sla-sweeper', display: 'SLA sweeper' }, scopes: [], requestId: `sweep-${now.toISOString()}`, baseUrl };
  for (;;) {
    const done = await db.transaction(async (tx) => {
      const { rows } = await tx.query<ReferralRow>(
        `SELECT * FROM referrals WHERE state IN ('requested', 'received') AND requested_at <= $1 ORDER BY requested_at LIMIT 50 FOR UPDATE SKIP LOCKED`,
        [cutoff],
      );
      for (const row of rows) {
        await applyTransition(tx, ctx, settings, row, 'system', { action: 'expire' }, now);
        await insertAlert(tx, row.id, 'expiry', row.sender_tenant, now, { expiryDays: settings.expiryDays });
        result.expired++;
      }
      return rows.length < 50;
    });
    if (done) return;
  }
}

/**
 * One SLA sweep at `now`: reminders, escalations, expiries, each recorded once
 * in referral_alerts. `serve` runs it on a timer; tests call it with an explicit `now`.
 */
export async function sweepReferralSlas(db: Db, settings: ReferralSettings, baseUrl: string, now = new Date()): Promise<SweepResult> {
  const result: SweepResult = { reminders: 0, escalations: 0, expired: 0 };
  // Reminders and escalations in batches until none is left.
  for (;;) {
    const before = result.reminders + result.escalations;
    await sweepDeadlines(db, now, result);
    if (result.reminders + result.escalations - before < BATCH) break;
  }
  await sweepExpiry(db, settings, now, baseUrl, result);
  return result;
}

export interface AlertView {
  referralId: string;
  kind: string;
  at: string;
  detail: unknown;
  state: string;
  priority: string;
  patient: string | null;
}

/** Alerts addressed to an institution, newest first. */
export async function listReferralAlerts(db: Queryable, tenantId: string, limit = 100): Promise<AlertView[]> {
  const { rows } = await db.query<{ referral_id: string; kind: string; at: Date; detail: unknown; state: string; priority: string; patient_display: string | null }>(
    `SELECT a.referral_id, a.kind, a.at, a.detail, r.state, r.priority, r.patient_display
     FROM referral_alerts a JOIN referrals r ON r.id = a.referral_id WHERE a.tenant_id = $1 ORDER BY a.at DESC LIMIT $2`,
    [tenantId, limit],
  );
  return rows.map((r) => ({ referralId: r.referral_id, kind: r.kind, at: r.at.toISOString(), detail: r.detail, state: r.state, priority: r.priority, patient: r.patient_display }));
}
