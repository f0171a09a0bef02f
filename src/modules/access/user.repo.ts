import type { Queryable } from '../../platform/storage/index.js';

export interface UserRow {
  tenant_id: string;
  id: string;
  username: string;
  display_name: string;
  password_hash: string;
  roles: string[];
  demo: boolean;
  disabled_at: Date | null;
  institution_name: string;
  patient_tenant_id: string | null;
  patient_id: string | null;
  mfa_secret: string | null;
  mfa_pending_secret: string | null;
  mfa_enabled_at: Date | null;
  mfa_last_step: number | null;
  created_at: Date;
}

/** Inserts a user; false when the username is taken. */
export async function insertUser(
  db: Queryable,
  user: Pick<UserRow, 'tenant_id' | 'id' | 'username' | 'display_name' | 'password_hash' | 'roles' | 'demo' | 'patient_tenant_id' | 'patient_id'>,
): Promise<boolean> {
  const result = await db.query(
    `INSERT INTO users (tenant_id, id, username, display_name, password_hash, roles, demo, patient_tenant_id, patient_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (username) DO NOTHING`,
    [user.tenant_id, user.id, user.username, user.display_name, user.password_hash, user.roles, user.demo, user.patient_tenant_id, user.patient_id],
  );
  return result.rowCount === 1;
}

const USER_SELECT = `SELECT u.tenant_id, u.id, u.username, u.display_name, u.password_hash, u.roles, u.demo, u.disabled_at,
  u.patient_tenant_id, u.patient_id, u.mfa_secret, u.mfa_pending_secret, u.mfa_enabled_at, u.mfa_last_step, u.created_at,
  i.name AS institution_name FROM users u JOIN institutions i ON i.id = u.tenant_id`;

export async function findUserByUsername(db: Queryable, username: string): Promise<UserRow | undefined> {
  const result = await db.query<UserRow>(`${USER_SELECT} WHERE u.username = $1`, [username]);
  return result.rows[0];
}

export async function findUserById(db: Queryable, id: string): Promise<UserRow | undefined> {
  const result = await db.query<UserRow>(`${USER_SELECT} WHERE u.id = $1`, [id]);
  return result.rows[0];
}

export interface UserListFilter {
  /** Only this institution's users (an institution admin always passes their own). */
  tenantId?: string;
  /** Substring of username or display name. */
  text?: string;
  limit: number;
  offset: number;
}

/** Users in institution, then username order, with the lock state of their username. */
export async function listUsers(db: Queryable, filter: UserListFilter, now: Date): Promise<Array<UserRow & { locked_until: Date | null }>> {
  const params: unknown[] = [now.toISOString(), filter.limit, filter.offset];
  const where: string[] = [];
  if (filter.tenantId !== undefined) {
    params.push(filter.tenantId);
    where.push(`u.tenant_id = $${params.length}`);
  }
  if (filter.text) {
    params.push(`%${filter.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    where.push(`(u.username ILIKE $${params.length} OR u.display_name ILIKE $${params.length})`);
  }
  const result = await db.query<UserRow & { locked_until: Date | null }>(
    `${USER_SELECT.replace(' FROM users u', ', a.locked_until FROM users u')}
       LEFT JOIN auth_login_attempts a ON a.username = u.username AND a.locked_until > $1::timestamptz
     ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY i.name, u.username LIMIT $2 OFFSET $3`,
    params,
  );
  return result.rows.map((row) => ({ ...row, mfa_last_step: row.mfa_last_step === null ? null : Number(row.mfa_last_step) }));
}

/** True when the institution holds a current (not deleted) Patient with this id. */
export async function patientExists(db: Queryable, tenantId: string, patientId: string): Promise<boolean> {
  const result = await db.query(
    `SELECT 1 FROM fhir_resources WHERE tenant_id = $1 AND resource_type = 'Patient' AND id = $2 AND NOT deleted`,
    [tenantId, patientId],
  );
  return result.rows.length > 0;
}

export async function updatePasswordHash(db: Queryable, id: string, hash: string): Promise<void> {
  await db.query('UPDATE users SET password_hash = $2 WHERE id = $1', [id, hash]);
}

export async function setUserDisabled(db: Queryable, id: string, disabled: boolean): Promise<void> {
  await db.query(`UPDATE users SET disabled_at = ${disabled ? 'coalesce(disabled_at, now())' : 'NULL'} WHERE id = $1`, [id]);
}

/** Demo users in institution, then username order. */
export async function listDemoUsers(db: Queryable): Promise<UserRow[]> {
  const result = await db.query<UserRow>(`${USER_SELECT} WHERE u.demo AND u.disabled_at IS NULL ORDER BY i.created_at, i.id, u.username`);
  return result.rows;
}

/** When the username is locked out, the time the lock ends. */
export async function findLockedUntil(db: Queryable, username: string, now: Date): Promise<Date | undefined> {
  const result = await db.query<{ locked_until: Date }>(
    'SELECT locked_until FROM auth_login_attempts WHERE username = $1 AND locked_until > $2::timestamptz',
    [username, now.toISOString()],
  );
  return result.rows[0]?.locked_until;
}

/**
 * Counts a failed sign-in. Failures older than `windowSeconds` start the
 * count afresh; reaching `maxFailures` locks the username for `lockSeconds`
 * and resets the count. Returns the lock's end when this failure locked it.
 */
export async function recordLoginFailure(
  db: Queryable,
  username: string,
  now: Date,
  policy: { maxFailures: number; windowSeconds: number; lockSeconds: number },
): Promise<Date | undefined> {
  const result = await db.query<{ failures: number }>(
    `INSERT INTO auth_login_attempts AS a (username, failures, last_failure_at) VALUES ($1, 1, $2::timestamptz)
     ON CONFLICT (username) DO UPDATE SET
       failures = CASE WHEN a.last_failure_at < $2::timestamptz - make_interval(secs => $3) THEN 1 ELSE a.failures + 1 END,
       last_failure_at = $2::timestamptz
     RETURNING failures`,
    [username, now.toISOString(), policy.windowSeconds],
  );
  const failures = Number(result.rows[0].failures);
  if (failures < policy.maxFailures) return undefined;
  const locked = await db.query<{ locked_until: Date }>(
    `UPDATE auth_login_attempts SET failures = 0, locked_until = $2::timestamptz + make_interval(secs => $3)
     WHERE username = $1 RETURNING locked_until`,
    [username, now.toISOString(), policy.lockSeconds],
  );
  return locked.rows[0]?.locked_until;
}

export async function clearLoginFailures(db: Queryable, username: string): Promise<void> {
  await db.query('DELETE FROM auth_login_attempts WHERE username = $1', [username]);
}

/** Drops failure rows that no longer count and hold no lock, so guessed usernames do not pile up. */
export async function purgeStaleLoginFailures(db: Queryable, now: Date, windowSeconds: number): Promise<void> {
  await db.query(
    `DELETE FROM auth_login_attempts WHERE last_failure_at < $1::timestamptz - make_interval(secs => $2)
     AND (locked_until IS NULL OR locked_until < $1::timestamptz)`,
    [now.toISOString(), windowSeconds],
  );
}
