import { EnvError, parseEnv, serviceEnvShape } from '@conveyor/service-runtime';
import { z } from 'zod';

const positive = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'])
    .default(fallback ? 'true' : 'false')
    .transform((value) => value === 'true' || value === '1');

/**
 * A development-only key that encrypts stored signing keys when `SIGNING_KEY_ENCRYPTION_KEY` is
 * unset. Production refuses to start without a real one (see `loadEnv`).
 */
export const developmentEncryptionKey = Buffer.alloc(32, 'conveyor-development-only-key!!').toString('base64');

/** Every variable the auth service reads (the deploy checks compare this with compose and the manifests). */
export const envShape = {
  ...serviceEnvShape(4101),
  /** Access-token lifetime (`exp` - `iat`, and the `expires_in` of login/refresh). */
  ACCESS_TOKEN_TTL_SECONDS: positive(3_600),
  /** Absolute lifetime of a login session (refresh-token family); rotation does not extend it. */
  REFRESH_TOKEN_TTL_SECONDS: positive(30 * 24 * 3_600),
  /** How long the newest signing key signs before a new one replaces it. */
  SIGNING_KEY_ROTATION_SECONDS: positive(30 * 24 * 3_600),
  /** 32 bytes, base64: encrypts private signing keys at rest. Required in production. */
  SIGNING_KEY_ENCRYPTION_KEY: z
    .string()
    .refine((value) => Buffer.from(value, 'base64').length === 32, 'must be 32 bytes, base64-encoded')
    .optional(),
  /** Argon2id cost (OWASP: m=19 MiB, t=2, p=1). */
  ARGON2_MEMORY_KIB: positive(19_456),
  ARGON2_ITERATIONS: positive(2),
  ARGON2_PARALLELISM: positive(1),
  /** The tenant `register` adds users to when it names none; created at start. */
  DEFAULT_TENANT: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/).default('default'),
  /** Whether anyone may register into the default tenant (as an analyst). */
  OPEN_REGISTRATION: flag(true),
  /** Whether anyone may create a new tenant (and become its first admin) with `createTenant`. */
  TENANT_SIGNUP: flag(true),
  /** Created (or left as is) at start: the first admin of the default tenant. */
  ADMIN_USERNAME: z.string().min(1).optional(),
  ADMIN_PASSWORD: z.string().min(8).optional(),
  /** Failed logins per account (from any address, across replicas) within the window before 429. */
  LOGIN_MAX_FAILURES_PER_ACCOUNT: positive(50),
  LOGIN_FAILURE_WINDOW_SECONDS: positive(900),
};

export type AuthEnv = ReturnType<typeof loadEnv>;

export const loadEnv = (source: Record<string, string | undefined> = process.env) => {
  const env = parseEnv(envShape, source);
  const problems: string[] = [];
  if (env.NODE_ENV === 'production' && !env.SIGNING_KEY_ENCRYPTION_KEY) problems.push('SIGNING_KEY_ENCRYPTION_KEY: required in production');
  if ((env.ADMIN_USERNAME === undefined) !== (env.ADMIN_PASSWORD === undefined)) problems.push('ADMIN_USERNAME, ADMIN_PASSWORD: set both or neither');
  if (problems.length > 0) throw new EnvError(problems);
  return env;
};
