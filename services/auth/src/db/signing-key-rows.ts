import { and, desc, gt, isNull, lt, or, sql } from 'drizzle-orm';
import type { AuthDb } from './database';
import { signingKeys } from './schema';

export type SigningKeyRow = typeof signingKeys.$inferSelect;

/** The key that signs: the newest one that is not retired. */
export async function selectSigningKey(db: AuthDb): Promise<SigningKeyRow | undefined> {
  const [row] = await db.select().from(signingKeys).where(isNull(signingKeys.retiredAt)).orderBy(desc(signingKeys.createdAt)).limit(1);
  return row;
}

/** Keys that still verify: the signing key and keys retired less than `graceSeconds` ago. */
export async function selectVerifyingKeys(db: AuthDb, graceSeconds: number): Promise<SigningKeyRow[]> {
  return db
    .select()
    .from(signingKeys)
    .where(or(isNull(signingKeys.retiredAt), gt(signingKeys.retiredAt, sql`now() - make_interval(secs => ${graceSeconds})`)))
    .orderBy(desc(signingKeys.createdAt));
}

/**
 * Installs a new signing key unless another replica just did: under a transaction-scoped
 * advisory lock, re-reads the current key and only inserts when it is still `due(current)`.
 * Older keys are retired (they keep verifying for the grace period) and long-retired ones deleted.
 */
export async function installSigningKey(
  db: AuthDb,
  options: { due: (current: SigningKeyRow | undefined) => boolean; create: () => Promise<typeof signingKeys.$inferInsert>; graceSeconds: number },
): Promise<SigningKeyRow> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('auth.signing_keys'))`);
    const [current] = await tx.select().from(signingKeys).where(isNull(signingKeys.retiredAt)).orderBy(desc(signingKeys.createdAt)).limit(1);
    if (current && !options.due(current)) return current;
    const created = await options.create();
    await tx.update(signingKeys).set({ retiredAt: sql`now()` }).where(isNull(signingKeys.retiredAt));
    await tx
      .delete(signingKeys)
      .where(and(lt(signingKeys.retiredAt, sql`now() - make_interval(secs => ${options.graceSeconds * 2})`)));
    const [row] = await tx.insert(signingKeys).values(created).returning();
    return row!;
  });
}
