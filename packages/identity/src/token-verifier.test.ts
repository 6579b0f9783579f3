import { createHmac, randomUUID } from 'node:crypto';
import type { PublicJwk } from '@conveyor/contracts';
import { AppError } from '@conveyor/errors';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { accessTokenClaims } from './identity';
import { createTokenVerifier } from './token-verifier';

const base64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

let privateKey: CryptoKey;
let publicJwk: PublicJwk;
let fetches = 0;
const claims = { tid: randomUUID(), role: 'engineer', preferred_username: 'ada' };
const userId = randomUUID();

function sign(options: { kid?: string; typ?: string; iss?: string; aud?: string; exp?: number; key?: CryptoKey; extra?: Record<string, unknown> } = {}) {
  const jwt = new SignJWT({ ...claims, ...options.extra })
    .setProtectedHeader({ alg: 'EdDSA', kid: options.kid ?? publicJwk.kid, typ: options.typ ?? accessTokenClaims.type })
    .setSubject(userId)
    .setIssuer(options.iss ?? accessTokenClaims.issuer)
    .setAudience(options.aud ?? accessTokenClaims.audience)
    .setIssuedAt();
  jwt.setExpirationTime(options.exp ?? Math.floor(Date.now() / 1000) + 600);
  return jwt.sign(options.key ?? privateKey);
}

const verifier = () =>
  createTokenVerifier({
    keys: async () => {
      fetches += 1;
      return [publicJwk];
    },
  });

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'accepted';
  } catch (error) {
    return error instanceof AppError ? error.code : `unexpected ${String(error)}`;
  }
}

beforeAll(async () => {
  const pair = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  privateKey = pair.privateKey;
  const jwk = await exportJWK(pair.publicKey);
  publicJwk = { kty: 'OKP', crv: 'Ed25519', x: jwk.x!, kid: 'k1', alg: 'EdDSA', use: 'sig' };
});

describe('createTokenVerifier', () => {
  it('accepts a good token and returns the identity', async () => {
    const identity = await verifier().verifyAuthorization(`Bearer ${await sign()}`);
    expect(identity).toEqual({ userId, tenantId: claims.tid, role: 'engineer', username: 'ada' });
  });

  it('treats a missing header as no identity and a malformed one as invalid', async () => {
    const v = verifier();
    expect(await v.verifyAuthorization(undefined)).toBeNull();
    expect(await codeOf(v.verifyAuthorization('Basic dXNlcjpwYXNz'))).toBe('INVALID_TOKEN');
    expect(await codeOf(v.verifyAuthorization('Bearer'))).toBe('INVALID_TOKEN');
    expect(await codeOf(v.verifyAuthorization('Bearer not-a-jwt'))).toBe('INVALID_TOKEN');
  });

  it('refuses alg none and None', async () => {
    for (const alg of ['none', 'None', 'NONE']) {
      const header = base64url(JSON.stringify({ alg, typ: 'at+jwt', kid: 'k1' }));
      const body = base64url(JSON.stringify({ sub: userId, ...claims, iss: accessTokenClaims.issuer, aud: accessTokenClaims.audience, exp: 9_999_999_999, iat: 1 }));
      expect(await codeOf(verifier().verify(`${header}.${body}.`))).toBe('INVALID_TOKEN');
    }
  });

  it('refuses HS256 signed with the public key', async () => {
    const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'at+jwt', kid: 'k1' }));
    const body = base64url(JSON.stringify({ sub: userId, ...claims, iss: accessTokenClaims.issuer, aud: accessTokenClaims.audience, exp: 9_999_999_999, iat: 1 }));
    const signature = createHmac('sha256', JSON.stringify(publicJwk)).update(`${header}.${body}`).digest('base64url');
    expect(await codeOf(verifier().verify(`${header}.${body}.${signature}`))).toBe('INVALID_TOKEN');
    const raw = createHmac('sha256', Buffer.from(publicJwk.x, 'base64url')).update(`${header}.${body}`).digest('base64url');
    expect(await codeOf(verifier().verify(`${header}.${body}.${raw}`))).toBe('INVALID_TOKEN');
  });

  it('refuses an unknown kid after one refetch, and limits refetches', async () => {
    const v = createTokenVerifier({ keys: async () => ((fetches += 1), [publicJwk]), minRefetchIntervalMs: 50 });
    await v.verify(await sign());
    const before = fetches;
    const forged = await Promise.all(Array.from({ length: 20 }, (_, i) => sign({ kid: `forged-${i}` })));
    const codes = await Promise.all(forged.map((token) => codeOf(v.verify(token))));
    expect(codes.every((code) => code === 'INVALID_TOKEN')).toBe(true);
    expect(fetches - before).toBe(1);
  });

  it('learns a just-rotated key after waiting out the refetch interval, even when the timer fires before the clock says so', async () => {
    const rotated = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const rotatedJwk: PublicJwk = { kty: 'OKP', crv: 'Ed25519', x: (await exportJWK(rotated.publicKey)).x!, kid: 'k2', alg: 'EdDSA', use: 'sig' };
    let published = [publicJwk];
    let lag = 0;
    const v = createTokenVerifier({ keys: async () => published, now: () => Date.now() - lag, minRefetchIntervalMs: 50 });
    await v.verify(await sign());
    published = [publicJwk, rotatedJwk];
    // The clock falls behind the timer while the verifier waits, as the event loop's cached
    // clock can: when the timer fires, `now()` says the interval is not over yet.
    setTimeout(() => (lag = 10), 5);
    expect((await v.verify(await sign({ kid: 'k2', key: rotated.privateKey }))).userId).toBe(userId);
  });

  it('refuses a key it was not given, even under a known kid', async () => {
    const other = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    expect(await codeOf(verifier().verify(await sign({ key: other.privateKey })))).toBe('INVALID_TOKEN');
  });

  it('refuses a tampered payload', async () => {
    const [header, , signature] = (await sign()).split('.');
    const body = base64url(JSON.stringify({ sub: userId, ...claims, role: 'admin', iss: accessTokenClaims.issuer, aud: accessTokenClaims.audience, exp: 9_999_999_999, iat: 1 }));
    expect(await codeOf(verifier().verify(`${header}.${body}.${signature}`))).toBe('INVALID_TOKEN');
  });

  it('answers TOKEN_EXPIRED for an expired token', async () => {
    expect(await codeOf(verifier().verify(await sign({ exp: Math.floor(Date.now() / 1000) - 120 })))).toBe('TOKEN_EXPIRED');
  });

  it('refuses a wrong issuer, audience or type, and missing claims', async () => {
    expect(await codeOf(verifier().verify(await sign({ iss: 'someone-else' })))).toBe('INVALID_TOKEN');
    expect(await codeOf(verifier().verify(await sign({ aud: 'another-api' })))).toBe('INVALID_TOKEN');
    expect(await codeOf(verifier().verify(await sign({ typ: 'JWT' })))).toBe('INVALID_TOKEN');
    expect(await codeOf(verifier().verify(await sign({ extra: { role: 'root' } })))).toBe('INVALID_TOKEN');
  });

  it('remembers a verified token only until it expires, and only while its key is published', async () => {
    let clock = Date.now();
    let published = [publicJwk];
    const v = createTokenVerifier({ keys: async () => published, now: () => clock, minRefetchIntervalMs: 0, maxKeyAgeMs: 1_000 });
    const token = await sign({ exp: Math.floor(clock / 1000) + 60 });
    expect((await v.verify(token)).userId).toBe(userId);
    expect((await v.verify(token)).userId).toBe(userId);
    published = [];
    clock += 2_000;
    expect(await codeOf(v.verify(token))).toBe('INVALID_TOKEN');
    published = [publicJwk];
    clock += 120_000;
    expect(await codeOf(v.verify(token))).toBe('TOKEN_EXPIRED');
  });

  it('refuses tokens issued before a revocation, pushed or fetched with the keys, cached or not', async () => {
    const early = await sign({ extra: { iat_ms: 1_000 } });
    const late = await sign({ extra: { iat_ms: 3_000 } });
    const pushed = verifier();
    expect((await pushed.verify(early)).userId).toBe(userId);
    pushed.revoke({ userId, notBefore: 2_000 });
    expect(await codeOf(pushed.verify(early))).toBe('INVALID_TOKEN');
    expect((await pushed.verify(late)).userId).toBe(userId);
    const fetched = createTokenVerifier({ keys: async () => ({ keys: [publicJwk], revocations: [{ userId, notBefore: 2_000 }] }) });
    expect(await codeOf(fetched.verify(early))).toBe('INVALID_TOKEN');
    expect((await fetched.verify(late)).userId).toBe(userId);
  });

  it('keeps verifying with the keys it has while auth cannot be reached', async () => {
    let clock = Date.now();
    let up = true;
    let calls = 0;
    const v = createTokenVerifier({
      keys: async () => {
        calls += 1;
        if (!up) throw new AppError('SERVICE_UNAVAILABLE', 'down');
        return [publicJwk];
      },
      now: () => clock,
      maxKeyAgeMs: 1_000,
      cacheSize: 0,
    });
    const token = await sign({ exp: Math.floor(clock / 1000) + 600 });
    await v.verify(token);
    up = false;
    clock += 2_000;
    expect((await v.verify(token)).userId).toBe(userId);
    const afterFailure = calls;
    expect((await v.verify(token)).userId).toBe(userId);
    expect(calls).toBe(afterFailure);
  });

  it('answers SERVICE_UNAVAILABLE when the keys cannot be fetched', async () => {
    const v = createTokenVerifier({ keys: async () => Promise.reject(new AppError('SERVICE_UNAVAILABLE', 'down')) });
    expect(await codeOf(v.verify(await sign()))).toBe('SERVICE_UNAVAILABLE');
  });
});
