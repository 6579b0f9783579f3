import { randomUUID } from 'node:crypto';
import { accessTokenClaims, createTokenVerifier } from '@conveyor/identity';
import { createHttpServer, createLogger, registerErrorEnvelope } from '@conveyor/service-runtime';
import { connectTestNats, createTestStreams, deleteTestStreams, startServiceProcess, uniqueName } from '@conveyor/testing';
import type { FastifyInstance } from 'fastify';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import type { NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerPerUserRateLimit } from '../src/rate-limit/per-user-rate-limit';
import { createSharedWindowCounter, type SharedWindowCounter } from '../src/rate-limit/shared-window-counter';

/**
 * The per-user limit held across two gateway replicas (two fastify instances sharing one real
 * NATS subject), with tokens verified like the subgraphs do.
 */
let nc: NatsConnection;
const replicas: Array<{ app: FastifyInstance; counter: SharedWindowCounter }> = [];
const limit = 10;
const tokens: Record<string, string> = {};
const users = { a: randomUUID(), b: randomUUID() };

async function tokenFor(userId: string, privateKey: CryptoKey) {
  return new SignJWT({ tid: randomUUID(), role: 'analyst', preferred_username: 'u' })
    .setProtectedHeader({ alg: 'EdDSA', typ: accessTokenClaims.type, kid: 'k' })
    .setIssuer(accessTokenClaims.issuer)
    .setAudience(accessTokenClaims.audience)
    .setSubject(userId)
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(privateKey);
}

const ping = (replica: number, headers: Record<string, string> = {}) => replicas[replica]!.app.inject({ method: 'GET', url: '/api/test/ping', headers });

async function until(condition: () => boolean) {
  for (let i = 0; i < 400 && !condition(); i += 1) await new Promise((resolve) => setTimeout(resolve, 25));
}

beforeAll(async () => {
  nc = await connectTestNats();
  const subject = `${uniqueName('ratelimit')}.gateway.ratelimit`;
  const pair = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const jwk = await exportJWK(pair.publicKey);
  const keys = [{ kty: 'OKP' as const, crv: 'Ed25519' as const, x: jwk.x!, kid: 'k', alg: 'EdDSA' as const, use: 'sig' as const }];
  tokens.a = await tokenFor(users.a, pair.privateKey as CryptoKey);
  tokens.b = await tokenFor(users.b, pair.privateKey as CryptoKey);
  for (let i = 0; i < 2; i += 1) {
    const app = createHttpServer({ logger: createLogger('gateway', 'silent'), bodyLimit: 1024, maxJsonDepth: 100 });
    registerErrorEnvelope(app, { bodyLimit: 1024 });
    const counter = createSharedWindowCounter({ transport: nc, subject, windowMs: 60_000, publishEveryMs: 20 });
    registerPerUserRateLimit(app, { counter, limit, verifier: createTokenVerifier({ keys: async () => keys }) });
    app.get('/api/test/ping', async () => ({ ok: true }));
    await app.ready();
    replicas.push({ app, counter });
  }
});

afterAll(async () => {
  for (const { app, counter } of replicas) {
    counter.close();
    await app.close();
  }
  await nc?.drain();
});

describe('per-user rate limit across replicas', () => {
  it('counts a user across both replicas and answers 429 with Retry-After past the limit', async () => {
    // Stay inside one fixed window: start afresh if the minute is about to turn.
    if (Math.floor(Date.now() / 60_000) !== Math.floor((Date.now() + 5_000) / 60_000)) await new Promise((r) => setTimeout(r, 5_000));
    for (let i = 0; i < limit / 2; i += 1) {
      expect((await ping(0, { authorization: `Bearer ${tokens.a}` })).statusCode).toBe(200);
      expect((await ping(1, { authorization: `Bearer ${tokens.a}` })).statusCode).toBe(200);
    }
    await until(() => replicas.every((r) => r.counter.total(`user:${users.a}`) === limit));
    for (const replica of [0, 1]) {
      const refused = await ping(replica, { authorization: `Bearer ${tokens.a}` });
      expect(refused.statusCode).toBe(429);
      expect(refused.json().error.code).toBe('RATE_LIMIT_EXCEEDED');
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(refused.headers['x-ratelimit-remaining']).toBe('0');
    }
    const other = await ping(0, { authorization: `Bearer ${tokens.b}` });
    expect(other.statusCode).toBe(200);
    expect(other.headers['x-ratelimit-limit']).toBe(String(limit));
  });

  it('a forged token cannot spend a real user’s budget: it counts against the address', async () => {
    const [head, body] = tokens.b!.split('.');
    const forged = `${head}.${body}.${'A'.repeat(86)}`;
    const before = replicas[0]!.counter.total(`user:${users.b}`);
    await ping(0, { authorization: `Bearer ${forged}` });
    expect(replicas[0]!.counter.total(`user:${users.b}`)).toBe(before);
    expect(replicas[0]!.counter.total('ip:127.0.0.1')).toBeGreaterThan(0);
  });

  it('leaves probes alone', async () => {
    const before = replicas[0]!.counter.total('ip:127.0.0.1');
    for (const url of ['/metrics', '/livez', '/health/detailed']) {
      const response = await replicas[0]!.app.inject({ method: 'GET', url });
      expect(response.headers['x-ratelimit-limit']).toBeUndefined();
    }
    expect(replicas[0]!.counter.total('ip:127.0.0.1')).toBe(before);
  });
});

describe('the gateway process with RATE_LIMIT_PER_MINUTE', () => {
  it('answers 429 past the limit for a client without a token', async () => {
    const prefix = uniqueName('ratelimit_gw');
    await createTestStreams(nc, prefix);
    const nowhere = 'http://127.0.0.1:1/graphql';
    const gateway = await startServiceProcess('gateway', {
      NATS_PREFIX: prefix,
      RATE_LIMIT_PER_MINUTE: '4',
      AUTH_URL: nowhere,
      SCHEMAS_URL: nowhere,
      EXECUTIONS_URL: nowhere,
      SCHEDULER_URL: nowhere,
      CATALOG_URL: nowhere,
    });
    try {
      if (Math.floor(Date.now() / 60_000) !== Math.floor((Date.now() + 5_000) / 60_000)) await new Promise((r) => setTimeout(r, 5_000));
      const statuses: number[] = [];
      for (let i = 0; i < 5; i += 1) {
        const response = await fetch(`${gateway.url}/api/v1/users/me`);
        statuses.push(response.status);
        if (response.status === 429) {
          expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
          expect(((await response.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMIT_EXCEEDED');
        } else await response.arrayBuffer();
      }
      expect(statuses.slice(0, 4).every((status) => status !== 429)).toBe(true);
      expect(statuses[4]).toBe(429);
      expect((await fetch(`${gateway.url}/livez`)).status).toBe(200);
    } finally {
      await gateway.stop();
      await deleteTestStreams(nc, prefix);
    }
  });
});
