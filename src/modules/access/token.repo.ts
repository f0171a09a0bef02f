import type { Queryable } from '../../platform/storage/index.js';

export interface SigningKeyRow {
  kid: string;
  alg: string;
  public_jwk: Record<string, unknown>;
  private_jwk: Record<string, unknown>;
}

export async function findActiveSigningKey(db: Queryable): Promise<SigningKeyRow | undefined> {
  const result = await db.query<SigningKeyRow>(
    `SELECT kid, alg, public_jwk, private_jwk FROM signing_keys
     WHERE purpose = 'access-token' AND retired_at IS NULL ORDER BY created_at DESC LIMIT 1`,
  );
  return result.rows[0];
}

/** Inserts a key unless another process won the race; returns the key in force. */
export async function insertSigningKey(db: Queryable, key: SigningKeyRow): Promise<SigningKeyRow> {
  await db.query(
    `INSERT INTO signing_keys (kid, alg, public_jwk, private_jwk)
     SELECT $1, $2, $3, $4 WHERE NOT EXISTS (SELECT 1 FROM signing_keys WHERE purpose = 'access-token' AND retired_at IS NULL)`,
    [key.kid, key.alg, key.public_jwk, key.private_jwk],
  );
  return (await findActiveSigningKey(db)) ?? key;
}

export async function listPublicKeys(db: Queryable): Promise<Array<Record<string, unknown>>> {
  const result = await db.query<{ public_jwk: Record<string, unknown> }>(
    `SELECT public_jwk FROM signing_keys WHERE purpose = 'access-token' AND retired_at IS NULL`,
  );
  return result.rows.map((row) => row.public_jwk);
}

export async function institutionExists(db: Queryable, tenantId: string): Promise<boolean> {
  const result = await db.query('SELECT 1 FROM institutions WHERE id = $1', [tenantId]);
  return result.rows.length > 0;
}
