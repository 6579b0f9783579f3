import type { Role } from '@conveyor/contracts';

export type { Role } from '@conveyor/contracts';

/** The verified caller of a request: who, in which tenant, with which role. */
export interface Identity {
  userId: string;
  tenantId: string;
  role: Role;
  username: string;
}

/**
 * The fixed claims of an access token. They are constants rather than configuration so that a
 * token minted by one installation's auth is never accepted under another name by mistake; the
 * signing keys are what differ between installations.
 */
export const accessTokenClaims = {
  issuer: 'urn:conveyor:auth',
  audience: 'urn:conveyor:api',
  /** RFC 9068 media type of a JWT access token; refresh tokens are opaque and never JWTs. */
  type: 'at+jwt',
  algorithm: 'EdDSA',
} as const;
