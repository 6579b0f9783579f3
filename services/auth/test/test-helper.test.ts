import { connectTestNats, createTestDatabase, createTestStreams, createTestTenant, createTestUser, deleteTestStreams, migrateServices, startServiceProcess, uniqueName, type RunningProcess, type TestDatabase } from '@conveyor/testing';
import type { NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The testing helper other services use: a user of any role in a new tenant, through the real
 * auth process; and the identity every subgraph gets from the token (here, auth's own `me`).
 */
let database: TestDatabase;
let nc: NatsConnection;
let auth: RunningProcess & { url: string };
const prefix = uniqueName('auth_helper');

async function graphql(query: string, authorization?: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(`${auth.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}), 'x-user-id': 'forged', 'x-tenant-id': 'forged', 'x-user-role': 'admin' },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: Record<string, any>; errors?: Array<{ extensions: { code: string } }> };
}

beforeAll(async () => {
  database = await createTestDatabase('auth_helper');
  await migrateServices(database.url, ['auth']);
  nc = await connectTestNats();
  await createTestStreams(nc, prefix);
  auth = await startServiceProcess('auth', { DATABASE_URL: database.url, NATS_PREFIX: prefix, NODE_ENV: 'test', LOGIN_MAX_FAILURES_PER_ACCOUNT: '3' });
});

afterAll(async () => {
  await auth?.stop();
  await deleteTestStreams(nc, prefix);
  await nc.drain();
  await database.drop();
});

describe('createTestUser / createTestTenant', () => {
  it('gives a token of every role in a new tenant, verified by the subgraph', async () => {
    for (const role of ['analyst', 'engineer', 'architect', 'admin'] as const) {
      const user = await createTestUser(auth.url, role);
      expect(user.role).toBe(role);
      const me = await graphql('{ me { id tenantId role username } }', user.authorization);
      expect(me.data?.me).toEqual({ id: user.userId, tenantId: user.tenantId, role, username: user.username });
    }
  });

  it('puts users added to one tenant in that tenant only', async () => {
    const tenant = await createTestTenant(auth.url);
    const other = await createTestTenant(auth.url);
    const engineer = await tenant.addUser('engineer');
    expect(engineer.tenantId).toBe(tenant.tenantId);
    const list = await graphql('{ users { total items { id tenantId } } }', tenant.admin.authorization);
    expect(list.data?.users.total).toBe(2);
    expect(list.data?.users.items.every((u: { tenantId: string }) => u.tenantId === tenant.tenantId)).toBe(true);
    const otherList = await graphql('{ users { total } }', other.admin.authorization);
    expect(otherList.data?.users.total).toBe(1);
  });

  it('refuses identity headers without a token, and a bad token, at the subgraph itself', async () => {
    const anonymous = await graphql('{ me { id } }');
    expect(anonymous.errors?.[0]?.extensions.code).toBe('AUTH_FAILED');
    const bad = await graphql('{ me { id } }', 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.');
    expect(bad.errors?.[0]?.extensions.code).toBe('INVALID_TOKEN');
  });
});

describe('per-account login backstop (all addresses, all replicas)', () => {
  it('answers RATE_LIMIT_EXCEEDED with retry_after_seconds after the budget, for GraphQL logins too', async () => {
    const user = await createTestUser(auth.url, 'analyst');
    const login = (password: string) => graphql('mutation($i: LoginInput!) { login(input: $i) { accessToken } }', undefined, { i: { username: user.username, password } });
    for (let i = 0; i < 3; i += 1) expect((await login('wrong password')).errors?.[0]?.extensions.code).toBe('AUTH_FAILED');
    const limited = (await login(user.password)) as { errors?: Array<{ extensions: { code: string; details: { retry_after_seconds: number } } }> };
    expect(limited.errors?.[0]?.extensions.code).toBe('RATE_LIMIT_EXCEEDED');
    expect(limited.errors?.[0]?.extensions.details.retry_after_seconds).toBeGreaterThan(0);
    const unknown = (await graphql('mutation($i: LoginInput!) { login(input: $i) { accessToken } }', undefined, { i: { username: 'nobody-here', password: 'x' } })) as { errors?: Array<{ extensions: { code: string } }> };
    expect(unknown.errors?.[0]?.extensions.code).toBe('AUTH_FAILED');
  });
});
