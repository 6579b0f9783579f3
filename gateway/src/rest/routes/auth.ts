import { AuthError } from '@conveyor/errors';
import { z } from 'zod';
import { defineRoute, type RestRoute } from '../route-table';
import { assertSameSiteRequest, clearedRefreshCookie, readRefreshCookie, refreshCookie } from './auth-cookies';

/**
 * Authentication: `002_*.txt` «Аутентификация» (tokens in bodies, under `/api/v1`) and the
 * browser flow of `004_*.txt` (`/api/auth/*`, refresh token only in an HttpOnly cookie).
 */

interface UserData {
  id: string;
  tenantId: string;
  username: string;
  email: string | null;
  fullName: string | null;
  role: string;
  createdAt: string;
  lastLogin: string | null;
}

interface TokensData {
  accessToken: string;
  refreshToken: string;
  tokenType: string;
  expiresIn: number;
  refreshExpiresAt: string;
  user: UserData;
}

const userFields = 'id tenantId username email fullName role createdAt lastLogin';
const tokenFields = `accessToken refreshToken tokenType expiresIn refreshExpiresAt user { ${userFields} }`;
const codePoints = (value: string) => [...value].length;

const password = z
  .string()
  .refine((value) => codePoints(value) >= 8, 'must be at least 8 characters')
  .refine((value) => codePoints(value) <= 1_024, 'must be at most 1024 characters');
const username = z
  .string()
  .max(256)
  .refine((value) => /^[\p{L}\p{M}\p{N}._-]{3,64}$/u.test(value.normalize('NFKC')), 'must be 3 to 64 letters, digits, ".", "_" or "-"');
const credentials = z.object({ username: z.string().min(1).max(256), password: z.string().min(1).max(4_096) });

const userBody = z.object({
  id: z.string(),
  username: z.string(),
  email: z.string().nullable(),
  full_name: z.string().nullable(),
  role: z.enum(['analyst', 'engineer', 'architect', 'admin']),
  created_at: z.string(),
});
const meBody = userBody.extend({ last_login: z.string().nullable() });
const tokensBody = z.object({
  access_token: z.string(),
  refresh_token: z.string(),
  token_type: z.literal('bearer'),
  expires_in: z.number().int(),
});

const toUserBody = (u: UserData) => ({
  id: u.id,
  username: u.username,
  email: u.email,
  full_name: u.fullName,
  role: u.role as z.infer<typeof userBody>['role'],
  created_at: u.createdAt,
});

const toTokensBody = (t: TokensData) => ({ access_token: t.accessToken, refresh_token: t.refreshToken, token_type: 'bearer' as const, expires_in: t.expiresIn });

const secondsUntil = (iso: string) => (Date.parse(iso) - Date.now()) / 1000;
const setRefreshCookie = (t: TokensData) => ({ 'set-cookie': refreshCookie(t.refreshToken, secondsUntil(t.refreshExpiresAt)) });

const loginOperation = `mutation Login($input: LoginInput!) { login(input: $input) { ${tokenFields} } }`;
const refreshOperation = `mutation Refresh($refreshToken: String!) { refreshToken(refreshToken: $refreshToken) { ${tokenFields} } }`;
const logoutOperation = 'mutation Logout($refreshToken: String) { logout(refreshToken: $refreshToken) }';

/**
 * Login failure budgets, counted per gateway process: 5 failures per (client address, account)
 * and 30 per client address in 15 minutes, then 429 with `Retry-After`. A guesser exhausts only
 * their own address's budget, so they cannot lock the real user out; auth adds a per-account
 * budget shared by all replicas against guessing from many addresses.
 */
const loginFailureLimits = {
  codes: ['AUTH_FAILED'],
  limits: [
    {
      name: 'account',
      max: 5,
      windowSeconds: 900,
      clearOnSuccess: true,
      key: ({ body }: { body: { username: string } }, client: string) => `${client}|${body.username.normalize('NFKC').toUpperCase().toLowerCase()}`,
    },
    { name: 'client', max: 30, windowSeconds: 900, key: (_input: unknown, client: string) => client },
  ],
};

const cookieUserBody = z.object({ id: z.string(), login: z.string(), role: z.string(), tenantId: z.string() });

export const authRoutes: RestRoute[] = [
  defineRoute({
    operationId: 'register',
    method: 'POST',
    path: '/api/v1/auth/register',
    summary: 'Register a user (always the analyst role; a role in the body is ignored)',
    tag: 'auth',
    body: z.object({
      username,
      email: z.email().max(254).nullish(),
      password,
      full_name: z.string().trim().min(1).max(200).nullish(),
      tenant: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'must be a tenant slug').nullish(),
    }),
    forwardAuthorization: false,
    operation: `mutation Register($input: RegisterInput!) { register(input: $input) { ${userFields} } }`,
    variables: ({ body }) => ({
      input: { username: body.username, password: body.password, email: body.email ?? null, fullName: body.full_name ?? null, tenant: body.tenant ?? null },
    }),
    status: 201,
    respond: (data) => toUserBody(data.register as UserData),
    response: userBody,
  }),
  defineRoute({
    operationId: 'login',
    method: 'POST',
    path: '/api/v1/auth/login',
    summary: 'Log in: an access token and a refresh token',
    tag: 'auth',
    body: credentials,
    forwardAuthorization: false,
    failureLimits: loginFailureLimits,
    operation: loginOperation,
    variables: ({ body }) => ({ input: body }),
    status: 200,
    respond: (data) => toTokensBody(data.login as TokensData),
    response: tokensBody,
  }),
  defineRoute({
    operationId: 'refreshToken',
    method: 'POST',
    path: '/api/v1/auth/refresh',
    summary: 'Spend a refresh token for a new access token and a new refresh token',
    tag: 'auth',
    body: z.object({ refresh_token: z.string().min(1).max(512) }),
    forwardAuthorization: false,
    operation: refreshOperation,
    variables: ({ body }) => ({ refreshToken: body.refresh_token }),
    status: 200,
    respond: (data) => toTokensBody(data.refreshToken as TokensData),
    response: tokensBody,
  }),
  defineRoute({
    operationId: 'logout',
    method: 'POST',
    path: '/api/v1/auth/logout',
    summary: 'Log out: ends every session of the caller',
    tag: 'auth',
    body: z.object({ refresh_token: z.string().min(1).max(512).optional() }).optional(),
    operation: logoutOperation,
    variables: ({ body }) => ({ refreshToken: body?.refresh_token ?? null }),
    status: 204,
    respond: () => undefined,
  }),
  defineRoute({
    operationId: 'getCurrentUser',
    method: 'GET',
    path: '/api/v1/users/me',
    summary: 'The caller',
    tag: 'auth',
    operation: `query Me { me { ${userFields} } }`,
    variables: () => ({}),
    status: 200,
    respond: (data) => {
      const me = data.me as UserData;
      return { ...toUserBody(me), last_login: me.lastLogin };
    },
    response: meBody,
  }),
  defineRoute({
    operationId: 'cookieLogin',
    method: 'POST',
    path: '/api/auth/login',
    summary: 'Browser login: the access token in the body, the refresh token only in an HttpOnly cookie',
    tag: 'auth',
    body: credentials,
    forwardAuthorization: false,
    failureLimits: loginFailureLimits,
    versionAlias: false,
    operation: loginOperation,
    variables: ({ body, headers }) => {
      assertSameSiteRequest(headers);
      return { input: body };
    },
    status: 200,
    respond: (data) => {
      const t = data.login as TokensData;
      return { accessToken: t.accessToken, expiresIn: t.expiresIn, user: { id: t.user.id, login: t.user.username, role: t.user.role, tenantId: t.user.tenantId } };
    },
    responseHeaders: (data) => setRefreshCookie(data.login as TokensData),
    response: z.object({ accessToken: z.string(), expiresIn: z.number().int(), user: cookieUserBody }),
  }),
  defineRoute({
    operationId: 'cookieRefresh',
    method: 'POST',
    path: '/api/auth/refresh',
    summary: 'Browser refresh: reads the refresh cookie, rotates it, returns a new access token',
    tag: 'auth',
    forwardAuthorization: false,
    versionAlias: false,
    operation: refreshOperation,
    variables: ({ headers }) => {
      assertSameSiteRequest(headers);
      const token = readRefreshCookie(headers);
      if (!token) throw new AuthError('AUTH_FAILED', 'No refresh cookie');
      return { refreshToken: token };
    },
    status: 200,
    respond: (data) => {
      const t = data.refreshToken as TokensData;
      return { accessToken: t.accessToken, expiresIn: t.expiresIn };
    },
    responseHeaders: (data) => setRefreshCookie(data.refreshToken as TokensData),
    response: z.object({ accessToken: z.string(), expiresIn: z.number().int() }),
  }),
  defineRoute({
    operationId: 'cookieLogout',
    method: 'POST',
    path: '/api/auth/logout',
    summary: 'Browser logout: revokes the sessions of the refresh cookie and clears it',
    tag: 'auth',
    forwardAuthorization: false,
    versionAlias: false,
    operation: logoutOperation,
    variables: ({ headers }) => {
      assertSameSiteRequest(headers);
      const token = readRefreshCookie(headers);
      if (!token) throw new AuthError('AUTH_FAILED', 'No refresh cookie');
      return { refreshToken: token };
    },
    status: 204,
    respond: () => undefined,
    responseHeaders: () => ({ 'set-cookie': clearedRefreshCookie }),
  }),
];
