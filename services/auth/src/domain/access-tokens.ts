import { randomUUID } from 'node:crypto';
import { accessTokenClaims } from '@conveyor/identity';
import { SignJWT } from 'jose';
import type { Signer } from './signing-keys';

export interface TokenSubject {
  id: string;
  tenantId: string;
  role: 'analyst' | 'engineer' | 'architect' | 'admin';
  username: string;
}

/**
 * An RFC 9068 access token: EdDSA, `typ: at+jwt`, `kid` of the signing key; claims `iss`, `aud`,
 * `sub` (user id), `tid` (tenant id), `role`, `preferred_username`, `iat`, `iat_ms`, `exp`, `jti`.
 */
export async function signAccessToken(signer: Signer, user: TokenSubject, ttlSeconds: number): Promise<string> {
  const nowMs = Date.now();
  const now = Math.floor(nowMs / 1000);
  // `iat_ms`: revocations (disable, role or password change) compare at millisecond precision,
  // so a token issued just before a change dies and one issued just after it lives.
  return new SignJWT({ tid: user.tenantId, role: user.role, preferred_username: user.username, iat_ms: nowMs })
    .setProtectedHeader({ alg: accessTokenClaims.algorithm, kid: signer.kid, typ: accessTokenClaims.type })
    .setIssuer(accessTokenClaims.issuer)
    .setAudience(accessTokenClaims.audience)
    .setSubject(user.id)
    .setIssuedAt(now)
    .setExpirationTime(now + ttlSeconds)
    .setJti(randomUUID())
    .sign(signer.privateKey);
}
