import { schemaPurgedEvent, schemaRestoredEvent } from '@conveyor/contracts';
import { ConflictError, DuplicateError, NotFoundError } from '@conveyor/errors';
import { appendEvent } from '@conveyor/service-runtime';
import { and, count, desc, eq, gte, inArray, isNotNull, lt, min, sql, type SQL } from 'drizzle-orm';
import { readDeletedSchemaSizes, toMegabytes } from '../db/deleted-schema-sizes';
import { outbox, schemas } from '../db/schema';
import { isUniqueViolation } from '../db/unique-violation';
import type { SchemaDeps } from './schema-deps';
import { isUuid, type Actor } from './schema-view';

/**
 * Administration of soft-deleted schemas, shaped as `002_*.txt`'s admin API for pipelines. The
 * entity type is `schema` (`schemas` in counts); a tenant's admin sees only that tenant.
 */
export interface DeletedEntity {
  entityType: 'schema';
  entityId: string;
  entityName: string;
  deletedBy: string | null;
  deletedAt: string;
  canRestore: boolean;
}

export async function listDeletedSchemas(
  deps: Pick<SchemaDeps, 'db'>,
  actor: Actor,
  filter: { deletedAfter?: Date | null; deletedBefore?: Date | null; limit: number; offset: number },
): Promise<{ items: DeletedEntity[]; total: number }> {
  const conditions: SQL[] = [eq(schemas.tenantId, actor.tenantId), isNotNull(schemas.deletedAt)];
  if (filter.deletedAfter) conditions.push(gte(schemas.deletedAt, filter.deletedAfter));
  if (filter.deletedBefore) conditions.push(lt(schemas.deletedAt, filter.deletedBefore));
  const where = and(...conditions);
  const [rows, [total]] = await Promise.all([
    deps.db
      .select({
        id: schemas.id,
        name: schemas.name,
        deletedBy: schemas.deletedBy,
        deletedAt: schemas.deletedAt,
        // Restoring needs the name free among live schemas (names are unique per tenant).
        // Outer columns spelled out: drizzle renders a column of the outer table unqualified, which inside the
        // subquery would mean the inner row's own name.
        nameTaken: sql<boolean>`exists (select 1 from schemas.schemas live where live.tenant_id = "schemas"."tenant_id" and live.deleted_at is null and lower(live.name) = lower("schemas"."name"))`,
      })
      .from(schemas)
      .where(where)
      .orderBy(desc(schemas.deletedAt), desc(schemas.id))
      .limit(filter.limit)
      .offset(filter.offset),
    deps.db.select({ value: count() }).from(schemas).where(where),
  ]);
  return {
    items: rows.map((row) => ({
      entityType: 'schema',
      entityId: row.id,
      entityName: row.name,
      deletedBy: row.deletedBy,
      deletedAt: row.deletedAt!.toISOString(),
      canRestore: !row.nameTaken,
    })),
    total: total?.value ?? 0,
  };
}

export async function readDeletionStats(deps: Pick<SchemaDeps, 'db'>, actor: Actor) {
  const [summary] = await deps.db
    .select({ total: count(), oldest: min(schemas.deletedAt) })
    .from(schemas)
    .where(and(eq(schemas.tenantId, actor.tenantId), isNotNull(schemas.deletedAt)));
  const sizes = await readDeletedSchemaSizes(deps.db, actor.tenantId);
  const total = summary?.total ?? 0;
  return {
    totalDeleted: total,
    byType: { schemas: total },
    oldestDeletion: summary?.oldest ? new Date(summary.oldest).toISOString() : null,
    diskSpaceRecoverableMb: toMegabytes(sizes.reduce((sum, s) => sum + s.bytes, 0)),
  };
}

/** Brings a soft-deleted schema back, with all its versions. */
export async function restoreSchema(deps: SchemaDeps, actor: Actor, id: string) {
  const notFound = () => new NotFoundError(`Deleted schema ${id} not found`, { details: { id } });
  if (!isUuid(id)) throw notFound();
  try {
    const restored = await deps.db.transaction(async (tx) => {
      const [row] = await tx.select().from(schemas).where(and(eq(schemas.id, id), eq(schemas.tenantId, actor.tenantId))).for('update');
      if (!row) throw notFound();
      if (!row.deletedAt) throw new ConflictError(`Schema ${id} is not deleted`, { details: { id } });
      const [updated] = await tx.update(schemas).set({ deletedAt: null, deletedBy: null, updatedAt: sql`now()` }).where(eq(schemas.id, id)).returning();
      await appendEvent(tx, outbox, {
        prefix: deps.prefix,
        contract: schemaRestoredEvent,
        tenantId: actor.tenantId,
        entity: { typename: 'Schema', id },
        data: { id, name: updated!.name, status: updated!.status, version: updated!.version, updated_at: updated!.updatedAt.toISOString() },
      });
      return updated!;
    });
    deps.wakeRelay();
    return { schemaId: id, restored: true, relatedEntitiesRestored: { versions: restored.version }, restoredAt: restored.updatedAt.toISOString() };
  } catch (error) {
    if (isUniqueViolation(error, 'schemas_tenant_live_name_idx')) {
      throw new DuplicateError('A live schema already has this name; rename it before restoring', { details: { id }, cause: error });
    }
    throw error;
  }
}

/** Deletes soft-deleted schemas and their versions for good, announcing each. */
async function purge(deps: SchemaDeps, actor: Actor, targets: Array<{ id: string; name: string }>): Promise<void> {
  if (targets.length === 0) return;
  await deps.db.transaction(async (tx) => {
    await tx.delete(schemas).where(and(eq(schemas.tenantId, actor.tenantId), isNotNull(schemas.deletedAt), inArray(schemas.id, targets.map((t) => t.id))));
    for (const target of targets) {
      await appendEvent(tx, outbox, {
        prefix: deps.prefix,
        contract: schemaPurgedEvent,
        tenantId: actor.tenantId,
        entity: { typename: 'Schema', id: target.id },
        data: { id: target.id, name: target.name },
      });
    }
  });
  deps.wakeRelay();
}

/** Permanently deletes one soft-deleted schema (a live one must be deleted first). */
export async function purgeSchema(deps: SchemaDeps, actor: Actor, id: string) {
  if (!isUuid(id)) throw new NotFoundError(`Schema ${id} not found`, { details: { id } });
  const [target] = await readDeletedSchemaSizes(deps.db, actor.tenantId, { id });
  if (!target) {
    const [live] = await deps.db.select({ id: schemas.id }).from(schemas).where(and(eq(schemas.id, id), eq(schemas.tenantId, actor.tenantId)));
    if (live) throw new ConflictError(`Schema ${id} is not deleted; delete it before purging`, { details: { id } });
    throw new NotFoundError(`Schema ${id} not found`, { details: { id } });
  }
  await purge(deps, actor, [target]);
  return { schemaId: id, permanentlyDeleted: true, cascadeDeleted: { versions: target.versions }, diskSpaceFreedMb: toMegabytes(target.bytes) };
}

/** Purges schemas deleted more than `olderThanDays` ago, or (dry run) says what that would free. */
export async function cleanupOldDeletions(deps: SchemaDeps, actor: Actor, options: { olderThanDays: number; dryRun: boolean }) {
  const before = new Date(Date.now() - options.olderThanDays * 24 * 60 * 60 * 1000);
  const targets = await readDeletedSchemaSizes(deps.db, actor.tenantId, { before });
  if (!options.dryRun) await purge(deps, actor, targets);
  return {
    dryRun: options.dryRun,
    entitiesToDelete: targets.length,
    diskSpaceToFreeMb: toMegabytes(targets.reduce((sum, t) => sum + t.bytes, 0)),
    breakdown: { schemas: targets.length },
  };
}
