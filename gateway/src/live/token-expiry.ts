/**
 * The `exp` of a JWT that was already verified, in epoch milliseconds (`null` without one). Read
 * here rather than returned by the verifier because only live connections outlive a request.
 */
export function tokenExpiresAt(authorization: string): number | null {
  const token = authorization.replace(/^Bearer\s+/i, '');
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof claims.exp === 'number' ? claims.exp * 1000 : null;
  } catch {
    return null;
  }
}

/** setTimeout's ceiling (about 24.8 days); a later expiry is re-armed when this fires. */
export const maxTimerMs = 2_147_483_647;
