import { randomUUID } from 'node:crypto';
import { SignJWT, importJWK, type JWK } from 'jose';

export interface ClientAssertionInput {
  /** The client's private key as a JWK with `alg` and `kid`. */
  privateJwk: JWK;
  clientId: string;
  /** The token endpoint URL the assertion is for. */
  audience: string;
  /** Seconds until the assertion expires; SMART allows at most 300. */
  lifetimeSeconds?: number;
}

/**
 * Signs the JWT a backend client presents at the token endpoint
 * (iss = sub = client_id, aud = token endpoint, short exp, fresh jti).
 * Used by the `token` CLI; institutions' systems do the same on their side.
 * https://hl7.org/fhir/smart-app-launch/client-confidential-asymmetric.html#authenticating-to-the-token-endpoint
 */
export async function signClientAssertion(input: ClientAssertionInput): Promise<string> {
  const alg = input.privateJwk.alg;
  if (!alg) throw new Error('The private JWK has no "alg"');
  const key = await importJWK(input.privateJwk, alg);
  return new SignJWT({})
    .setProtectedHeader({ alg, typ: 'JWT', ...(input.privateJwk.kid ? { kid: input.privateJwk.kid } : {}) })
    .setIssuer(input.clientId)
    .setSubject(input.clientId)
    .setAudience(input.audience)
    .setJti(randomUUID())
    .setIssuedAt()
    .setExpirationTime(`${input.lifetimeSeconds ?? 60}s`)
    .sign(key);
}
