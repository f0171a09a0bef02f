import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Db, Queryable } from '../../platform/storage/index.js';
import { DEFAULT_LOCKOUT, type LockoutPolicy } from './lockout.js';
import { OAuthError } from './oauth-error.js';
import { pagesForRoles, scopesForRoles, type ConsolePage } from './role-policy.js';
import {
  insertRefreshToken,
  lockRefreshToken,
  markRefreshTokenRotated,
  revokeRefreshFamily,
  revokeUserRefreshFamilies,
} from './session.repo.js';
import type { IssuedToken, TokenClaims, TokenService } from './token.service.js';
import { findUserById, type UserRow } from './user.repo.js';

/** How people sign in: second factor, token lifetimes, lockout. Built from Config by peoplePolicyFromConfig. */
export interface PeoplePolicy {
  requireMfa: boolean;
  accessTtlSeconds: number;
  refreshTtlSeconds: number;
  /** A sign-in session (refresh family) ends this long after the password was given, however often it is refreshed. */
  sessionMaxSeconds: number;
  lockout: LockoutPolicy;
}

export function peoplePolicyFromConfig(config: { requireMfa: boolean; peopleTokenTtlSeconds: number; refreshTokenTtlSeconds: number }): PeoplePolicy {
  return {
    requireMfa: config.requireMfa,
    accessTtlSeconds: config.peopleTokenTtlSeconds,
    refreshTtlSeconds: config.refreshTokenTtlSeconds,
    sessionMaxSeconds: Math.max(config.refreshTokenTtlSeconds, 24 * 3600),
    lockout: DEFAULT_LOCKOUT,
  };
}

export interface PeopleDeps {
  db: Db;
  tokens: TokenService;
  people: PeoplePolicy;
}

export interface SignedInUser {
  id: string;
  username: string;
  displayName: string;
  institution: { id: string; name: string };
  roles: string[];
  /** Console pages the roles may use. */
  pages: ConsolePage[];
  mfaEnabled: boolean;
  patient?: { tenantId: string; id: string };
}

export interface SignedIn extends IssuedToken {
  refresh_token: string;
  refresh_expires_in: number;
  user: SignedInUser;
}

/** What the console needs to know about the signed-in person. */
export function describeSignedInUser(user: UserRow): SignedInUser {
  return {
    id: user.id,
    username: user.username,
    displayName: user.display_name,
    institution: { id: user.tenant_id, name: user.institution_name },
    roles: user.roles,
    pages: pagesForRoles(user.roles),
    mfaEnabled: user.mfa_secret !== null,
    ...(user.patient_id && user.patient_tenant_id ? { patient: { tenantId: user.patient_tenant_id, id: user.patient_id } } : {}),
  };
}

function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

function newRefreshToken(): string {
  return `xrt_${randomBytes(32).toString('base64url')}`;
}

function userClaims(user: UserRow, sessionId: string): TokenClaims {
  return {
    tenantId: user.tenant_id,
    actor: { kind: 'user', id: user.id, display: user.display_name, roles: user.roles },
    scope: scopesForRoles(user.roles),
    sessionId,
    ...(user.patient_id && user.patient_tenant_id ? { patient: { tenantId: user.patient_tenant_id, id: user.patient_id } } : {}),
  };
}

async function mintPair(
  q: Queryable,
  deps: PeopleDeps,
  user: UserRow,
  family: { id: string; expiresAt: Date },
  now: Date,
): Promise<SignedIn> {
  const refreshToken = newRefreshToken();
  const refreshExpires = new Date(Math.min(now.getTime() + deps.people.refreshTtlSeconds * 1000, family.expiresAt.getTime()));
  await insertRefreshToken(q, {
    token_hash: hashRefreshToken(refreshToken),
    family_id: family.id,
    user_id: user.id,
    expires_at: refreshExpires,
    family_expires_at: family.expiresAt,
  });
  const issued = await deps.tokens.mint(userClaims(user, family.id), deps.people.accessTtlSeconds);
  return {
    ...issued,
    refresh_token: refreshToken,
    refresh_expires_in: Math.max(0, Math.floor((refreshExpires.getTime() - now.getTime()) / 1000)),
    user: describeSignedInUser(user),
  };
}

/** Starts a sign-in session: a short-lived access token and the first refresh token of a new family. */
export async function startSession(deps: PeopleDeps, user: UserRow, now = new Date()): Promise<SignedIn> {
  const family = { id: randomUUID(), expiresAt: new Date(now.getTime() + deps.people.sessionMaxSeconds * 1000) };
  return mintPair(deps.db, deps, user, family, now);
}

/** Revokes a whole sign-in session: its refresh tokens and every access token minted for it. */
async function revokeSession(q: Queryable, deps: PeopleDeps, familyId: string, now: Date): Promise<void> {
  await revokeRefreshFamily(q, familyId, now);
  // Access tokens of the family live at most accessTtl past now; the sid entry must outlive them.
  await deps.tokens.revocations.revoke('sid', familyId, new Date(now.getTime() + deps.people.accessTtlSeconds * 1000 + 60_000), q);
}

/**
 * POST /auth/refresh: exchanges a refresh token for a new access token and
 * a new refresh token (rotation). A refresh token presented a second time
 * means it was copied: the whole family is revoked (OAuth 2.0 Security BCP,
 * RFC 9700 §4.14.2). Roles are read afresh, so role changes apply here.
 * Every failure is OAuth invalid_grant (400).
 */
export async function refreshSession(deps: PeopleDeps, body: unknown, now = new Date()): Promise<SignedIn> {
  const token = (typeof body === 'object' && body !== null ? (body as Record<string, unknown>).refresh_token : undefined) as unknown;
  if (typeof token !== 'string' || token.length === 0 || token.length > 200) {
    throw new OAuthError('invalid_request', 'Send JSON {"refresh_token": "..."}');
  }
  const outcome = await deps.db.transaction(async (tx): Promise<SignedIn | 'reused' | 'invalid'> => {
    const row = await lockRefreshToken(tx, hashRefreshToken(token));
    if (!row || row.revoked_at || row.expires_at <= now || row.family_expires_at <= now) return 'invalid';
    if (row.rotated_at) {
      await revokeSession(tx, deps, row.family_id, now);
      return 'reused';
    }
    const user = await findUserById(tx, row.user_id);
    if (!user || user.disabled_at) {
      await revokeSession(tx, deps, row.family_id, now);
      return 'invalid';
    }
    await markRefreshTokenRotated(tx, row.token_hash, now);
    return mintPair(tx, deps, user, { id: row.family_id, expiresAt: row.family_expires_at }, now);
  });
  if (outcome === 'reused') throw new OAuthError('invalid_grant', 'This refresh token was already used; the session has been revoked, sign in again');
  if (outcome === 'invalid') throw new OAuthError('invalid_grant', 'The refresh token is unknown, expired or revoked; sign in again');
  return outcome;
}

/**
 * POST /auth/logout: revokes the presented access token and, for a person,
 * the sign-in session it belongs to (so its refresh token stops working too).
 */
export async function signOut(deps: PeopleDeps, claims: TokenClaims, now = new Date()): Promise<void> {
  await deps.db.transaction(async (tx) => {
    if (claims.jti) {
      const expiresAt = new Date(((claims.expiresAt ?? Math.floor(now.getTime() / 1000)) + 60) * 1000);
      await deps.tokens.revocations.revoke('jti', claims.jti, expiresAt, tx);
    }
    if (claims.sessionId) await revokeSession(tx, deps, claims.sessionId, now);
  });
}

/**
 * Ends every sign-in session of a user (disabled, MFA reset, password
 * changed), except `keepSessionId`: their tokens stop working at once in this
 * process and within the revocation reload time in the others.
 */
export async function revokeUserSessions(q: Queryable, deps: PeopleDeps, userId: string, now = new Date(), keepSessionId?: string): Promise<void> {
  for (const familyId of await revokeUserRefreshFamilies(q, userId, now, keepSessionId)) {
    await deps.tokens.revocations.revoke('sid', familyId, new Date(now.getTime() + deps.people.accessTtlSeconds * 1000 + 60_000), q);
  }
}
