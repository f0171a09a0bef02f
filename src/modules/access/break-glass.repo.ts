import type { Queryable } from '../../platform/storage/index.js';
import type { PatientRecordRef } from './policy-linked-records.js';

export interface BreakGlassGrant {
  id: string;
  tenantId: string;
  actorKind: string;
  actorId: string;
  actorDisplay: string | null;
  patient: PatientRecordRef;
  reasonCode: string;
  reasonText: string;
  grantedAt: Date;
  expiresAt: Date;
  reviewStatus: 'pending' | 'justified' | 'unjustified';
  reviewedBy: string | null;
  reviewedAt: Date | null;
  reviewNote: string | null;
  /** Accesses made under it (list and review views only). */
  uses?: number;
}

interface GrantRow {
  id: string; tenant_id: string; actor_kind: string; actor_id: string; actor_display: string | null;
  patient_tenant_id: string; patient_id: string; reason_code: string; reason_text: string;
  granted_at: Date; expires_at: Date; review_status: BreakGlassGrant['reviewStatus'];
  reviewed_by: string | null; reviewed_at: Date | null; review_note: string | null; uses?: number;
}

function toGrant(row: GrantRow): BreakGlassGrant {
  return {
    id: row.id, tenantId: row.tenant_id, actorKind: row.actor_kind, actorId: row.actor_id, actorDisplay: row.actor_display,
    patient: { tenantId: row.patient_tenant_id, id: row.patient_id }, reasonCode: row.reason_code, reasonText: row.reason_text,
    grantedAt: row.granted_at, expiresAt: row.expires_at, reviewStatus: row.review_status, reviewedBy: row.reviewed_by,
    reviewedAt: row.reviewed_at, reviewNote: row.review_note, ...(row.uses !== undefined ? { uses: row.uses } : {}),
  };
}

export async function insertGrant(q: Queryable, g: Omit<BreakGlassGrant, 'reviewStatus' | 'reviewedBy' | 'reviewedAt' | 'reviewNote'>): Promise<BreakGlassGrant> {
  const { rows } = await q.query<GrantRow>(
    `INSERT INTO break_glass_grants (id, tenant_id, actor_kind, actor_id, actor_display, patient_tenant_id, patient_id, reason_code, reason_text, granted_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING *`,
    [g.id, g.tenantId, g.actorKind, g.actorId, g.actorDisplay, g.patient.tenantId, g.patient.id, g.reasonCode, g.reasonText, g.grantedAt, g.expiresAt],
  );
  return toGrant(rows[0]);
}

/** The caller's grant that is still running for any of the person's records (latest expiry first). */
export async function selectActiveGrant(q: Queryable, tenantId: string, actorId: string, records: readonly PatientRecordRef[], now: Date): Promise<BreakGlassGrant | undefined> {
  const { rows } = await q.query<GrantRow>(
    `SELECT * FROM break_glass_grants g
      WHERE g.tenant_id = $1 AND g.actor_id = $2 AND g.expires_at > $5
        AND EXISTS (SELECT 1 FROM unnest($3::text[], $4::text[]) AS r(t, p) WHERE r.t = g.patient_tenant_id AND r.p = g.patient_id)
      ORDER BY g.expires_at DESC LIMIT 1`,
    [tenantId, actorId, records.map((r) => r.tenantId), records.map((r) => r.id), now],
  );
  return rows[0] ? toGrant(rows[0]) : undefined;
}

export async function insertUses(q: Queryable, grantId: string, uses: ReadonlyArray<{ ownerTenantId: string; resourceType: string; resourceId?: string }>): Promise<void> {
  if (uses.length === 0) return;
  const params: unknown[] = [grantId];
  const tuples = uses.map((u) => {
    params.push(u.ownerTenantId, u.resourceType, u.resourceId ?? null);
    const n = params.length;
    return `($1, $${n - 2}, $${n - 1}, $${n})`;
  });
  await q.query(`INSERT INTO break_glass_uses (grant_id, owner_tenant_id, resource_type, resource_id) VALUES ${tuples.join(', ')}`, params);
}

export async function selectGrants(q: Queryable, filter: { status?: string; limit: number }): Promise<BreakGlassGrant[]> {
  const { rows } = await q.query<GrantRow>(
    `SELECT g.*, (SELECT count(*)::int FROM break_glass_uses u WHERE u.grant_id = g.id) AS uses
       FROM break_glass_grants g WHERE ($1::text IS NULL OR g.review_status = $1) ORDER BY g.granted_at DESC, g.id LIMIT $2`,
    [filter.status ?? null, filter.limit],
  );
  return rows.map(toGrant);
}

export async function selectGrant(q: Queryable, id: string, forUpdate = false): Promise<BreakGlassGrant | undefined> {
  const { rows } = await q.query<GrantRow>(
    `SELECT g.*, (SELECT count(*)::int FROM break_glass_uses u WHERE u.grant_id = g.id) AS uses FROM break_glass_grants g WHERE g.id = $1${forUpdate ? ' FOR UPDATE' : ''}`,
    [id],
  );
  return rows[0] ? toGrant(rows[0]) : undefined;
}

export async function selectUses(q: Queryable, grantId: string): Promise<Array<{ ownerTenantId: string; resourceType: string; resourceId: string | null; usedAt: Date }>> {
  const { rows } = await q.query<{ owner_tenant_id: string; resource_type: string; resource_id: string | null; used_at: Date }>(
    'SELECT owner_tenant_id, resource_type, resource_id, used_at FROM break_glass_uses WHERE grant_id = $1 ORDER BY id LIMIT 1000',
    [grantId],
  );
  return rows.map((r) => ({ ownerTenantId: r.owner_tenant_id, resourceType: r.resource_type, resourceId: r.resource_id, usedAt: r.used_at }));
}

export async function updateReview(q: Queryable, id: string, review: { status: 'justified' | 'unjustified'; by: string; note: string | null; at: Date }): Promise<void> {
  await q.query('UPDATE break_glass_grants SET review_status = $2, reviewed_by = $3, review_note = $4, reviewed_at = $5 WHERE id = $1', [id, review.status, review.by, review.note, review.at]);
}

export interface PrivacyNotification {
  id: number;
  recipientTenantId: string | null;
  recipientRole: string;
  kind: string;
  subject: Record<string, unknown>;
  createdAt: Date;
  readAt: Date | null;
}

export async function insertNotifications(q: Queryable, notes: ReadonlyArray<{ recipientTenantId: string | null; recipientRole: string; kind: string; subject: unknown }>): Promise<void> {
  for (const note of notes) {
    await q.query('INSERT INTO privacy_notifications (recipient_tenant_id, recipient_role, kind, subject) VALUES ($1, $2, $3, $4::jsonb)', [
      note.recipientTenantId, note.recipientRole, note.kind, JSON.stringify(note.subject),
    ]);
  }
}

/** Notifications for a role: region-wide ones and those addressed to the given institution. */
export async function selectNotifications(q: Queryable, role: string, tenantId: string, limit: number): Promise<PrivacyNotification[]> {
  const { rows } = await q.query<{ id: number; recipient_tenant_id: string | null; recipient_role: string; kind: string; subject: Record<string, unknown>; created_at: Date; read_at: Date | null }>(
    `SELECT * FROM privacy_notifications WHERE recipient_role = $1 AND (recipient_tenant_id IS NULL OR recipient_tenant_id = $2) ORDER BY id DESC LIMIT $3`,
    [role, tenantId, limit],
  );
  return rows.map((r) => ({ id: r.id, recipientTenantId: r.recipient_tenant_id, recipientRole: r.recipient_role, kind: r.kind, subject: r.subject, createdAt: r.created_at, readAt: r.read_at }));
}
