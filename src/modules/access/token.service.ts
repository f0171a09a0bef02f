import { randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, importJWK, jwtVerify, errors as joseErrors, type CryptoKey, type JWK } from 'jose';
import type { Actor, RequestContext } from '../../platform/context/request-context.js';
import { HubError } from '../../platform/errors/index.js';
import type { Db } from '../../platform/storage/index.js';
import { AccessErrors } from './errors.js';
import { RevocationList } from './revocation-list.js';
import { parseScopes } from './scopes.js';
import { findActiveSigningKey, insertSigningKey } from './token.repo.js';

const ALG = 'EdDSA';
const VERIFY_CACHE_MAX = 10_000;

export interface TokenClaims {
  tenantId: string;
  actor: Actor;
  scope: string;
  purposeOfUse?: string;
  /** The Patient a person with role `patient` is (claim `patient`). */
  patient?: { tenantId: string; id: string };
  /** Sign-in session (refresh family) the token belongs to (claim `sid`); logout revokes it. */
  sessionId?: string;
  /** Set by verify: the token's id and expiry (epoch seconds), so logout can revoke exactly this token. */
  jti?: string;
  expiresAt?: number;
}

export interface IssuedToken {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
  scope: string;
}

/**
 * Signs and verifies the hub's access tokens (EdDSA JWTs). The key pair is
 * created once and kept in the database so every hub process and the CLI
 * agree on it. Verified tokens are cached by their string until expiry, which
 * keeps verification off the hot path of every request.
 */
export class TokenService {
  private constructor(
    private readonly issuer: string,
    private readonly ttlSeconds: number,
    private readonly kid: string,
    private readonly privateKey: CryptoKey,
    private readonly publicKey: CryptoKey,
    readonly publicJwk: JWK,
    /** Revoked tokens and sessions (logout, reuse of a rotated refresh token, disabled users). */
    readonly revocations: RevocationList,
  ) {}

  private readonly cache = new Map<string, { claims: TokenClaims; exp: number }>();

  static async create(db: Db, issuer: string, ttlSeconds: number): Promise<TokenService> {
    let row = await findActiveSigningKey(db);
    if (!row) {
      const pair = await generateKeyPair(ALG, { crv: 'Ed25519', extractable: true });
      const kid = randomUUID();
      const publicJwk = { ...(await exportJWK(pair.publicKey)), kid, alg: ALG, use: 'sig' };
      const privateJwk = { ...(await exportJWK(pair.privateKey)), kid, alg: ALG };
      row = await insertSigningKey(db, { kid, alg: ALG, public_jwk: publicJwk, private_jwk: privateJwk });
    }
    const privateKey = (await importJWK(row.private_jwk as JWK, ALG)) as CryptoKey;
    const publicKey = (await importJWK(row.public_jwk as JWK, ALG)) as CryptoKey;
    return new TokenService(issuer, ttlSeconds, row.kid, privateKey, publicKey, row.public_jwk as JWK, new RevocationList(db));
  }

  /** Issues an access token for a tenant and actor with the given scope string. */
  async mint(claims: TokenClaims, ttlSeconds = this.ttlSeconds): Promise<IssuedToken> {
    const token = await new SignJWT({
      scope: claims.scope,
      tenant: claims.tenantId,
      act: { kind: claims.actor.kind, display: claims.actor.display, roles: claims.actor.roles },
      ...(claims.purposeOfUse ? { pou: claims.purposeOfUse } : {}),
      ...(claims.patient ? { patient: { tenant: claims.patient.tenantId, id: claims.patient.id } } : {}),
      ...(claims.sessionId ? { sid: claims.sessionId } : {}),
    })
      .setProtectedHeader({ alg: ALG, kid: this.kid, typ: 'at+jwt' })
      .setIssuer(this.issuer)
      .setAudience(this.issuer)
      .setSubject(claims.actor.id)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime(`${ttlSeconds}s`)
      .sign(this.privateKey);
    return { access_token: token, token_type: 'bearer', expires_in: ttlSeconds, scope: claims.scope };
  }

  /** Verifies a bearer token and returns its claims; throws 401 HubErrors (also for a revoked token). */
  async verify(token: string): Promise<TokenClaims> {
    const claims = await this.verifySignature(token);
    if (await this.revocations.isRevoked(claims.jti, claims.sessionId)) {
      throw new HubError(AccessErrors.TOKEN_REVOKED, 'Access token has been revoked (signed out)');
    }
    return claims;
  }

  private async verifySignature(token: string): Promise<TokenClaims> {
    const now = Math.floor(Date.now() / 1000);
    const cached = this.cache.get(token);
    if (cached) {
      if (cached.exp > now) return cached.claims;
      this.cache.delete(token);
    }
    try {
      const { payload } = await jwtVerify(token, this.publicKey, { issuer: this.issuer, audience: this.issuer, algorithms: [ALG] });
      const act = (payload.act ?? {}) as { kind?: Actor['kind']; display?: string; roles?: string[] };
      if (typeof payload.tenant !== 'string' || typeof payload.sub !== 'string' || typeof payload.scope !== 'string') {
        throw new HubError(AccessErrors.TOKEN_INVALID, 'Access token lacks tenant, subject or scope');
      }
      const claims: TokenClaims = {
        tenantId: payload.tenant,
        actor: { kind: act.kind === 'user' ? 'user' : 'system', id: payload.sub, display: act.display, roles: act.roles },
        scope: payload.scope,
        purposeOfUse: typeof payload.pou === 'string' ? payload.pou : undefined,
        patient: readPatientClaim(payload.patient),
        sessionId: typeof payload.sid === 'string' ? payload.sid : undefined,
        jti: payload.jti,
        expiresAt: payload.exp,
      };
      if (this.cache.size >= VERIFY_CACHE_MAX) this.cache.clear();
      this.cache.set(token, { claims, exp: payload.exp ?? now });
      return claims;
    } catch (err) {
      if (err instanceof HubError) throw err;
      if (err instanceof joseErrors.JWTExpired) throw new HubError(AccessErrors.TOKEN_EXPIRED, 'Access token has expired');
      throw new HubError(AccessErrors.TOKEN_INVALID, 'Access token is invalid or was not issued by this hub');
    }
  }

  /** Builds the request context for verified claims. */
  static toContext(claims: TokenClaims, requestId: string, baseUrl: string): RequestContext {
    return {
      tenantId: claims.tenantId,
      actor: claims.actor,
      scopes: parseScopes(claims.scope),
      requestId,
      purposeOfUse: claims.purposeOfUse,
      ...(claims.patient ? { patient: claims.patient } : {}),
      baseUrl,
    };
  }
}

function readPatientClaim(value: unknown): TokenClaims['patient'] {
  if (typeof value !== 'object' || value === null) return undefined;
  const { tenant, id } = value as { tenant?: unknown; id?: unknown };
  return typeof tenant === 'string' && typeof id === 'string' ? { tenantId: tenant, id } : undefined;
}
