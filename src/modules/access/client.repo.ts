import type { Queryable } from '../../platform/storage/index.js';

export interface ClientRow {
  tenant_id: string;
  client_id: string;
  name: string;
  jwks: { keys: Array<Record<string, unknown>> } | null;
  jwks_url: string | null;
  scope: string;
  demo: boolean;
  created_at: Date;
  disabled_at: Date | null;
}

export interface InstitutionRow {
  id: string;
  name: string;
  kind: string;
}

const CLIENT_COLUMNS = 'tenant_id, client_id, name, jwks, jwks_url, scope, demo, created_at, disabled_at';

export async function insertClient(
  db: Queryable,
  client: Pick<ClientRow, 'tenant_id' | 'client_id' | 'name' | 'jwks' | 'jwks_url' | 'scope' | 'demo'>,
): Promise<void> {
  await db.query(
    `INSERT INTO auth_clients (tenant_id, client_id, name, jwks, jwks_url, scope, demo) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [client.tenant_id, client.client_id, client.name, client.jwks, client.jwks_url, client.scope, client.demo],
  );
}

export async function findClient(db: Queryable, clientId: string): Promise<ClientRow | undefined> {
  const result = await db.query<ClientRow>(`SELECT ${CLIENT_COLUMNS} FROM auth_clients WHERE client_id = $1`, [clientId]);
  return result.rows[0];
}

/** The newest enabled demo client of an institution. */
export async function findDemoClient(db: Queryable, tenantId: string): Promise<ClientRow | undefined> {
  const result = await db.query<ClientRow>(
    `SELECT ${CLIENT_COLUMNS} FROM auth_clients WHERE tenant_id = $1 AND demo AND disabled_at IS NULL
     ORDER BY created_at DESC LIMIT 1`,
    [tenantId],
  );
  return result.rows[0];
}

export async function updateClientJwks(db: Queryable, clientId: string, jwks: ClientRow['jwks']): Promise<void> {
  await db.query('UPDATE auth_clients SET jwks = $2, jwks_url = NULL WHERE client_id = $1', [clientId, jwks]);
}

export async function disableClient(db: Queryable, clientId: string): Promise<void> {
  await db.query('UPDATE auth_clients SET disabled_at = now() WHERE client_id = $1 AND disabled_at IS NULL', [clientId]);
}

/**
 * Records a client assertion's jti; false when this client already used it
 * (a replay). Rows live until the assertion would have expired anyway.
 */
export async function recordAssertionJti(db: Queryable, clientId: string, jti: string, expiresAt: Date): Promise<boolean> {
  const result = await db.query(
    `INSERT INTO auth_client_assertions (client_id, jti, expires_at) VALUES ($1, $2, $3::timestamptz)
     ON CONFLICT (client_id, jti) DO NOTHING`,
    [clientId, jti, expiresAt.toISOString()],
  );
  return result.rowCount === 1;
}

/** Forgets jtis of assertions that expired more than `graceSeconds` ago: they fail the exp check anyway. */
export async function purgeExpiredAssertions(db: Queryable, graceSeconds: number): Promise<void> {
  await db.query(`DELETE FROM auth_client_assertions WHERE expires_at < now() - make_interval(secs => $1)`, [graceSeconds]);
}

export async function findInstitution(db: Queryable, id: string): Promise<InstitutionRow | undefined> {
  const result = await db.query<InstitutionRow>('SELECT id, name, kind FROM institutions WHERE id = $1', [id]);
  return result.rows[0];
}

/** Institutions whose id or name equals `idOrName` (an id match first). */
export async function findInstitutionsByIdOrName(db: Queryable, idOrName: string): Promise<InstitutionRow[]> {
  const result = await db.query<InstitutionRow>(
    `SELECT id, name, kind FROM institutions WHERE id = $1 OR name = $1 ORDER BY (id = $1) DESC, id LIMIT 10`,
    [idOrName],
  );
  return result.rows;
}

export async function listInstitutions(db: Queryable, limit: number): Promise<InstitutionRow[]> {
  const result = await db.query<InstitutionRow>('SELECT id, name, kind FROM institutions ORDER BY created_at, id LIMIT $1', [limit]);
  return result.rows;
}

/** Enabled demo clients with their institution, in institution order. */
export async function listDemoClients(db: Queryable): Promise<Array<ClientRow & { institution_name: string; institution_kind: string }>> {
  const result = await db.query<ClientRow & { institution_name: string; institution_kind: string }>(
    `SELECT ${CLIENT_COLUMNS.split(', ').map((c) => `c.${c}`).join(', ')}, i.name AS institution_name, i.kind AS institution_kind
     FROM auth_clients c JOIN institutions i ON i.id = c.tenant_id
     WHERE c.demo AND c.disabled_at IS NULL ORDER BY i.created_at, i.id, c.created_at DESC`,
  );
  return result.rows;
}
