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
 * `sub` (user id), `tid` (tenant id), `role`, `preferred_username`, `iat`, `exp`, `jti`.
 */
export async function signAccessToken(signer: Signer, user: TokenSubject, ttlSeconds: number): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ tid: user.tenantId, role: user.role, preferred_username: user.username })
    .setProtectedHeader({ alg: accessTokenClaims.algorithm, kid: signer.kid, typ: accessTokenClaims.type })
    .setIssuer(accessTokenClaims.issuer)
    .setAudience(accessTokenClaims.audience)
    .setSubject(user.id)
    .setIssuedAt(now)
    .setExpirationTime(now + ttlSeconds)
    .setJti(randomUUID())
    .sign(signer.privateKey);
}
