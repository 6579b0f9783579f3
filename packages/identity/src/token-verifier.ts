import type { PublicJwk } from '@conveyor/contracts';
import { roles } from '@conveyor/contracts';
import { AuthError } from '@conveyor/errors';
import { decodeProtectedHeader, errors as joseErrors, importJWK, jwtVerify, type CryptoKey } from 'jose';
import { z } from 'zod';
import { accessTokenClaims, type Identity } from './identity';

/** A user whose access tokens issued before `notBefore` (milliseconds since the epoch) are refused. */
export interface Revocation {
  userId: string;
  notBefore: number;
}

/** When a token was issued, in ms: the `iat_ms` claim auth adds (`iat` has whole seconds only). */
const issuedAtMs = (payload: Record<string, unknown>) =>
  typeof payload.iat_ms === 'number' ? payload.iat_ms : (payload.iat as number) * 1000;

/** Where verification keys (and revocations) come from: auth over NATS in services, a fixed set in unit tests. */
export type KeySource = () => Promise<PublicJwk[] | { keys: PublicJwk[]; revocations?: Revocation[] }>;

export interface TokenVerifierOptions {
  keys: KeySource;
  /** A key set older than this is fetched again on the next verification (default 1 minute; revocations ride along). */
  maxKeyAgeMs?: number;
  /**
   * An unknown `kid` triggers a fetch at most this often (default 1 s), so a stream of forged
   * `kid`s costs one request per second, not one per request; a token arriving sooner waits.
   */
  minRefetchIntervalMs?: number;
  /** Verified tokens remembered until they expire (default 10 000; 0 disables). */
  cacheSize?: number;
  now?: () => number;
}

export interface TokenVerifier {
  /** The identity in a bearer token; throws `INVALID_TOKEN` or `TOKEN_EXPIRED`. */
  verify(token: string): Promise<Identity>;
  /** `null` for no header; the identity for `Bearer <valid token>`; throws otherwise. */
  verifyAuthorization(header: string | undefined): Promise<Identity | null>;
  /** Refuses the user's tokens issued before `notBefore` (pushed by auth's `user.updated` events). */
  revoke(revocation: Revocation): void;
}

const claimsSchema = z.object({
  sub: z.uuid(),
  tid: z.uuid(),
  role: z.enum(roles),
  preferred_username: z.string().min(1),
});

const invalid = (message: string, cause?: unknown) => new AuthError('INVALID_TOKEN', message, { cause });

/**
 * Verifies EdDSA access tokens against the JWKS published by auth. Only `EdDSA` is accepted
 * (so `none`, HS256 signed with the public key and other algorithm confusions fail), the header
 * must say `typ: at+jwt` and name a known `kid`, and `iss`, `aud`, `exp` are checked.
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const maxKeyAgeMs = options.maxKeyAgeMs ?? 60_000;
  const minRefetchIntervalMs = options.minRefetchIntervalMs ?? 1_000;
  const now = options.now ?? Date.now;
  let keys = new Map<string, CryptoKey>();
  let fetchedAt = -Infinity;
  let refreshDueAt = -Infinity;
  let inflight: Promise<void> | null = null;
  // A client sends the same token with every request until it expires. An Ed25519 signature
  // check through WebCrypto costs 190-370 µs on this machine (bench/auth); a hit here costs ~1 µs.
  // Keyed by the exact token string, so nothing but an identical, already verified token hits.
  const cacheSize = options.cacheSize ?? 10_000;
  const verified = new Map<string, { identity: Identity; expiresAtMs: number; kid: string; issuedAt: number }>();
  const revocations = new Map<string, number>();
  const revoke = (revocation: Revocation) => {
    const notBefore = revocation.notBefore;
    if ((revocations.get(revocation.userId) ?? -Infinity) < notBefore) revocations.set(revocation.userId, notBefore);
  };
  const isRevoked = (userId: string, issuedAt: number) => issuedAt < (revocations.get(userId) ?? -Infinity);

  async function fetchKeys(): Promise<void> {
    inflight ??= (async () => {
      try {
        const fetched = await options.keys();
        const jwks = Array.isArray(fetched) ? fetched : fetched.keys;
        for (const revocation of Array.isArray(fetched) ? [] : (fetched.revocations ?? [])) revoke(revocation);
        const next = new Map<string, CryptoKey>();
        for (const jwk of jwks) next.set(jwk.kid, (await importJWK(jwk, 'EdDSA')) as CryptoKey);
        keys = next;
        fetchedAt = now();
        refreshDueAt = fetchedAt + maxKeyAgeMs;
      } finally {
        inflight = null;
      }
    })();
    return inflight;
  }

  async function refreshIfDue(): Promise<void> {
    if (now() < refreshDueAt) return;
    try {
      await fetchKeys();
    } catch (error) {
      // Auth unreachable: keep verifying with the keys already known (an outage of auth must
      // not fail every request of every service) and try again in 5 seconds.
      if (keys.size === 0) throw error;
      refreshDueAt = now() + 5_000;
    }
  }

  async function keyFor(kid: string): Promise<CryptoKey> {
    await refreshIfDue();
    let key = keys.get(kid);
    if (!key) {
      // A just-rotated key must verify even right after another refetch: wait for the next
      // allowed fetch rather than refusing. Forged kids share that one fetch per interval: after
      // the wait, the key set is fetched again unless another request already did (or is doing
      // it). Not decided by reading the clock again: a timer may fire a millisecond or more
      // before `now()` says the interval is over (timers run on the event loop's cached clock),
      // and the new key was then refused.
      const seen = fetchedAt;
      const wait = seen + minRefetchIntervalMs - now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      key = keys.get(kid);
      // If auth cannot be asked, this answers SERVICE_UNAVAILABLE (retryable), not INVALID_TOKEN:
      // the kid may be a real new key, and a client told its token is invalid would drop it.
      if (!key) {
        if (inflight) await inflight;
        else if (fetchedAt === seen) await fetchKeys();
        key = keys.get(kid);
      }
    }
    if (!key) throw invalid('The token was signed by an unknown key');
    return key;
  }

  async function verify(token: string): Promise<Identity> {
    const hit = verified.get(token);
    if (hit) {
      if (hit.expiresAtMs > now() && keys.has(hit.kid) && now() < refreshDueAt && !isRevoked(hit.identity.userId, hit.issuedAt)) {
        return hit.identity;
      }
      verified.delete(token);
    }
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(token);
    } catch (error) {
      throw invalid('The token is not a JWT', error);
    }
    if (header.alg !== accessTokenClaims.algorithm) throw invalid('The token is not signed with EdDSA');
    if (header.typ !== accessTokenClaims.type) throw invalid('The token is not an access token');
    if (typeof header.kid !== 'string' || header.kid === '') throw invalid('The token names no key');
    const key = await keyFor(header.kid);
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, key, {
        algorithms: [accessTokenClaims.algorithm],
        issuer: accessTokenClaims.issuer,
        audience: accessTokenClaims.audience,
        typ: accessTokenClaims.type,
        requiredClaims: ['exp', 'iat', 'sub'],
        currentDate: new Date(now()),
      }));
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw new AuthError('TOKEN_EXPIRED', 'The token has expired', { cause: error });
      throw invalid('The token is invalid', error);
    }
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success) throw invalid('The token lacks the claims of an access token');
    if (isRevoked(claims.data.sub, issuedAtMs(payload))) throw invalid('The token was revoked');
    const identity: Identity = { userId: claims.data.sub, tenantId: claims.data.tid, role: claims.data.role, username: claims.data.preferred_username };
    if (cacheSize > 0) {
      // Oldest-first eviction: Map iteration order is insertion order.
      if (verified.size >= cacheSize) verified.delete(verified.keys().next().value!);
      verified.set(token, { identity, expiresAtMs: (payload.exp as number) * 1000, kid: header.kid, issuedAt: issuedAtMs(payload) });
    }
    return identity;
  }

  return {
    verify,
    revoke,
    async verifyAuthorization(header) {
      if (header === undefined || header.trim() === '') return null;
      const match = /^Bearer[ ]+([A-Za-z0-9._~+/=-]+)\s*$/i.exec(header);
      if (!match?.[1]) throw invalid('The Authorization header must be "Bearer <token>"');
      return verify(match[1]);
    },
  };
}
