import { userUpdatedEvent, type Role } from '@conveyor/contracts';
import { AppError, AuthError, ConflictError, DuplicateError, ForbiddenError, NotFoundError } from '@conveyor/errors';
import { requirePermission, type Identity } from '@conveyor/identity';
import { appendEvent } from '@conveyor/service-runtime';
import { z } from 'zod';
import type { AuthDb, AuthExecutor } from '../db/database';
import { clearLoginFailures, recordLoginFailure, secondsUntilLoginAllowed } from '../db/login-failure-rows';
import { claimRefreshToken, insertFamily, insertRefreshToken, revokeFamily, revokeUserFamilies, selectTokenState } from '../db/refresh-rows';
import { outbox } from '../db/schema';
import {
  insertTenant,
  insertUser,
  listTenantUsers,
  recordLogin,
  selectTenantBySlug,
  selectUser,
  selectUserById,
  selectUserByKey,
  updateUser,
  upsertTenant,
  type TenantRow,
  type UserRow,
} from '../db/user-rows';
import { signAccessToken } from './access-tokens';
import { parseInput, passwordSchema, registrationSchema, tenantSlugSchema, usernameSchema } from './credentials';
import type { PasswordHasher } from './password-hashing';
import { hashRefreshToken, looksLikeRefreshToken, newRefreshToken } from './refresh-tokens';
import type { SigningKeys } from './signing-keys';
import { usernameKey } from './usernames';

export interface AuthSettings {
  prefix: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  defaultTenant: string;
  openRegistration: boolean;
  tenantSignup: boolean;
  loginMaxFailuresPerAccount: number;
  loginFailureWindowSeconds: number;
}

/** What login and refresh hand out. */
export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  tokenType: 'bearer';
  expiresIn: number;
  refreshExpiresAt: Date;
  user: UserRow;
}

const roleSchema = z.enum(['analyst', 'engineer', 'architect', 'admin']);
const invalidRefresh = () => new AuthError('INVALID_TOKEN', 'The refresh token is invalid, expired or revoked');
/** One answer for unknown users, wrong passwords and disabled accounts: nothing to tell them apart. */
const loginFailed = () => new AuthError('AUTH_FAILED', 'Invalid username or password');

export type AuthService = ReturnType<typeof createAuthService>;

/**
 * Accounts, sessions and tenants. Every method that acts for a caller takes the verified
 * `Identity` and is scoped by its tenant; nothing here knows about GraphQL or HTTP.
 */
export function createAuthService(deps: { db: AuthDb; hasher: PasswordHasher; keys: SigningKeys; settings: AuthSettings; wake: () => void }) {
  const { db, hasher, keys, settings } = deps;

  async function issueTokens(executor: AuthExecutor, user: UserRow, familyId: string, refreshExpiresAt: Date): Promise<TokenPair> {
    const refreshToken = newRefreshToken();
    await insertRefreshToken(executor, familyId, hashRefreshToken(refreshToken));
    const accessToken = await signAccessToken(await keys.signer(), user, settings.accessTokenTtlSeconds);
    return { accessToken, refreshToken, tokenType: 'bearer', expiresIn: settings.accessTokenTtlSeconds, refreshExpiresAt, user };
  }

  async function announce(executor: AuthExecutor, user: UserRow): Promise<void> {
    await appendEvent(executor, outbox, {
      prefix: settings.prefix,
      contract: userUpdatedEvent,
      tenantId: user.tenantId,
      entity: { typename: 'User', id: user.id },
      data: { user_id: user.id, role: user.role, disabled: user.disabledAt !== null, tokens_valid_after: user.tokensValidAfter?.toISOString() ?? null },
    });
  }

  async function createUserIn(executor: AuthExecutor, tenant: TenantRow, input: z.infer<typeof registrationSchema>, role: Role): Promise<UserRow> {
    const passwordHash = await hasher.hash(input.password);
    const user = await insertUser(executor, {
      tenantId: tenant.id,
      username: input.username.normalize('NFKC'),
      usernameKey: usernameKey(input.username),
      email: input.email ?? null,
      fullName: input.fullName ?? null,
      role,
      passwordHash,
    });
    if (!user) throw new DuplicateError('This username is taken', { details: { field: 'username' } });
    return user;
  }

  async function adminTarget(identity: Identity, userId: string): Promise<UserRow> {
    requirePermission(identity, 'users:manage');
    if (!z.uuid().safeParse(userId).success) throw new NotFoundError('No such user');
    const user = await selectUser(db, identity.tenantId, userId);
    if (!user) throw new NotFoundError('No such user');
    if (user.id === identity.userId) throw new ConflictError('Administrators cannot change their own role or status');
    return user;
  }

  return {
    /**
     * Self-registration: always the `analyst` role (a role in the input is never read), into the
     * named tenant if it accepts registrations, else into the default tenant.
     */
    async register(raw: unknown): Promise<UserRow> {
      const input = parseInput(registrationSchema, raw);
      const slug = input.tenant ?? settings.defaultTenant;
      const tenant = await selectTenantBySlug(db, slug);
      if (!tenant || !tenant.openRegistration) throw new ForbiddenError('This tenant does not accept registrations');
      return createUserIn(db, tenant, input, 'analyst');
    },

    /** Username + password → tokens. Unknown users cost one hash too (no timing oracle). */
    async login(raw: unknown): Promise<TokenPair> {
      const input = parseInput(z.object({ username: z.string().max(256), password: z.string().max(4_096) }), raw);
      const key = usernameKey(input.username);
      const retryAfter = await secondsUntilLoginAllowed(db, key, settings.loginMaxFailuresPerAccount, settings.loginFailureWindowSeconds);
      if (retryAfter !== null) {
        throw new AppError('RATE_LIMIT_EXCEEDED', 'Too many failed logins for this account; try again later', {
          details: { limit: 'account', retry_after_seconds: retryAfter },
        });
      }
      const user = await selectUserByKey(db, key);
      const valid = user ? await hasher.verify(user.passwordHash, input.password) : await hasher.verifyNothing(input.password);
      if (!user || !valid || user.disabledAt) {
        await recordLoginFailure(db, key, settings.loginFailureWindowSeconds);
        throw loginFailed();
      }
      await clearLoginFailures(db, key);
      return db.transaction(async (tx) => {
        const lastLoginAt = await recordLogin(tx, user.id);
        const family = await insertFamily(tx, user.id, settings.refreshTokenTtlSeconds);
        return issueTokens(tx, { ...user, lastLoginAt }, family.id, family.expiresAt);
      });
    },

    /**
     * Rotates a refresh token: the presented one is spent, a new one (same family, same absolute
     * expiry) and a new access token come back. Presenting a spent token revokes its family.
     */
    async refresh(token: string): Promise<TokenPair> {
      if (!looksLikeRefreshToken(token)) throw invalidRefresh();
      const tokenHash = hashRefreshToken(token);
      const pair = await db.transaction(async (tx) => {
        const claimed = await claimRefreshToken(tx, tokenHash);
        if (!claimed) return null;
        const user = await selectUserById(tx, claimed.userId);
        if (!user || user.disabledAt) return null;
        return issueTokens(tx, user, claimed.familyId, claimed.expiresAt);
      });
      if (pair) return pair;
      const state = await selectTokenState(db, tokenHash);
      if (state?.used && !state.familyRevoked) await revokeFamily(db, state.familyId, 'refresh token reused');
      throw invalidRefresh();
    },

    /** Ends every session of the user (found from the access token, or from a refresh token). */
    async logout(identity: Identity | null, refreshToken: string | null): Promise<boolean> {
      let userId = identity?.userId ?? null;
      if (!userId && refreshToken && looksLikeRefreshToken(refreshToken)) {
        userId = (await selectTokenState(db, hashRefreshToken(refreshToken)))?.userId ?? null;
      }
      if (!userId) throw new AuthError('AUTH_FAILED', 'Log out needs an access token or a refresh token');
      await revokeUserFamilies(db, userId, 'logout');
      return true;
    },

    async me(identity: Identity): Promise<UserRow> {
      const user = await selectUser(db, identity.tenantId, identity.userId);
      if (!user || user.disabledAt) throw new AuthError('AUTH_FAILED', 'This account is disabled or no longer exists');
      return user;
    },

    /** A user referenced from another subgraph: visible only inside the caller's tenant. */
    async userReference(identity: Identity, userId: string): Promise<UserRow | null> {
      if (!z.uuid().safeParse(userId).success) return null;
      return (await selectUser(db, identity.tenantId, userId)) ?? null;
    },

    async changePassword(identity: Identity, raw: unknown): Promise<void> {
      const input = parseInput(z.object({ currentPassword: z.string().max(4_096), newPassword: passwordSchema }), raw);
      const user = await this.me(identity);
      if (!(await hasher.verify(user.passwordHash, input.currentPassword))) throw loginFailed();
      const passwordHash = await hasher.hash(input.newPassword);
      await db.transaction(async (tx) => {
        const updated = (await updateUser(tx, user.tenantId, user.id, { passwordHash, tokensValidAfter: new Date() }))!;
        await revokeUserFamilies(tx, user.id, 'password changed');
        await announce(tx, updated);
      });
      deps.wake();
    },

    async listUsers(identity: Identity, limit: number, offset: number) {
      requirePermission(identity, 'users:manage');
      const page = parseInput(z.object({ limit: z.number().int().min(1).max(200), offset: z.number().int().min(0) }), { limit, offset });
      return { ...(await listTenantUsers(db, identity.tenantId, page.limit, page.offset)), ...page };
    },

    /** An admin adds a user of any role to their own tenant. */
    async createUser(identity: Identity, raw: unknown): Promise<UserRow> {
      requirePermission(identity, 'users:manage');
      const input = parseInput(registrationSchema.omit({ tenant: true }).extend({ role: roleSchema }), raw);
      const tenant = { id: identity.tenantId } as TenantRow;
      return db.transaction(async (tx) => {
        const user = await createUserIn(tx, tenant, input, input.role);
        await announce(tx, user);
        return user;
      });
    },

    async setUserRole(identity: Identity, userId: string, role: string): Promise<UserRow> {
      const target = await adminTarget(identity, userId);
      const parsedRole = parseInput(roleSchema, role, '/role');
      const user = await db.transaction(async (tx) => {
        const updated = (await updateUser(tx, target.tenantId, target.id, { role: parsedRole, tokensValidAfter: new Date() }))!;
        await announce(tx, updated);
        return updated;
      });
      deps.wake();
      return user;
    },

    /**
     * Disabling revokes every session and every access token already out: verifiers learn it
     * from the `user.updated` event at once, or with the key set within a minute.
     */
    async setUserDisabled(identity: Identity, userId: string, disabled: boolean): Promise<UserRow> {
      const target = await adminTarget(identity, userId);
      const user = await db.transaction(async (tx) => {
        const updated = (await updateUser(tx, target.tenantId, target.id, {
          disabledAt: disabled ? (target.disabledAt ?? new Date()) : null,
          ...(disabled ? { tokensValidAfter: new Date() } : {}),
        }))!;
        if (disabled) await revokeUserFamilies(tx, target.id, 'user disabled');
        await announce(tx, updated);
        return updated;
      });
      deps.wake();
      return user;
    },

    /**
     * A new tenant with its first user as `admin`. Open to anyone when `TENANT_SIGNUP` is on;
     * otherwise only to admins of the default tenant (the installation's operators).
     */
    async createTenant(identity: Identity | null, raw: unknown): Promise<{ tenant: TenantRow; admin: UserRow }> {
      const input = parseInput(
        z.object({ slug: tenantSlugSchema, name: z.string().trim().min(1).max(200), admin: registrationSchema.omit({ tenant: true }) }),
        raw,
      );
      if (!settings.tenantSignup) {
        const operatorTenant = await selectTenantBySlug(db, settings.defaultTenant);
        if (!identity || identity.role !== 'admin' || identity.tenantId !== operatorTenant?.id) {
          throw new ForbiddenError('Only administrators of the default tenant may create tenants');
        }
      }
      return db.transaction(async (tx) => {
        const tenant = await insertTenant(tx, { slug: input.slug, name: input.name, openRegistration: false });
        if (!tenant) throw new DuplicateError('A tenant with this slug exists', { details: { field: 'slug' } });
        const admin = await createUserIn(tx, tenant, input.admin, 'admin');
        return { tenant, admin };
      });
    },

    /**
     * At start: the default tenant exists (registration flag as configured) and, when
     * `ADMIN_USERNAME`/`ADMIN_PASSWORD` are set, so does that admin. An existing user of that
     * name is left alone (its password is not reset), so restarts are idempotent.
     */
    async bootstrap(admin: { username: string; password: string } | null): Promise<{ tenant: TenantRow; adminCreated: boolean }> {
      const tenant = await upsertTenant(db, { slug: settings.defaultTenant, name: settings.defaultTenant, openRegistration: settings.openRegistration });
      if (!admin) return { tenant, adminCreated: false };
      parseInput(usernameSchema, admin.username, '/ADMIN_USERNAME');
      if (await selectUserByKey(db, usernameKey(admin.username))) return { tenant, adminCreated: false };
      const created = await insertUser(db, {
        tenantId: tenant.id,
        username: admin.username.normalize('NFKC'),
        usernameKey: usernameKey(admin.username),
        role: 'admin',
        passwordHash: await hasher.hash(admin.password),
      });
      return { tenant, adminCreated: created !== undefined };
    },
  };
}
