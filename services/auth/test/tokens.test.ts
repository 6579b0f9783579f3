import { createHmac, randomUUID } from 'node:crypto';
import { accessTokenClaims, createTokenVerifier, natsKeySource, subscribeToRevocations } from '@conveyor/identity';
import { createTestTenant, type TestTenant } from '@conveyor/testing';
import { drizzle } from 'drizzle-orm/node-postgres';
import { importPKCS8, SignJWT, type CryptoKey } from 'jose';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tables from '../src/db/schema';
import { createKeyEncryption } from '../src/domain/key-encryption';
import { createSigningKeys } from '../src/domain/signing-keys';
import { call, graphql, startAuthStack, type AuthStack } from './auth-stack';

/**
 * Access tokens as every subgraph sees them, through the real gateway: forged, tampered,
 * expired and misaddressed tokens are refused with the documented codes; keys rotate and
 * survive restarts; private keys are encrypted at rest.
 */
let stack: AuthStack;
let tenant: TestTenant;
let pool: pg.Pool;
let signer: { kid: string; key: CryptoKey };

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const me = (authorization: string) => call(stack.gateway.url, 'GET', '/api/v1/users/me', { headers: { authorization } });

function claims(overrides: Record<string, unknown> = {}) {
  const now = Math.floor(Date.now() / 1000);
  return {
    sub: tenant.admin.userId,
    tid: tenant.tenantId,
    role: 'admin',
    preferred_username: tenant.admin.username,
    iss: accessTokenClaims.issuer,
    aud: accessTokenClaims.audience,
    iat: now,
    exp: now + 600,
    ...overrides,
  };
}

function forge(payload: Record<string, unknown>, header: Record<string, unknown> = {}, key = signer.key) {
  return new SignJWT(payload).setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: signer.kid, ...header } as never).sign(key);
}

async function expectRefused(token: string, code: 'INVALID_TOKEN' | 'TOKEN_EXPIRED') {
  const rest = await me(`Bearer ${token}`);
  expect(rest.status).toBe(401);
  expect(rest.body.error.code).toBe(code);
  const gql = await graphql(stack.gateway.url, '{ me { id } }', {}, `Bearer ${token}`);
  expect(gql.errors?.[0]?.extensions.code).toBe(code);
}

beforeAll(async () => {
  stack = await startAuthStack('auth_tokens');
  tenant = await createTestTenant(stack.gateway.url, 'tokens');
  pool = new pg.Pool({ connectionString: stack.database.url, options: '-c search_path=auth' });
  const [row] = (await pool.query('select kid, private_key_ciphertext from auth.signing_keys where retired_at is null')).rows;
  const pem = createKeyEncryption(stack.encryptionKey).decrypt(row.private_key_ciphertext, row.kid);
  signer = { kid: row.kid, key: (await importPKCS8(pem, 'EdDSA')) as CryptoKey };
}, 120_000);

afterAll(async () => {
  await pool?.end();
  await stack?.stop();
});

describe('access tokens through the gateway', () => {
  it('accepts a token signed with the real key and the right claims', async () => {
    const response = await me(`Bearer ${await forge(claims())}`);
    expect(response.status).toBe(200);
    expect(response.body.id).toBe(tenant.admin.userId);
  });

  it('refuses alg none and None', async () => {
    for (const alg of ['none', 'None']) {
      await expectRefused(`${b64({ alg, typ: 'at+jwt', kid: signer.kid })}.${b64(claims())}.`, 'INVALID_TOKEN');
    }
  });

  it('refuses HS256 signed with the public key', async () => {
    const jwks = await call(stack.auth.url, 'GET', '/.well-known/jwks.json');
    const jwk = jwks.body.keys.find((k: { kid: string }) => k.kid === signer.kid);
    const head = `${b64({ alg: 'HS256', typ: 'at+jwt', kid: signer.kid })}.${b64(claims())}`;
    for (const secret of [JSON.stringify(jwk), Buffer.from(jwk.x, 'base64url')]) {
      await expectRefused(`${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`, 'INVALID_TOKEN');
    }
  });

  it('refuses an unknown kid', async () => {
    await expectRefused(await forge(claims(), { kid: 'no-such-key' }), 'INVALID_TOKEN');
  });

  it('refuses a tampered payload', async () => {
    const [head, , signature] = (await forge(claims({ role: 'analyst' }))).split('.');
    await expectRefused(`${head}.${b64(claims({ role: 'admin' }))}.${signature}`, 'INVALID_TOKEN');
  });

  it('answers TOKEN_EXPIRED for an expired token', async () => {
    const past = Math.floor(Date.now() / 1000) - 3_600;
    await expectRefused(await forge(claims({ iat: past - 60, exp: past })), 'TOKEN_EXPIRED');
  });

  it('refuses a wrong audience, issuer or type', async () => {
    await expectRefused(await forge(claims({ aud: 'urn:someone:else' })), 'INVALID_TOKEN');
    await expectRefused(await forge(claims({ iss: 'https://evil.example' })), 'INVALID_TOKEN');
    await expectRefused(await forge(claims(), { typ: 'JWT' }), 'INVALID_TOKEN');
  });

  it('refuses a refresh token used as an access token', async () => {
    await expectRefused(tenant.admin.refreshToken, 'INVALID_TOKEN');
  });

  it('refuses a request straight to a subgraph with forged identity headers and no valid token', async () => {
    const forged = { 'x-user-id': tenant.admin.userId, 'x-tenant-id': tenant.tenantId, 'x-user-role': 'admin', 'x-conveyor-user': tenant.admin.userId };
    const direct = await call(stack.auth.url, 'POST', '/graphql', { body: { query: '{ me { id } users { total } }' }, headers: forged });
    expect(direct.body.data).toBeNull();
    expect(direct.body.errors[0].extensions.code).toBe('AUTH_FAILED');
    const viaGateway = await call(stack.gateway.url, 'GET', '/api/v1/users/me', { headers: forged });
    expect(viaGateway.status).toBe(401);
    expect(viaGateway.body.error.code).toBe('AUTH_FAILED');
  });
});

describe('signing keys', () => {
  it('are stored encrypted and open only with the configured key', async () => {
    const { rows } = await pool.query('select kid, private_key_ciphertext from auth.signing_keys');
    for (const row of rows) {
      expect(row.private_key_ciphertext).not.toContain('PRIVATE KEY');
      expect(() => createKeyEncryption(Buffer.alloc(32, 7).toString('base64')).decrypt(row.private_key_ciphertext, row.kid)).toThrow();
      expect(() => createKeyEncryption(stack.encryptionKey).decrypt(row.private_key_ciphertext, 'another-kid')).toThrow();
    }
  });

  it('rotate: the new key signs, the old one keeps verifying, verifiers learn the new kid', async () => {
    const before = await forge(claims());
    const keys = createSigningKeys({
      db: drizzle(pool, { schema: tables }),
      encryption: createKeyEncryption(stack.encryptionKey),
      rotationSeconds: 3_600,
      graceSeconds: 3_900,
    });
    const newKid = await keys.rotate();
    expect(newKid).not.toBe(signer.kid);
    const jwks = await call(stack.auth.url, 'GET', '/.well-known/jwks.json');
    expect(jwks.body.keys.map((k: { kid: string }) => k.kid).sort()).toEqual([newKid, signer.kid].sort());
    const { rows } = await pool.query('select private_key_ciphertext from auth.signing_keys where kid = $1', [newKid]);
    const newKey = (await importPKCS8(createKeyEncryption(stack.encryptionKey).decrypt(rows[0].private_key_ciphertext, newKid), 'EdDSA')) as CryptoKey;
    const rotated = await me(`Bearer ${await forge(claims(), { kid: newKid }, newKey)}`);
    expect(rotated.body).toMatchObject({ id: tenant.admin.userId });
    expect((await me(`Bearer ${before}`)).status).toBe(200);
  });

  it('survive a restart: tokens issued before it still verify', async () => {
    const session = await tenant.addUser('engineer');
    await stack.restartAuth();
    const response = await me(session.authorization);
    expect(response.status).toBe(200);
    expect(response.body.id).toBe(session.userId);
    const fresh = await call(stack.gateway.url, 'POST', '/api/v1/auth/login', { body: { username: session.username, password: session.password } });
    expect(fresh.status).toBe(200);
  });

  it('a token for a user id that does not exist in the tenant gets AUTH_FAILED from me', async () => {
    const response = await me(`Bearer ${await forge(claims({ sub: randomUUID() }))}`);
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('AUTH_FAILED');
  });
});

describe('revocation reaches every verifier', () => {
  it("a disabled user's access tokens die in subgraphs that heard the event and in ones that did not", async () => {
    const listening = createTokenVerifier({ keys: natsKeySource(stack.nc, stack.prefix) });
    const subscription = subscribeToRevocations(stack.nc, stack.prefix, listening);
    try {
      const user = await tenant.addUser('engineer');
      expect((await listening.verify(user.accessToken)).userId).toBe(user.userId);
      const disabled = await graphql(stack.gateway.url, 'mutation($id: ID!) { setUserDisabled(userId: $id, disabled: true) { disabled } }', { id: user.userId }, tenant.admin.authorization);
      expect(disabled.data?.setUserDisabled.disabled).toBe(true);
      // A verifier that missed the event learns the revocation with the key set.
      const late = createTokenVerifier({ keys: natsKeySource(stack.nc, stack.prefix) });
      await expect(late.verify(user.accessToken)).rejects.toMatchObject({ code: 'INVALID_TOKEN' });
      // The listening one hears the user.updated event (outbox -> JetStream); wait for it.
      let code = 'accepted';
      for (let attempt = 0; attempt < 200 && code === 'accepted'; attempt += 1) {
        code = await listening.verify(user.accessToken).then(() => 'accepted', (error: { code: string }) => error.code);
        if (code === 'accepted') await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(code).toBe('INVALID_TOKEN');
      // Through the gateway, the token no longer works either.
      expect((await me(user.authorization)).status).toBe(401);
    } finally {
      subscription.unsubscribe();
    }
  });

  it('a role change retires the old token; a token issued after the change works', async () => {
    const user = await tenant.addUser('analyst');
    await graphql(stack.gateway.url, 'mutation($id: ID!) { setUserRole(userId: $id, role: engineer) { role } }', { id: user.userId }, tenant.admin.authorization);
    const late = createTokenVerifier({ keys: natsKeySource(stack.nc, stack.prefix) });
    await expect(late.verify(user.accessToken)).rejects.toMatchObject({ code: 'INVALID_TOKEN' });
    const login = await call(stack.gateway.url, 'POST', '/api/v1/auth/login', { body: { username: user.username, password: user.password } });
    expect((await late.verify(login.body.access_token)).role).toBe('engineer');
  });
});
