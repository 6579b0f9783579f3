import { randomBytes } from 'node:crypto';
import type { Role } from '@conveyor/contracts';

/** A user created through the real auth API, with a fresh session. */
export interface TestUser {
  userId: string;
  tenantId: string;
  tenantSlug: string;
  username: string;
  password: string;
  role: Role;
  accessToken: string;
  refreshToken: string;
  /** `Bearer <accessToken>`, ready for an `Authorization` header. */
  authorization: string;
}

/** A new tenant with its first admin; `addUser` adds more users of any role to it. */
export interface TestTenant {
  tenantId: string;
  slug: string;
  admin: TestUser;
  addUser(role: Role): Promise<TestUser>;
}

async function graphql<T>(baseUrl: string, query: string, variables: Record<string, unknown>, authorization?: string): Promise<T> {
  const response = await fetch(new URL('/graphql', baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: Array<{ message: string; extensions?: { code?: string } }> };
  if (body.errors?.length || !body.data) {
    throw new Error(`auth answered ${response.status}: ${JSON.stringify(body.errors ?? body)}`);
  }
  return body.data;
}

const suffix = () => randomBytes(5).toString('hex');

async function login(baseUrl: string, username: string, password: string) {
  const data = await graphql<{ login: { accessToken: string; refreshToken: string; user: { id: string; tenantId: string; role: Role } } }>(
    baseUrl,
    'mutation Login($input: LoginInput!) { login(input: $input) { accessToken refreshToken user { id tenantId role } } }',
    { input: { username, password } },
  );
  return data.login;
}

/**
 * Creates a tenant through the real API: `createTenant` (open while the auth service runs with
 * `TENANT_SIGNUP` on, its default) makes the tenant and its first admin, who then logs in.
 * `baseUrl` is the auth service's or the gateway's base URL (both serve `/graphql`).
 */
export async function createTestTenant(baseUrl: string, label = 'test'): Promise<TestTenant> {
  const slug = `${label.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 40)}-${suffix()}`;
  const username = `admin-${suffix()}`;
  const password = `pw-${randomBytes(12).toString('base64url')}`;
  const data = await graphql<{ createTenant: { tenant: { id: string; slug: string } } }>(
    baseUrl,
    'mutation CreateTenant($input: CreateTenantInput!) { createTenant(input: $input) { tenant { id slug } } }',
    { input: { slug, name: `Test tenant ${slug}`, admin: { username, password } } },
  );
  const session = await login(baseUrl, username, password);
  const admin: TestUser = {
    userId: session.user.id,
    tenantId: data.createTenant.tenant.id,
    tenantSlug: slug,
    username,
    password,
    role: 'admin',
    accessToken: session.accessToken,
    refreshToken: session.refreshToken,
    authorization: `Bearer ${session.accessToken}`,
  };
  return {
    tenantId: admin.tenantId,
    slug,
    admin,
    /** The admin creates the user with `createUser` (any role), who then logs in. */
    async addUser(role: Role): Promise<TestUser> {
      const name = `${role}-${suffix()}`;
      const secret = `pw-${randomBytes(12).toString('base64url')}`;
      await graphql(
        baseUrl,
        'mutation CreateUser($input: CreateUserInput!) { createUser(input: $input) { id } }',
        { input: { username: name, password: secret, role } },
        admin.authorization,
      );
      const s = await login(baseUrl, name, secret);
      return {
        userId: s.user.id,
        tenantId: admin.tenantId,
        tenantSlug: slug,
        username: name,
        password: secret,
        role,
        accessToken: s.accessToken,
        refreshToken: s.refreshToken,
        authorization: `Bearer ${s.accessToken}`,
      };
    },
  };
}

/** A user of `role` in a brand-new tenant (the tenant's admin when `role` is `admin`). */
export async function createTestUser(baseUrl: string, role: Role = 'engineer', label = 'test'): Promise<TestUser> {
  const tenant = await createTestTenant(baseUrl, label);
  return role === 'admin' ? tenant.admin : tenant.addUser(role);
}
