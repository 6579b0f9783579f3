import { and, eq, isNull, sql } from 'drizzle-orm';
import type { AuthExecutor } from './database';
import { refreshFamilies, refreshTokens } from './schema';

export async function insertFamily(db: AuthExecutor, userId: string, ttlSeconds: number): Promise<{ id: string; expiresAt: Date }> {
  const [row] = await db
    .insert(refreshFamilies)
    .values({ userId, expiresAt: sql`now() + make_interval(secs => ${ttlSeconds})` })
    .returning({ id: refreshFamilies.id, expiresAt: refreshFamilies.expiresAt });
  return row!;
}

export async function insertRefreshToken(db: AuthExecutor, familyId: string, tokenHash: string): Promise<void> {
  await db.insert(refreshTokens).values({ familyId, tokenHash });
}

export interface ClaimedToken {
  familyId: string;
  userId: string;
  expiresAt: Date;
}

/**
 * Marks a refresh token used if it is unused and its family is alive, in one statement. Two
 * concurrent claims of the same token serialise on the row lock; the second re-checks
 * `used_at is null` after the first commits and claims nothing, so exactly one refresh wins.
 */
export async function claimRefreshToken(db: AuthExecutor, tokenHash: string): Promise<ClaimedToken | undefined> {
  const result = await db.execute<{ family_id: string; user_id: string; expires_at: Date }>(sql`
    update ${refreshTokens} t set used_at = now()
      from ${refreshFamilies} f
     where t.token_hash = ${tokenHash}
       and t.used_at is null
       and f.id = t.family_id
       and f.revoked_at is null
       and f.expires_at > now()
    returning t.family_id, f.user_id, f.expires_at`);
  const row = result.rows[0];
  return row ? { familyId: row.family_id, userId: row.user_id, expiresAt: new Date(row.expires_at) } : undefined;
}

/** What is known about a token that could not be claimed. */
export async function selectTokenState(
  db: AuthExecutor,
  tokenHash: string,
): Promise<{ familyId: string; userId: string; used: boolean; familyRevoked: boolean } | undefined> {
  const [row] = await db
    .select({ familyId: refreshTokens.familyId, userId: refreshFamilies.userId, usedAt: refreshTokens.usedAt, revokedAt: refreshFamilies.revokedAt })
    .from(refreshTokens)
    .innerJoin(refreshFamilies, eq(refreshFamilies.id, refreshTokens.familyId))
    .where(eq(refreshTokens.tokenHash, tokenHash))
    .limit(1);
  return row ? { familyId: row.familyId, userId: row.userId, used: row.usedAt !== null, familyRevoked: row.revokedAt !== null } : undefined;
}

export async function revokeFamily(db: AuthExecutor, familyId: string, reason: string): Promise<void> {
  await db
    .update(refreshFamilies)
    .set({ revokedAt: sql`now()`, revokedReason: reason })
    .where(and(eq(refreshFamilies.id, familyId), isNull(refreshFamilies.revokedAt)));
}

/** Revokes every live session of a user; returns how many. */
export async function revokeUserFamilies(db: AuthExecutor, userId: string, reason: string): Promise<number> {
  const rows = await db
    .update(refreshFamilies)
    .set({ revokedAt: sql`now()`, revokedReason: reason })
    .where(and(eq(refreshFamilies.userId, userId), isNull(refreshFamilies.revokedAt)))
    .returning({ id: refreshFamilies.id });
  return rows.length;
}
