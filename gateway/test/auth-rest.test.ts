import { randomBytes } from 'node:crypto';
import { createTestTenant, type TestTenant } from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, graphql, startAuthStack, type AuthStack } from '../../services/auth/test/auth-stack';

/**
 * The authentication endpoints of `002_*.txt` and `004_*.txt` through the real gateway and the
 * real auth process, on their own PostgreSQL database and NATS prefix.
 */
let stack: AuthStack;
let tenant: TestTenant;

const unique = (label: string) => `${label}_${randomBytes(4).toString('hex')}`;
const post = (path: string, body?: unknown, headers: Record<string, string> = {}) => call(stack.gateway.url, 'POST', path, { body, headers });
const get = (path: string, headers: Record<string, string> = {}) => call(stack.gateway.url, 'GET', path, { headers });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function registerAndLogin(password = 'correct horse battery') {
  const username = unique('user');
  expect((await post('/api/v1/auth/register', { username, password })).status).toBe(201);
  const login = await post('/api/v1/auth/login', { username, password });
  expect(login.status).toBe(200);
  return { username, password, ...login.body } as { username: string; password: string; access_token: string; refresh_token: string };
}

function expectEnvelope(response: { status: number; body: any }, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.body.error).toMatchObject({ code, message: expect.any(String) });
  expect(response.body.error.request_id).toEqual(expect.any(String));
}

beforeAll(async () => {
  stack = await startAuthStack('auth_rest');
  tenant = await createTestTenant(stack.gateway.url, 'rest');
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe('POST /api/v1/auth/register', () => {
  it('answers 201 with the documented user, role analyst', async () => {
    const username = unique('john_doe');
    const response = await post('/api/v1/auth/register', { username, email: 'john@example.com', password: 'SecurePass123!', full_name: 'John Doe' });
    expect(response.status).toBe(201);
    expect(response.body).toEqual({
      id: expect.any(String),
      username,
      email: 'john@example.com',
      full_name: 'John Doe',
      role: 'analyst',
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
  });

  it('never honours a role in the body', async () => {
    const username = unique('mallory');
    const response = await post('/api/v1/auth/register', { username, password: 'SecurePass123!', role: 'admin' });
    expect(response.status).toBe(201);
    expect(response.body.role).toBe('analyst');
    const login = await post('/api/v1/auth/login', { username, password: 'SecurePass123!' });
    expect((await get('/api/v1/users/me', bearer(login.body.access_token))).body.role).toBe('analyst');
    const gql = await graphql(stack.gateway.url, 'mutation { register(input: { username: "x_role_test", password: "SecurePass123!", role: admin }) { role } }');
    expect(gql.errors?.[0]?.extensions.code).toMatch(/GRAPHQL_VALIDATION_FAILED|BAD_USER_INPUT/);
  });

  it('refuses a taken username, including its look-alikes, with 409', async () => {
    const username = unique('Ada');
    expect((await post('/api/v1/auth/register', { username, password: 'SecurePass123!' })).status).toBe(201);
    expectEnvelope(await post('/api/v1/auth/register', { username, password: 'SecurePass123!' }), 409, 'DUPLICATE_RESOURCE');
    expectEnvelope(await post('/api/v1/auth/register', { username: username.toUpperCase(), password: 'SecurePass123!' }), 409, 'DUPLICATE_RESOURCE');
    const fullWidth = [...username].map((c) => (/[A-Za-z0-9]/.test(c) ? String.fromCodePoint(c.codePointAt(0)! + 0xfee0) : c)).join('');
    expectEnvelope(await post('/api/v1/auth/register', { username: fullWidth, password: 'SecurePass123!' }), 409, 'DUPLICATE_RESOURCE');
  });

  it('answers 400 with JSON-pointer paths for bad fields', async () => {
    const response = await post('/api/v1/auth/register', { username: 'ab', password: 'short', email: 'not-an-email' });
    expectEnvelope(response, 400, 'VALIDATION_ERROR');
    const paths = response.body.error.details.issues.map((issue: { path: string }) => issue.path);
    expect(paths).toEqual(expect.arrayContaining(['/body/username', '/body/password', '/body/email']));
  });

  it('answers 400, never 500, for SQL-looking and __proto__ inputs', async () => {
    expectEnvelope(await post('/api/v1/auth/register', { username: "admin' OR '1'='1", password: 'SecurePass123!' }), 400, 'VALIDATION_ERROR');
    expectEnvelope(await post('/api/v1/auth/register', { username: 'x; DROP TABLE auth.users; --', password: 'SecurePass123!' }), 400, 'VALIDATION_ERROR');
    const proto = await call(stack.gateway.url, 'POST', '/api/v1/auth/register', {
      rawBody: '{"username":"proto_user","password":"SecurePass123!","__proto__":{"role":"admin"}}',
    });
    expect(proto.status).toBe(400);
    expect(proto.body.error.code).toEqual(expect.any(String));
    const login = await post('/api/v1/auth/login', { username: "' OR 1=1 --", password: "' OR 1=1 --" });
    expectEnvelope(login, 401, 'AUTH_FAILED');
    expectEnvelope(await post('/api/v1/auth/login', { username: ['a'], password: { $ne: null } }), 400, 'VALIDATION_ERROR');
  });

  it('answers 413 for a 1 MB body', async () => {
    const response = await post('/api/v1/auth/register', { username: 'big', password: 'x'.repeat(1_048_576) });
    expectEnvelope(response, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('accepts a 64-character password and a Unicode password, without truncation', async () => {
    const long = 'L'.repeat(63) + '!';
    const a = await registerAndLogin(long);
    expectEnvelope(await post('/api/v1/auth/login', { username: a.username, password: long.slice(0, 63) }), 401, 'AUTH_FAILED');
    expectEnvelope(await post('/api/v1/auth/login', { username: a.username, password: long + 'x' }), 401, 'AUTH_FAILED');
    const unicode = 'пароль-密码-🔑-ñandú';
    const b = await registerAndLogin(unicode);
    expect(b.access_token).toEqual(expect.any(String));
    const veryLong = 'p'.repeat(300);
    expect((await registerAndLogin(veryLong)).access_token).toEqual(expect.any(String));
  });
});

describe('POST /api/v1/auth/login', () => {
  it('answers the documented tokens', async () => {
    const session = await registerAndLogin();
    const login = await post('/api/v1/auth/login', { username: session.username, password: session.password });
    expect(login.body).toEqual({ access_token: expect.any(String), refresh_token: expect.any(String), token_type: 'bearer', expires_in: 3600 });
  });

  it('answers unknown users and wrong passwords identically', async () => {
    const session = await registerAndLogin();
    const wrong = await post('/api/v1/auth/login', { username: session.username, password: 'wrong password!' });
    const unknown = await post('/api/v1/auth/login', { username: unique('nobody'), password: 'wrong password!' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const strip = (body: any) => ({ ...body, error: { ...body.error, request_id: undefined } });
    expect(strip(wrong.body)).toEqual(strip(unknown.body));
    expect(wrong.body.error.code).toBe('AUTH_FAILED');
  });

  it('logs in case-insensitively and ignores a stale Authorization header', async () => {
    const session = await registerAndLogin();
    const login = await post('/api/v1/auth/login', { username: session.username.toUpperCase(), password: session.password }, { authorization: 'Bearer expired.or.garbage' });
    expect(login.status).toBe(200);
  });
});

describe('login throttling', () => {
  it('answers 429 RATE_LIMIT_EXCEEDED with Retry-After after 5 failures for one account from one address', async () => {
    const session = await registerAndLogin();
    for (let i = 0; i < 5; i += 1) {
      expectEnvelope(await post('/api/v1/auth/login', { username: session.username, password: `wrong ${i} password` }), 401, 'AUTH_FAILED');
    }
    const limited = await post('/api/v1/auth/login', { username: session.username, password: session.password });
    expectEnvelope(limited, 429, 'RATE_LIMIT_EXCEEDED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Other accounts from the same address are not affected by this account's budget.
    const other = await registerAndLogin();
    expect(other.access_token).toEqual(expect.any(String));
  });
});

describe('GET /api/v1/users/me', () => {
  it('answers the caller with last_login', async () => {
    const session = await registerAndLogin();
    const me = await get('/api/v1/users/me', bearer(session.access_token));
    expect(me.status).toBe(200);
    expect(me.body).toEqual({
      id: expect.any(String),
      username: session.username,
      email: null,
      full_name: null,
      role: 'analyst',
      created_at: expect.any(String),
      last_login: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
  });

  it('answers 401 without a token, INVALID_TOKEN for garbage', async () => {
    expectEnvelope(await get('/api/v1/users/me'), 401, 'AUTH_FAILED');
    expectEnvelope(await get('/api/v1/users/me', { authorization: 'Bearer abc.def.ghi' }), 401, 'INVALID_TOKEN');
    expectEnvelope(await get('/api/v1/users/me', { authorization: 'Basic dXNlcjpwYXNz' }), 401, 'INVALID_TOKEN');
  });
});

describe('refresh tokens', () => {
  it('rotate: each refresh returns a new access token and a new refresh token', async () => {
    const session = await registerAndLogin();
    const first = await post('/api/v1/auth/refresh', { refresh_token: session.refresh_token });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ access_token: expect.any(String), refresh_token: expect.any(String), token_type: 'bearer', expires_in: 3600 });
    expect(first.body.refresh_token).not.toBe(session.refresh_token);
    const second = await post('/api/v1/auth/refresh', { refresh_token: first.body.refresh_token });
    expect(second.status).toBe(200);
    expect((await get('/api/v1/users/me', bearer(second.body.access_token))).status).toBe(200);
  });

  it('reuse of a rotated token revokes the whole family', async () => {
    const session = await registerAndLogin();
    const rotated = await post('/api/v1/auth/refresh', { refresh_token: session.refresh_token });
    expect(rotated.status).toBe(200);
    expectEnvelope(await post('/api/v1/auth/refresh', { refresh_token: session.refresh_token }), 401, 'INVALID_TOKEN');
    expectEnvelope(await post('/api/v1/auth/refresh', { refresh_token: rotated.body.refresh_token }), 401, 'INVALID_TOKEN');
    // Other sessions of the same user are separate families and live on.
    const other = await post('/api/v1/auth/login', { username: session.username, password: session.password });
    expect((await post('/api/v1/auth/refresh', { refresh_token: other.body.refresh_token })).status).toBe(200);
  });

  it('two concurrent refreshes with the same token: exactly one succeeds', async () => {
    for (let round = 0; round < 3; round += 1) {
      const session = await registerAndLogin();
      const answers = await Promise.all(Array.from({ length: 8 }, () => post('/api/v1/auth/refresh', { refresh_token: session.refresh_token })));
      expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
      for (const loser of answers.filter((a) => a.status !== 200)) expectEnvelope(loser, 401, 'INVALID_TOKEN');
    }
  });

  it('refuses garbage, and an access token used as a refresh token', async () => {
    const session = await registerAndLogin();
    expectEnvelope(await post('/api/v1/auth/refresh', { refresh_token: 'x'.repeat(43) }), 401, 'INVALID_TOKEN');
    expectEnvelope(await post('/api/v1/auth/refresh', { refresh_token: session.access_token.slice(0, 500) }), 401, 'INVALID_TOKEN');
    expectEnvelope(await post('/api/v1/auth/refresh', {}), 400, 'VALIDATION_ERROR');
  });
});

describe('POST /api/v1/auth/logout', () => {
  it('answers 204 and the refresh token dies', async () => {
    const session = await registerAndLogin();
    const logout = await post('/api/v1/auth/logout', undefined, bearer(session.access_token));
    expect(logout.status).toBe(204);
    expect(logout.body).toBeUndefined();
    expectEnvelope(await post('/api/v1/auth/refresh', { refresh_token: session.refresh_token }), 401, 'INVALID_TOKEN');
  });

  it('answers 401 without a token', async () => {
    expectEnvelope(await post('/api/v1/auth/logout'), 401, 'AUTH_FAILED');
  });

  it('changing the password ends the sessions', async () => {
    const session = await registerAndLogin();
    const change = await graphql(
      stack.gateway.url,
      'mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }',
      { c: session.password, n: 'a brand new password' },
      `Bearer ${session.access_token}`,
    );
    expect(change.data?.changePassword).toBe(true);
    expectEnvelope(await post('/api/v1/auth/refresh', { refresh_token: session.refresh_token }), 401, 'INVALID_TOKEN');
    expect((await post('/api/v1/auth/login', { username: session.username, password: 'a brand new password' })).status).toBe(200);
  });
});

describe('administration and tenants', () => {
  const adminGql = (query: string, variables: Record<string, unknown> = {}, who = tenant.admin) => graphql(stack.gateway.url, query, variables, who.authorization);

  it('disabling a user kills their sessions and logins; enabling lets them log in again', async () => {
    const user = await tenant.addUser('engineer');
    const disabled = await adminGql('mutation($id: ID!) { setUserDisabled(userId: $id, disabled: true) { id disabled } }', { id: user.userId });
    expect(disabled.data?.setUserDisabled).toEqual({ id: user.userId, disabled: true });
    expectEnvelope(await post('/api/v1/auth/refresh', { refresh_token: user.refreshToken }), 401, 'INVALID_TOKEN');
    expectEnvelope(await post('/api/v1/auth/login', { username: user.username, password: user.password }), 401, 'AUTH_FAILED');
    const meAfter = await get('/api/v1/users/me', { authorization: user.authorization });
    expect(meAfter.status).toBe(401);
    expect(['AUTH_FAILED', 'INVALID_TOKEN']).toContain(meAfter.body.error.code);
    await adminGql('mutation($id: ID!) { setUserDisabled(userId: $id, disabled: false) { id } }', { id: user.userId });
    expect((await post('/api/v1/auth/login', { username: user.username, password: user.password })).status).toBe(200);
  });

  it('an admin changes roles in their tenant; other roles may not', async () => {
    const user = await tenant.addUser('analyst');
    const changed = await adminGql('mutation($id: ID!) { setUserRole(userId: $id, role: architect) { role } }', { id: user.userId });
    expect(changed.data?.setUserRole.role).toBe('architect');
    const login = await post('/api/v1/auth/login', { username: user.username, password: user.password });
    expect((await get('/api/v1/users/me', bearer(login.body.access_token))).body.role).toBe('architect');
    const engineer = await tenant.addUser('engineer');
    const denied = await adminGql('mutation($id: ID!) { setUserRole(userId: $id, role: admin) { role } }', { id: engineer.userId }, engineer);
    expect(denied.errors?.[0]?.extensions.code).toBe('PERMISSION_DENIED');
    const own = await adminGql('mutation($id: ID!) { setUserRole(userId: $id, role: analyst) { role } }', { id: tenant.admin.userId });
    expect(own.errors?.[0]?.extensions.code).toBe('CONFLICT');
  });

  it('a token from tenant A cannot read or change tenant B', async () => {
    const other = await createTestTenant(stack.gateway.url, 'other');
    const victim = await other.addUser('engineer');
    const list = await adminGql('{ users(limit: 200) { total items { id tenantId } } }');
    expect(list.data?.users.items.some((u: { id: string }) => u.id === victim.userId)).toBe(false);
    expect(list.data?.users.items.every((u: { tenantId: string }) => u.tenantId === tenant.tenantId)).toBe(true);
    for (const mutation of [
      'mutation($id: ID!) { setUserRole(userId: $id, role: analyst) { id } }',
      'mutation($id: ID!) { setUserDisabled(userId: $id, disabled: true) { id } }',
    ]) {
      const attempt = await adminGql(mutation, { id: victim.userId });
      expect(attempt.errors?.[0]?.extensions.code).toBe('RESOURCE_NOT_FOUND');
    }
    expect((await post('/api/v1/auth/login', { username: victim.username, password: victim.password })).status).toBe(200);
  });

  it('register joins the default tenant; a closed tenant refuses registrations', async () => {
    const closed = await post('/api/v1/auth/register', { username: unique('joiner'), password: 'SecurePass123!', tenant: tenant.slug });
    expectEnvelope(closed, 403, 'PERMISSION_DENIED');
    const a = await registerAndLogin();
    const b = await registerAndLogin();
    const meA = await graphql(stack.gateway.url, '{ me { tenantId } }', {}, `Bearer ${a.access_token}`);
    const meB = await graphql(stack.gateway.url, '{ me { tenantId } }', {}, `Bearer ${b.access_token}`);
    expect(meA.data?.me.tenantId).toBe(meB.data?.me.tenantId);
    expect(meA.data?.me.tenantId).not.toBe(tenant.tenantId);
  });
});

describe('cookie mode (004): /api/auth/*', () => {
  const browser = { 'x-requested-with': 'XMLHttpRequest' };
  const cookieOf = (headers: Headers) => headers.get('set-cookie') ?? '';

  it('login returns accessToken and sets the refresh token only in an HttpOnly; Secure; SameSite=Strict cookie', async () => {
    const session = await registerAndLogin();
    const login = await post('/api/auth/login', { username: session.username, password: session.password }, browser);
    expect(login.status).toBe(200);
    expect(login.body).toEqual({ accessToken: expect.any(String), expiresIn: 3600, user: { id: expect.any(String), login: session.username, role: 'analyst', tenantId: expect.any(String) } });
    expect(JSON.stringify(login.body)).not.toMatch(/refresh/i);
    const cookie = cookieOf(login.headers);
    expect(cookie).toMatch(/^conveyor_refresh=[A-Za-z0-9_-]{43}; /);
    for (const attribute of ['HttpOnly', 'Secure', 'SameSite=Strict', 'Path=/api/auth']) expect(cookie).toContain(attribute);
  });

  it('refresh reads the cookie, rotates it, and the old cookie then revokes the family', async () => {
    const session = await registerAndLogin();
    const login = await post('/api/auth/login', { username: session.username, password: session.password }, browser);
    const first = cookieOf(login.headers).split(';')[0]!;
    const refreshed = await post('/api/auth/refresh', undefined, { ...browser, cookie: first });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body).toEqual({ accessToken: expect.any(String), expiresIn: 3600 });
    const second = cookieOf(refreshed.headers).split(';')[0]!;
    expect(second).not.toBe(first);
    expect((await get('/api/v1/users/me', bearer(refreshed.body.accessToken))).status).toBe(200);
    expectEnvelope(await post('/api/auth/refresh', undefined, { ...browser, cookie: first }), 401, 'INVALID_TOKEN');
    expectEnvelope(await post('/api/auth/refresh', undefined, { ...browser, cookie: second }), 401, 'INVALID_TOKEN');
  });

  it('is protected against CSRF: the custom header is required and foreign origins are refused', async () => {
    const session = await registerAndLogin();
    const login = await post('/api/auth/login', { username: session.username, password: session.password }, browser);
    const cookie = cookieOf(login.headers).split(';')[0]!;
    expectEnvelope(await post('/api/auth/refresh', undefined, { cookie }), 403, 'PERMISSION_DENIED');
    expectEnvelope(await post('/api/auth/refresh', undefined, { ...browser, cookie, origin: 'https://evil.example' }), 403, 'PERMISSION_DENIED');
    expectEnvelope(await post('/api/auth/login', { username: session.username, password: session.password }, { origin: 'https://evil.example' }), 403, 'PERMISSION_DENIED');
    const sameOrigin = await post('/api/auth/refresh', undefined, { ...browser, cookie, origin: stack.gateway.url });
    expect(sameOrigin.status).toBe(200);
    expectEnvelope(await post('/api/auth/refresh', undefined, browser), 401, 'AUTH_FAILED');
  });

  it('logout revokes and clears the cookie', async () => {
    const session = await registerAndLogin();
    const login = await post('/api/auth/login', { username: session.username, password: session.password }, browser);
    const cookie = cookieOf(login.headers).split(';')[0]!;
    const logout = await post('/api/auth/logout', undefined, { ...browser, cookie });
    expect(logout.status).toBe(204);
    expect(cookieOf(logout.headers)).toMatch(/^conveyor_refresh=; .*Max-Age=0/);
    expectEnvelope(await post('/api/auth/refresh', undefined, { ...browser, cookie }), 401, 'INVALID_TOKEN');
  });
});

describe('GraphQL', () => {
  it('serves the same operations', async () => {
    const username = unique('gql');
    const registered = await graphql(stack.gateway.url, 'mutation($i: RegisterInput!) { register(input: $i) { username role } }', { i: { username, password: 'SecurePass123!' } });
    expect(registered.data?.register).toEqual({ username, role: 'analyst' });
    const login = await graphql(stack.gateway.url, 'mutation($i: LoginInput!) { login(input: $i) { accessToken refreshToken tokenType expiresIn } }', { i: { username, password: 'SecurePass123!' } });
    expect(login.data?.login).toMatchObject({ tokenType: 'bearer', expiresIn: 3600 });
    const refreshed = await graphql(stack.gateway.url, 'mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken } }', { t: login.data?.login.refreshToken });
    const me = await graphql(stack.gateway.url, '{ me { username lastLogin } }', {}, `Bearer ${refreshed.data?.refreshToken.accessToken}`);
    expect(me.data?.me.username).toBe(username);
    const logout = await graphql(stack.gateway.url, 'mutation { logout }', {}, `Bearer ${refreshed.data?.refreshToken.accessToken}`);
    expect(logout.data?.logout).toBe(true);
    const failed = await graphql(stack.gateway.url, 'mutation($i: LoginInput!) { login(input: $i) { accessToken } }', { i: { username, password: 'nope nope nope' } });
    expect(failed.errors?.[0]?.extensions.code).toBe('AUTH_FAILED');
  });
});
