import { randomUUID } from 'node:crypto';
import { AppError, AuthError } from '@conveyor/errors';
import type { TokenVerifier } from '@conveyor/identity';
import type { LiveCaller } from './subscribe-live-field';
import { tokenExpiresAt } from './token-expiry';

/** A verified caller of a live connection and when its token stops being valid. */
export interface VerifiedCaller extends LiveCaller {
  expiresAt: number | null;
}

/** Verifies `Bearer <token>`; a missing header is `AUTH_FAILED`, a bad one the verifier's code. */
export async function verifyCaller(verifier: TokenVerifier, authorization: unknown, requestId: string = randomUUID()): Promise<VerifiedCaller> {
  if (typeof authorization !== 'string' || authorization.trim() === '') throw new AuthError('AUTH_FAILED', 'A bearer token is required');
  const identity = await verifier.verifyAuthorization(authorization);
  if (!identity) throw new AuthError('AUTH_FAILED', 'A bearer token is required');
  return { identity, authorization, requestId, expiresAt: tokenExpiresAt(authorization) };
}

export const codeOf = (error: unknown): string => (error instanceof AppError ? error.code : 'INTERNAL_ERROR');
