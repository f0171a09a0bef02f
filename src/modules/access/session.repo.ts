import type { Queryable } from '../../platform/storage/index.js';

export interface RefreshTokenRow {
  token_hash: string;
  family_id: string;
  user_id: string;
  expires_at: Date;
  family_expires_at: Date;
  rotated_at: Date | null;
  revoked_at: Date | null;
}

export async function insertRefreshToken(
  db: Queryable,
  row: Pick<RefreshTokenRow, 'token_hash' | 'family_id' | 'user_id' | 'expires_at' | 'family_expires_at'>,
): Promise<void> {
  await db.query(
    `INSERT INTO auth_refresh_tokens (token_hash, family_id, user_id, expires_at, family_expires_at) VALUES ($1, $2, $3, $4, $5)`,
    [row.token_hash, row.family_id, row.user_id, row.expires_at.toISOString(), row.family_expires_at.toISOString()],
  );
}

/** Locks the refresh token's row for the rest of the transaction, so two concurrent uses cannot both rotate it. */
export async function lockRefreshToken(tx: Queryable, tokenHash: string): Promise<RefreshTokenRow | undefined> {
  const result = await tx.query<RefreshTokenRow>(
    `SELECT token_hash, family_id, user_id, expires_at, family_expires_at, rotated_at, revoked_at
       FROM auth_refresh_tokens WHERE token_hash = $1 FOR UPDATE`,
    [tokenHash],
  );
  return result.rows[0];
}

export async function markRefreshTokenRotated(tx: Queryable, tokenHash: string, now: Date): Promise<void> {
  await tx.query('UPDATE auth_refresh_tokens SET rotated_at = $2 WHERE token_hash = $1', [tokenHash, now.toISOString()]);
}

/** Revokes every refresh token of a family. */
export async function revokeRefreshFamily(db: Queryable, familyId: string, now: Date): Promise<void> {
  await db.query('UPDATE auth_refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL', [familyId, now.toISOString()]);
}

/** Revokes every live refresh family of a user but `keepFamilyId`; returns their ids. */
export async function revokeUserRefreshFamilies(db: Queryable, userId: string, now: Date, keepFamilyId?: string): Promise<string[]> {
  const result = await db.query<{ family_id: string }>(
    `UPDATE auth_refresh_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL AND family_expires_at > $2
       AND family_id IS DISTINCT FROM $3
     RETURNING family_id`,
    [userId, now.toISOString(), keepFamilyId ?? null],
  );
  return [...new Set(result.rows.map((row) => row.family_id))];
}

export async function insertRevocation(db: Queryable, kind: 'jti' | 'sid', value: string, expiresAt: Date): Promise<void> {
  await db.query('INSERT INTO auth_revocations (kind, value, expires_at) VALUES ($1, $2, $3)', [kind, value, expiresAt.toISOString()]);
}

export interface RevocationRow {
  seq: number;
  kind: 'jti' | 'sid';
  value: string;
  expires_at: Date;
}

/**
 * Revocations after `afterSeq`, plus those recorded since `recentSince`: a
 * transaction that took a lower seq may commit after a higher one was read,
 * so the recent window is read again. Only those still in force at `now`.
 */
export async function listRevocationsSince(db: Queryable, afterSeq: number, recentSince: Date, now: Date): Promise<RevocationRow[]> {
  const result = await db.query<RevocationRow>(
    `SELECT seq, kind, value, expires_at FROM auth_revocations
      WHERE (seq > $1 OR revoked_at > $2) AND expires_at > $3 ORDER BY seq`,
    [afterSeq, recentSince.toISOString(), now.toISOString()],
  );
  return result.rows.map((row) => ({ ...row, seq: Number(row.seq) }));
}

/** Drops what no longer matters: revocations of expired tokens, refresh tokens past their family's end. */
export async function purgeExpiredSessions(db: Queryable, now: Date): Promise<void> {
  await db.query('DELETE FROM auth_revocations WHERE expires_at < $1', [now.toISOString()]);
  await db.query('DELETE FROM auth_refresh_tokens WHERE family_expires_at < $1', [now.toISOString()]);
  await db.query('DELETE FROM auth_mfa_tickets WHERE expires_at < $1', [now.toISOString()]);
}
