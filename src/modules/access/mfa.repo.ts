import type { Queryable } from '../../platform/storage/index.js';

export type TicketPurpose = 'verify' | 'enrol';

export interface MfaTicketRow {
  ticket_hash: string;
  user_id: string;
  purpose: TicketPurpose;
  failures: number;
  expires_at: Date;
}

export async function insertMfaTicket(db: Queryable, row: Omit<MfaTicketRow, 'failures'>): Promise<void> {
  await db.query('INSERT INTO auth_mfa_tickets (ticket_hash, user_id, purpose, expires_at) VALUES ($1, $2, $3, $4)', [
    row.ticket_hash,
    row.user_id,
    row.purpose,
    row.expires_at.toISOString(),
  ]);
}

/** The ticket when it exists and has not expired at `now`. */
export async function findMfaTicket(db: Queryable, ticketHash: string, now: Date): Promise<MfaTicketRow | undefined> {
  const result = await db.query<MfaTicketRow>(
    'SELECT ticket_hash, user_id, purpose, failures, expires_at FROM auth_mfa_tickets WHERE ticket_hash = $1 AND expires_at > $2',
    [ticketHash, now.toISOString()],
  );
  return result.rows[0];
}

/** Counts a wrong code against the ticket; returns the new count. */
export async function countMfaTicketFailure(db: Queryable, ticketHash: string): Promise<number> {
  const result = await db.query<{ failures: number }>(
    'UPDATE auth_mfa_tickets SET failures = failures + 1 WHERE ticket_hash = $1 RETURNING failures',
    [ticketHash],
  );
  return Number(result.rows[0]?.failures ?? Number.MAX_SAFE_INTEGER);
}

/** Deletes the ticket; true when this call did (a ticket is single-use even under concurrent requests). */
export async function deleteMfaTicket(db: Queryable, ticketHash: string): Promise<boolean> {
  const result = await db.query('DELETE FROM auth_mfa_tickets WHERE ticket_hash = $1', [ticketHash]);
  return result.rowCount === 1;
}

export async function deleteUserMfaTickets(db: Queryable, userId: string): Promise<void> {
  await db.query('DELETE FROM auth_mfa_tickets WHERE user_id = $1', [userId]);
}

export async function setPendingMfaSecret(db: Queryable, userId: string, secret: string): Promise<void> {
  await db.query('UPDATE users SET mfa_pending_secret = $2 WHERE id = $1', [userId, secret]);
}

/** Turns the pending secret into the active one; false when there was no pending secret (or MFA is already on). */
export async function activateMfaSecret(db: Queryable, userId: string, step: number, now: Date): Promise<boolean> {
  const result = await db.query(
    `UPDATE users SET mfa_secret = mfa_pending_secret, mfa_pending_secret = NULL, mfa_enabled_at = $3, mfa_last_step = $2
      WHERE id = $1 AND mfa_pending_secret IS NOT NULL AND mfa_secret IS NULL`,
    [userId, step, now.toISOString()],
  );
  return result.rowCount === 1;
}

/**
 * Records the time step of an accepted code; false when a code of this or a
 * later step was accepted already (RFC 6238 §5.2: a code is accepted once).
 */
export async function advanceMfaStep(db: Queryable, userId: string, step: number): Promise<boolean> {
  const result = await db.query(
    'UPDATE users SET mfa_last_step = $2 WHERE id = $1 AND (mfa_last_step IS NULL OR mfa_last_step < $2)',
    [userId, step],
  );
  return result.rowCount === 1;
}

export async function clearMfa(db: Queryable, userId: string): Promise<void> {
  await db.query(
    'UPDATE users SET mfa_secret = NULL, mfa_pending_secret = NULL, mfa_enabled_at = NULL, mfa_last_step = NULL WHERE id = $1',
    [userId],
  );
  await db.query('DELETE FROM auth_recovery_codes WHERE user_id = $1', [userId]);
}

export async function replaceRecoveryCodes(db: Queryable, userId: string, hashes: readonly string[]): Promise<void> {
  await db.query('DELETE FROM auth_recovery_codes WHERE user_id = $1', [userId]);
  await db.query('INSERT INTO auth_recovery_codes (user_id, code_hash) SELECT $1, unnest($2::text[])', [userId, hashes]);
}

/** Marks an unused recovery code used; false when it is unknown or was used already. */
export async function consumeRecoveryCode(db: Queryable, userId: string, hash: string, now: Date): Promise<boolean> {
  const result = await db.query(
    'UPDATE auth_recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL',
    [userId, hash, now.toISOString()],
  );
  return result.rowCount === 1;
}

export async function countUnusedRecoveryCodes(db: Queryable, userId: string): Promise<number> {
  const result = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM auth_recovery_codes WHERE user_id = $1 AND used_at IS NULL', [userId]);
  return Number(result.rows[0]?.n ?? 0);
}
