import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { HubError } from '../../platform/errors/index.js';
import type { Queryable } from '../../platform/storage/index.js';
import { findInstitution, findInstitutionsByIdOrName, insertClient, listInstitutions, type InstitutionRow } from './client.repo.js';
import { AccessErrors } from './errors.js';
import { formatScopes, parseScopesStrict } from './scopes.js';

/** Signing algorithms accepted for client assertions (SMART requires RS384 and ES384; EdDSA is our extra). */
export const CLIENT_ASSERTION_ALGS = ['RS384', 'ES384', 'EdDSA'] as const;
export type ClientAssertionAlg = (typeof CLIENT_ASSERTION_ALGS)[number];

/** Members of a JWK that only a private key has (RFC 7518 §6). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const MAX_KEYS = 10;
const MIN_RSA_BITS = 2048;

export interface RegisterClientInput {
  tenantId: string;
  name: string;
  /** The client's public keys (a JWK Set), or… */
  jwks?: unknown;
  /** …the URL where the client publishes them (https, or http on a loopback host for development). */
  jwksUrl?: string;
  /** The most the client may ask for; system scopes only. Default `system/*.cruds`. */
  scope?: string;
  demo?: boolean;
}

function expectedAlg(key: Record<string, unknown>): ClientAssertionAlg | undefined {
  if (key.kty === 'RSA') return 'RS384';
  if (key.kty === 'EC' && key.crv === 'P-384') return 'ES384';
  if (key.kty === 'OKP' && key.crv === 'Ed25519') return 'EdDSA';
  return undefined;
}

/**
 * Checks a client's JWK Set: public keys only, of a kind we can verify
 * (RSA ≥ 2048 bits, EC P-384, Ed25519), each importable. Returns the set with
 * only its keys. Throws ACCESS_INVALID_JWKS naming the bad key.
 */
export async function validateClientJwks(jwks: unknown): Promise<{ keys: JWK[] }> {
  const keys = (jwks as { keys?: unknown } | null)?.keys;
  if (typeof jwks !== 'object' || jwks === null || !Array.isArray(keys) || keys.length === 0) {
    throw new HubError(AccessErrors.INVALID_JWKS, 'jwks must be a JWK Set: an object with a non-empty "keys" array', { expression: ['jwks'] });
  }
  if (keys.length > MAX_KEYS) throw new HubError(AccessErrors.INVALID_JWKS, `jwks may hold at most ${MAX_KEYS} keys`, { expression: ['jwks.keys'] });
  const out: JWK[] = [];
  for (const [i, key] of keys.entries()) {
    const where = [`jwks.keys[${i}]`];
    if (typeof key !== 'object' || key === null || Array.isArray(key)) {
      throw new HubError(AccessErrors.INVALID_JWKS, `Key ${i} is not a JSON object`, { expression: where });
    }
    const record = key as Record<string, unknown>;
    const privateMember = PRIVATE_MEMBERS.find((m) => m in record);
    if (privateMember) {
      throw new HubError(AccessErrors.INVALID_JWKS, `Key ${i} contains private member "${privateMember}": register only the public key`, { expression: where });
    }
    const alg = expectedAlg(record);
    if (!alg) {
      throw new HubError(AccessErrors.INVALID_JWKS, `Key ${i} must be RSA, EC P-384 or OKP Ed25519 (for ${CLIENT_ASSERTION_ALGS.join(', ')})`, { expression: where });
    }
    if (record.alg !== undefined && record.alg !== alg) {
      throw new HubError(AccessErrors.INVALID_JWKS, `Key ${i} declares alg "${String(record.alg)}" but only ${alg} fits this key type`, { expression: where });
    }
    if (record.use !== undefined && record.use !== 'sig') {
      throw new HubError(AccessErrors.INVALID_JWKS, `Key ${i} has use "${String(record.use)}"; client keys must be for signatures`, { expression: where });
    }
    try {
      await importJWK(record as JWK, alg);
    } catch (err) {
      throw new HubError(AccessErrors.INVALID_JWKS, `Key ${i} cannot be imported: ${(err as Error).message}`, { expression: where, cause: err });
    }
    if (alg === 'RS384' && Buffer.from(String(record.n), 'base64url').length * 8 < MIN_RSA_BITS) {
      throw new HubError(AccessErrors.INVALID_JWKS, `Key ${i} is an RSA key shorter than ${MIN_RSA_BITS} bits`, { expression: where });
    }
    out.push(record as JWK);
  }
  return { keys: out };
}

function validateJwksUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new HubError(AccessErrors.INVALID_JWKS, `jwksUrl is not a URL: "${raw}"`, { expression: ['jwksUrl'] });
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new HubError(AccessErrors.INVALID_JWKS, 'jwksUrl must use https (plain http only on a loopback host)', { expression: ['jwksUrl'] });
  }
  return url.toString();
}

/** Checks a client's registered scope: SMART system scopes only, at least one. Returns it normalised. */
export function validateClientScope(scope: string): string {
  const { scopes, unsupported } = parseScopesStrict(scope);
  if (unsupported.length > 0) {
    throw new HubError(AccessErrors.INVALID_CLIENT_SCOPE, `Unsupported scope(s): ${unsupported.join(' ')}`, { expression: ['scope'] });
  }
  const nonSystem = scopes.filter((s) => s.context !== 'system');
  if (nonSystem.length > 0 || scopes.length === 0) {
    throw new HubError(AccessErrors.INVALID_CLIENT_SCOPE, 'A backend-services client needs at least one system/ scope and only system/ scopes', {
      expression: ['scope'],
    });
  }
  return formatScopes(scopes);
}

/**
 * Registers a SMART Backend Services client for an institution and returns
 * its client_id and normalised scope. The client authenticates later with a JWT signed by one of
 * the registered keys (private_key_jwt).
 * https://hl7.org/fhir/smart-app-launch/backend-services.html#registering-a-client-communicating-public-keys
 */
export async function registerClient(db: Queryable, input: RegisterClientInput): Promise<{ clientId: string; scope: string }> {
  const name = typeof input.name === 'string' ? input.name.trim() : '';
  if (name.length === 0 || name.length > 200) {
    throw new HubError(AccessErrors.INVALID_CLIENT_NAME, 'Client name must be 1 to 200 characters', { expression: ['name'] });
  }
  if ((input.jwks === undefined) === (input.jwksUrl === undefined)) {
    throw new HubError(AccessErrors.INVALID_JWKS, 'Give exactly one of jwks or jwksUrl', { expression: ['jwks'] });
  }
  const scope = validateClientScope(input.scope ?? 'system/*.cruds');
  const jwks = input.jwks === undefined ? null : await validateClientJwks(input.jwks);
  const jwksUrl = input.jwksUrl === undefined ? null : validateJwksUrl(input.jwksUrl);
  if (!(await findInstitution(db, input.tenantId))) {
    throw new HubError(AccessErrors.UNKNOWN_TENANT, `No institution with id "${input.tenantId}"`, { expression: ['tenantId'] });
  }
  const clientId = randomUUID();
  await insertClient(db, { tenant_id: input.tenantId, client_id: clientId, name, jwks, jwks_url: jwksUrl, scope, demo: input.demo ?? false });
  return { clientId, scope };
}

export interface ClientKeyPair {
  kid: string;
  alg: ClientAssertionAlg;
  publicJwk: JWK;
  privateJwk: JWK;
}

/** Generates a key pair a client can sign its assertions with (ES384 by default). */
export async function generateClientKeyPair(alg: ClientAssertionAlg = 'ES384'): Promise<ClientKeyPair> {
  const pair = await generateKeyPair(alg, alg === 'RS384' ? { modulusLength: 3072, extractable: true } : { extractable: true });
  const kid = randomUUID();
  const publicJwk = { ...(await exportJWK(pair.publicKey)), kid, alg, use: 'sig' };
  const privateJwk = { ...(await exportJWK(pair.privateKey)), kid, alg, use: 'sig' };
  return { kid, alg, publicJwk, privateJwk };
}

/**
 * Finds one institution by id or exact name; throws UNKNOWN_TENANT (listing a
 * few known institutions) when none or several match.
 */
export async function resolveInstitution(db: Queryable, idOrName: string): Promise<InstitutionRow> {
  const found = await findInstitutionsByIdOrName(db, idOrName);
  if (found.length > 0 && (found[0].id === idOrName || found.length === 1)) return found[0];
  if (found.length > 1) {
    throw new HubError(AccessErrors.UNKNOWN_TENANT, `Several institutions are named "${idOrName}"; give the id: ${found.map((i) => i.id).join(', ')}`);
  }
  const known = await listInstitutions(db, 20);
  const hint = known.length ? ` Known: ${known.map((i) => `${i.id} (${i.name})`).join(', ')}` : ' The database has no institutions yet.';
  throw new HubError(AccessErrors.UNKNOWN_TENANT, `No institution with id or name "${idOrName}".${hint}`);
}
