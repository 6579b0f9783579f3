import { and, asc, count, eq, gt, sql } from 'drizzle-orm';
import type { AuthExecutor } from './database';
import { tenants, users } from './schema';

export type UserRow = typeof users.$inferSelect;
export type TenantRow = typeof tenants.$inferSelect;

export async function selectUserByKey(db: AuthExecutor, usernameKey: string): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(eq(users.usernameKey, usernameKey)).limit(1);
  return row;
}

export async function selectUser(db: AuthExecutor, tenantId: string, userId: string): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(and(eq(users.tenantId, tenantId), eq(users.id, userId))).limit(1);
  return row;
}

export async function selectUserById(db: AuthExecutor, userId: string): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(eq(users.id, userId)).limit(1);
  return row;
}

/** Inserts a user; `undefined` when the username key is taken (unique index, no race). */
export async function insertUser(db: AuthExecutor, values: typeof users.$inferInsert): Promise<UserRow | undefined> {
  const [row] = await db.insert(users).values(values).onConflictDoNothing({ target: users.usernameKey }).returning();
  return row;
}

export async function updateUser(
  db: AuthExecutor,
  tenantId: string,
  userId: string,
  values: Partial<Pick<UserRow, 'role' | 'disabledAt' | 'passwordHash' | 'lastLoginAt' | 'tokensValidAfter'>>,
): Promise<UserRow | undefined> {
  const [row] = await db
    .update(users)
    .set({ ...values, updatedAt: sql`now()` })
    .where(and(eq(users.tenantId, tenantId), eq(users.id, userId)))
    .returning();
  return row;
}

export async function recordLogin(db: AuthExecutor, userId: string): Promise<Date> {
  const [row] = await db.update(users).set({ lastLoginAt: sql`now()` }).where(eq(users.id, userId)).returning({ at: users.lastLoginAt });
  return row!.at!;
}

export async function listTenantUsers(db: AuthExecutor, tenantId: string, limit: number, offset: number): Promise<{ items: UserRow[]; total: number }> {
  const items = await db.select().from(users).where(eq(users.tenantId, tenantId)).orderBy(asc(users.createdAt), asc(users.id)).limit(limit).offset(offset);
  const [total] = await db.select({ n: count() }).from(users).where(eq(users.tenantId, tenantId));
  return { items, total: total?.n ?? 0 };
}

export async function selectTenantBySlug(db: AuthExecutor, slug: string): Promise<TenantRow | undefined> {
  const [row] = await db.select().from(tenants).where(eq(tenants.slug, slug)).limit(1);
  return row;
}

/** Inserts a tenant; `undefined` when the slug is taken. */
export async function insertTenant(db: AuthExecutor, values: typeof tenants.$inferInsert): Promise<TenantRow | undefined> {
  const [row] = await db.insert(tenants).values(values).onConflictDoNothing({ target: tenants.slug }).returning();
  return row;
}

/** Creates the tenant or updates its registration flag; returns it either way. */
export async function upsertTenant(db: AuthExecutor, values: { slug: string; name: string; openRegistration: boolean }): Promise<TenantRow> {
  const [row] = await db
    .insert(tenants)
    .values(values)
    .onConflictDoUpdate({ target: tenants.slug, set: { openRegistration: values.openRegistration } })
    .returning();
  return row!;
}

/** Users whose tokens issued before `tokens_valid_after` must be refused, while such tokens can still be alive. */
export async function selectRecentRevocations(db: AuthExecutor, withinSeconds: number): Promise<Array<{ userId: string; tokensValidAfter: Date }>> {
  const rows = await db
    .select({ userId: users.id, tokensValidAfter: users.tokensValidAfter })
    .from(users)
    .where(gt(users.tokensValidAfter, sql`now() - make_interval(secs => ${withinSeconds})`));
  return rows.map((row) => ({ userId: row.userId, tokensValidAfter: row.tokensValidAfter! }));
}
