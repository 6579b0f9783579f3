import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { pgSchema } from 'drizzle-orm/pg-core';
import { createOutboxTable } from '@conveyor/service-runtime/outbox-table';

export const authSchema = pgSchema('auth');
export const outbox = createOutboxTable(authSchema);

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

/** A tenant: every user, and every resource of every service, belongs to exactly one. */
export const tenants = authSchema.table('tenants', {
  id: uuid('id').primaryKey().defaultRandom(),
  slug: text('slug').notNull().unique(),
  name: text('name').notNull(),
  /** Whether `register` may add users to this tenant (as analysts). */
  openRegistration: boolean('open_registration').notNull().default(false),
  createdAt: createdAt(),
});

/**
 * A user. `username` is what they typed; `username_key` is its NFKC + case-folded form, unique
 * across the installation, so look-alikes (`Ａｄａ`, `ADA`, `ada`) are one account.
 */
export const users = authSchema.table(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id').notNull().references(() => tenants.id),
    username: text('username').notNull(),
    usernameKey: text('username_key').notNull(),
    email: text('email'),
    fullName: text('full_name'),
    role: text('role', { enum: ['analyst', 'engineer', 'architect', 'admin'] }).notNull().default('analyst'),
    passwordHash: text('password_hash').notNull(),
    disabledAt: timestamp('disabled_at', { withTimezone: true }),
    lastLoginAt: timestamp('last_login_at', { withTimezone: true }),
    /** Access tokens issued before this are refused everywhere (set on disable, role and password change). */
    tokensValidAfter: timestamp('tokens_valid_after', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('users_username_key_idx').on(t.usernameKey), index('users_tenant_idx').on(t.tenantId, t.createdAt)],
);

/**
 * Ed25519 signing keys. The newest key signs; a key stops verifying `retired_at` + the access
 * token lifetime after a newer key replaced it. Private keys are stored encrypted (AES-256-GCM)
 * with `SIGNING_KEY_ENCRYPTION_KEY`.
 */
export const signingKeys = authSchema.table('signing_keys', {
  kid: text('kid').primaryKey(),
  publicJwk: jsonb('public_jwk').notNull().$type<{ kty: 'OKP'; crv: 'Ed25519'; x: string }>(),
  privateKeyCiphertext: text('private_key_ciphertext').notNull(),
  createdAt: createdAt(),
  retiredAt: timestamp('retired_at', { withTimezone: true }),
});

/**
 * One login session: the chain of refresh tokens issued from one login. Reusing a rotated token
 * revokes the family; the family's `expires_at` is the absolute lifetime of the session.
 */
export const refreshFamilies = authSchema.table(
  'refresh_families',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id').notNull().references(() => users.id),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    revokedReason: text('revoked_reason'),
  },
  (t) => [index('refresh_families_user_idx').on(t.userId).where(sql`revoked_at is null`)],
);

/** Refresh tokens, stored only as SHA-256 hashes (they are 256-bit random values, so no salt is needed). */
export const refreshTokens = authSchema.table(
  'refresh_tokens',
  {
    tokenHash: text('token_hash').primaryKey(),
    familyId: uuid('family_id').notNull().references(() => refreshFamilies.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
    usedAt: timestamp('used_at', { withTimezone: true }),
  },
  (t) => [index('refresh_tokens_family_idx').on(t.familyId)],
);

/**
 * Failed logins per account (username key), shared by every auth replica: the backstop against
 * guessing from many addresses (the gateway already budgets per client address and account).
 */
export const loginFailures = authSchema.table('login_failures', {
  usernameKey: text('username_key').primaryKey(),
  failures: integer('failures').notNull(),
  windowStartedAt: timestamp('window_started_at', { withTimezone: true }).notNull(),
});
