import { randomUUID } from 'node:crypto';
import type { RequestContext } from '../../platform/context/request-context.js';
import { HubError } from '../../platform/errors/index.js';
import type { Db, Queryable } from '../../platform/storage/index.js';
import { recordAccess } from '../audit/index.js';
import {
  insertGrant, insertNotifications, insertUses, selectGrant, selectGrants, selectNotifications, selectUses, updateReview,
  type BreakGlassGrant, type PrivacyNotification,
} from './break-glass.repo.js';
import { ConsentErrors } from './consent-errors.js';
import { patientExists } from './consent.repo.js';
import { forgetPatientFacts } from './policy.service.js';

/** Why the glass was broken: a coded reason (required) plus free text (required). */
export const BREAK_GLASS_REASONS = ['life-threatening-emergency', 'patient-unable-to-consent', 'urgent-continuity-of-care', 'public-health-emergency'] as const;
export type BreakGlassReason = (typeof BREAK_GLASS_REASONS)[number];
/** Roles that may break the glass: people who treat patients. */
export const BREAK_GLASS_ROLES = ['clinician', 'nurse'] as const;
const MIN_REASON_TEXT = 10;

export interface BreakGlassRequest {
  patient: { tenantId: string; id: string };
  reason: { code: BreakGlassReason; text: string };
}

function readRequest(body: unknown): BreakGlassRequest {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const patient = b.patient as Record<string, unknown> | undefined;
  if (!patient || typeof patient.tenantId !== 'string' || !patient.tenantId || typeof patient.id !== 'string' || !patient.id) {
    throw new HubError(ConsentErrors.INVALID_BREAK_GLASS, 'patient must be {"tenantId": "<institution>", "id": "<Patient id>"}', { expression: ['patient'] });
  }
  const reason = b.reason as Record<string, unknown> | undefined;
  if (!reason || typeof reason !== 'object') {
    throw new HubError(ConsentErrors.INVALID_BREAK_GLASS, `reason is mandatory: {"code": one of ${BREAK_GLASS_REASONS.join(', ')}, "text": "..."}`, { expression: ['reason'] });
  }
  if (typeof reason.code !== 'string' || !(BREAK_GLASS_REASONS as readonly string[]).includes(reason.code)) {
    throw new HubError(ConsentErrors.INVALID_BREAK_GLASS, `reason.code must be one of ${BREAK_GLASS_REASONS.join(', ')}`, { expression: ['reason.code'] });
  }
  if (typeof reason.text !== 'string' || reason.text.trim().length < MIN_REASON_TEXT || reason.text.length > 2000) {
    throw new HubError(ConsentErrors.INVALID_BREAK_GLASS, `reason.text must say why, in ${MIN_REASON_TEXT} to 2000 characters`, { expression: ['reason.text'] });
  }
  return { patient: { tenantId: patient.tenantId, id: patient.id }, reason: { code: reason.code as BreakGlassReason, text: reason.text.trim() } };
}

/**
 * Break-the-glass: an emergency access to a patient's records across the
 * region for `minutes`, by a clinician or nurse, with a mandatory coded
 * reason. The patient's institution and the privacy officers are told, the
 * grant is queued for review, and the declaration is audited, all in one
 * transaction.
 */
export async function declareBreakGlass(db: Db, ctx: RequestContext, body: unknown, options: { minutes: number; now?: Date }): Promise<BreakGlassGrant> {
  const request = readRequest(body);
  const roles = ctx.actor.kind === 'user' ? (ctx.actor.roles ?? []) : [];
  if (!roles.some((role) => (BREAK_GLASS_ROLES as readonly string[]).includes(role))) {
    throw new HubError(ConsentErrors.BREAK_GLASS_FORBIDDEN, `Only a person with one of the roles ${BREAK_GLASS_ROLES.join(', ')} can break the glass`);
  }
  const now = options.now ?? new Date();
  const grant = await db.transaction(async (tx) => {
    if (!(await patientExists(tx, request.patient))) {
      throw new HubError(ConsentErrors.PATIENT_NOT_FOUND, `Patient/${request.patient.id} not found at institution ${request.patient.tenantId}`, { expression: ['patient'] });
    }
    const created = await insertGrant(tx, {
      id: randomUUID(), tenantId: ctx.tenantId, actorKind: ctx.actor.kind, actorId: ctx.actor.id, actorDisplay: ctx.actor.display ?? null,
      patient: request.patient, reasonCode: request.reason.code, reasonText: request.reason.text,
      grantedAt: now, expiresAt: new Date(now.getTime() + options.minutes * 60_000),
    });
    const subject = { grantId: created.id, actor: { tenantId: ctx.tenantId, id: ctx.actor.id, display: ctx.actor.display }, patient: request.patient, reason: request.reason, expiresAt: created.expiresAt.toISOString() };
    await insertNotifications(tx, [
      { recipientTenantId: request.patient.tenantId, recipientRole: 'institution-admin', kind: 'break-glass', subject },
      { recipientTenantId: null, recipientRole: 'privacy-officer', kind: 'break-glass', subject },
    ]);
    await recordAccess(tx, ctx, {
      action: 'E', subtype: 'break-glass', patient: request.patient, outcome: 'success', basis: 'break-glass',
      purposeOfUse: 'ETREAT', detail: `${request.reason.code}: ${request.reason.text}`,
    });
    return created;
  });
  forgetPatientFacts(ctx);
  return grant;
}

/** Queues every access made under a grant for the privacy officer's review (in the caller's transaction). */
export async function recordBreakGlassUses(q: Queryable, grantId: string, uses: ReadonlyArray<{ ownerTenantId: string; resourceType: string; resourceId?: string }>): Promise<void> {
  await insertUses(q, grantId, uses);
}

/** Grants for review, newest first; `status` pending | justified | unjustified. */
export async function listBreakGlassGrants(db: Queryable, filter: { status?: string; limit?: number } = {}): Promise<BreakGlassGrant[]> {
  if (filter.status !== undefined && !['pending', 'justified', 'unjustified'].includes(filter.status)) {
    throw new HubError(ConsentErrors.INVALID_BREAK_GLASS, 'status must be pending, justified or unjustified', { expression: ['status'] });
  }
  return selectGrants(db, { status: filter.status, limit: Math.min(filter.limit ?? 100, 500) });
}

/** One grant with the accesses made under it. */
export async function readBreakGlassGrant(db: Queryable, id: string): Promise<BreakGlassGrant & { accesses: Awaited<ReturnType<typeof selectUses>> }> {
  const grant = await selectGrant(db, id);
  if (!grant) throw new HubError(ConsentErrors.BREAK_GLASS_NOT_FOUND, `No break-the-glass grant ${id}`);
  return { ...grant, accesses: await selectUses(db, id) };
}

/** The privacy officer's verdict on a grant (once), audited. */
export async function reviewBreakGlass(db: Db, ctx: RequestContext, id: string, body: unknown): Promise<BreakGlassGrant> {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (b.decision !== 'justified' && b.decision !== 'unjustified') {
    throw new HubError(ConsentErrors.INVALID_BREAK_GLASS, 'decision must be "justified" or "unjustified"', { expression: ['decision'] });
  }
  if (b.note !== undefined && (typeof b.note !== 'string' || b.note.length > 2000)) {
    throw new HubError(ConsentErrors.INVALID_BREAK_GLASS, 'note must be a string of at most 2000 characters', { expression: ['note'] });
  }
  const decision = b.decision;
  return db.transaction(async (tx) => {
    const grant = await selectGrant(tx, id, true);
    if (!grant) throw new HubError(ConsentErrors.BREAK_GLASS_NOT_FOUND, `No break-the-glass grant ${id}`);
    if (grant.reviewStatus !== 'pending') throw new HubError(ConsentErrors.BREAK_GLASS_ALREADY_REVIEWED, `Grant ${id} was already reviewed (${grant.reviewStatus})`);
    const at = new Date();
    await updateReview(tx, id, { status: decision, by: ctx.actor.id, note: (b.note as string | undefined) ?? null, at });
    await recordAccess(tx, ctx, { action: 'E', subtype: 'break-glass-review', patient: grant.patient, outcome: 'success', detail: `${id}: ${decision}` });
    return { ...grant, reviewStatus: decision, reviewedBy: ctx.actor.id, reviewedAt: at, reviewNote: (b.note as string | undefined) ?? null };
  });
}

/** Notifications for the caller: by role, region-wide ones and those for the caller's institution. */
export async function listPrivacyNotifications(db: Queryable, ctx: RequestContext, role: string, limit = 100): Promise<PrivacyNotification[]> {
  return selectNotifications(db, role, ctx.tenantId, Math.min(limit, 500));
}
