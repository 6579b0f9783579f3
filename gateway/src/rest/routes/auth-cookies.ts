import { ForbiddenError } from '@conveyor/errors';
import { gatewayEnvShape } from '../../env';

/**
 * The refresh cookie of the browser flow (`004_*.txt`): HttpOnly (scripts never see it), Secure,
 * SameSite=Strict, scoped to `/api/auth` so it travels only to login/refresh/logout.
 */
export const refreshCookieName = 'conveyor_refresh';
const cookiePath = '/api/auth';

export function refreshCookie(token: string, maxAgeSeconds: number): string {
  return `${refreshCookieName}=${token}; Path=${cookiePath}; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}; HttpOnly; Secure; SameSite=Strict`;
}

export const clearedRefreshCookie = `${refreshCookieName}=; Path=${cookiePath}; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Strict`;

type Headers = Record<string, string | string[] | undefined>;

const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/** The refresh token from the `Cookie` header, if any. */
export function readRefreshCookie(headers: Headers): string | null {
  const cookie = first(headers.cookie);
  if (!cookie) return null;
  for (const part of cookie.split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === refreshCookieName) return rest.join('=') || null;
  }
  return null;
}

/**
 * Extra origins allowed to use the cookie flow, besides the gateway's own:
 * `AUTH_COOKIE_ALLOWED_ORIGINS` (comma-separated), declared in the gateway's env shape.
 */
const allowedOrigins = new Set(
  gatewayEnvShape.AUTH_COOKIE_ALLOWED_ORIGINS.parse(process.env.AUTH_COOKIE_ALLOWED_ORIGINS || undefined)
    .split(',')
    .map((origin) => origin.trim().replace(/\/$/, ''))
    .filter(Boolean),
);

/**
 * CSRF defence for the cookie flow, on top of SameSite=Strict: the request must carry the
 * custom header `X-Requested-With` (a cross-site form cannot, and a cross-site `fetch` needs a
 * CORS preflight the gateway never grants), and an `Origin`, when sent, must be the gateway's
 * own or one of `AUTH_COOKIE_ALLOWED_ORIGINS`.
 */
export function assertSameSiteRequest(headers: Headers): void {
  if (!first(headers['x-requested-with'])) {
    throw new ForbiddenError('The cookie flow needs the X-Requested-With header', { details: { header: 'X-Requested-With' } });
  }
  const origin = first(headers.origin);
  if (!origin) return;
  const host = first(headers['x-forwarded-host']) ?? first(headers.host);
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    throw new ForbiddenError('The Origin header is not a URL');
  }
  if (originHost !== host && !allowedOrigins.has(origin.replace(/\/$/, ''))) {
    throw new ForbiddenError('This origin may not use the cookie flow', { details: { origin } });
  }
}
