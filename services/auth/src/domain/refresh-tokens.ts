import { createHash, randomBytes } from 'node:crypto';

/** 256 random bits, base64url: opaque, never a JWT, so it can never pass as an access token. */
export function newRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Stored form of a refresh token. A salt adds nothing to a 256-bit random secret. */
export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Refresh tokens are 43 base64url characters; anything else is refused before a query. */
export function looksLikeRefreshToken(token: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(token);
}
