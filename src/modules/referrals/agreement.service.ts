import type { RequestContext } from '../../platform/context/request-context.js';
import { HubError } from '../../platform/errors/index.js';
import type { Db, Queryable } from '../../platform/storage/index.js';
import { ReferralErrors } from './errors.js';
import { assertMayRead, seesWholeRegion } from './referral-access.js';
import { selectInstitution } from './referral.repo.js';

/** A consortium agreement (医联体协议): `sender` prefers `receiver` for `specialty` ('*' for any). */
export interface Agreement {
  sender: string;
  receiver: string;
  specialty: string;
  note: string | null;
}

/** Agreements the caller's institution is part of (all of them for regional roles). */
export async function listAgreements(db: Queryable, ctx: RequestContext): Promise<{ items: Agreement[] }> {
  assertMayRead(ctx);
  const all = seesWholeRegion(ctx);
  const { rows } = await db.query<{ sender_tenant: string; receiver_tenant: string; specialty_code: string; note: string | null }>(
    `SELECT sender_tenant, receiver_tenant, specialty_code, note FROM referral_agreements
     ${all ? '' : 'WHERE sender_tenant = $1 OR receiver_tenant = $1'} ORDER BY sender_tenant, receiver_tenant, specialty_code`,
    all ? [] : [ctx.tenantId],
  );
  return { items: rows.map((r) => ({ sender: r.sender_tenant, receiver: r.receiver_tenant, specialty: r.specialty_code, note: r.note })) };
}

/**
 * Adds (or with `remove: true` removes) an agreement. Institution admins
 * manage their own institution's outgoing agreements; regional admins any.
 */
export async function putAgreement(db: Db, ctx: RequestContext, body: unknown): Promise<Agreement & { removed: boolean }> {
  const roles = ctx.actor.kind === 'user' ? ctx.actor.roles ?? [] : [];
  const o = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const sender = typeof o.sender === 'string' ? o.sender : ctx.tenantId;
  if (!(roles.includes('regional-admin') || (roles.includes('institution-admin') && sender === ctx.tenantId))) {
    throw new HubError(ReferralErrors.ROLE_REQUIRED, 'Agreements are managed by the sending institution\'s admin (institution-admin) or a regional-admin');
  }
  const receiver = o.receiver;
  if (typeof receiver !== 'string' || receiver === sender) throw new HubError(ReferralErrors.INVALID_INPUT, 'receiver must be another institution\'s id', { expression: ['receiver'] });
  const specialty = o.specialty === undefined ? '*' : o.specialty;
  if (typeof specialty !== 'string' || !/^(\*|[A-Za-z0-9._:-]{1,64})$/.test(specialty)) throw new HubError(ReferralErrors.INVALID_INPUT, 'specialty must be a code or "*"', { expression: ['specialty'] });
  const note = o.note === undefined ? null : o.note;
  if (note !== null && (typeof note !== 'string' || note.length > 500)) throw new HubError(ReferralErrors.INVALID_INPUT, 'note must be a string of at most 500 characters', { expression: ['note'] });
  for (const [id, field] of [[sender, 'sender'], [receiver, 'receiver']] as const) {
    if (!(await selectInstitution(db, id))) throw new HubError(ReferralErrors.UNKNOWN_INSTITUTION, `No institution with id "${id}"`, { expression: [field] });
  }
  if (o.remove === true) {
    await db.query('DELETE FROM referral_agreements WHERE sender_tenant = $1 AND receiver_tenant = $2 AND specialty_code = $3', [sender, receiver, specialty]);
    return { sender, receiver, specialty, note, removed: true };
  }
  await db.query(
    `INSERT INTO referral_agreements (sender_tenant, receiver_tenant, specialty_code, note) VALUES ($1, $2, $3, $4)
     ON CONFLICT (sender_tenant, receiver_tenant, specialty_code) DO UPDATE SET note = EXCLUDED.note`,
    [sender, receiver, specialty, note],
  );
  return { sender, receiver, specialty, note, removed: false };
}
