import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { schemaCreatedEvent, schemaDeletedEvent, schemaUpdatedEvent } from '@conveyor/contracts';
import { ConflictError, DuplicateError, NotFoundError, ValidationError } from '@conveyor/errors';
import { appendEvent } from '@conveyor/service-runtime';
import { and, eq, isNull, sql } from 'drizzle-orm';
import { outbox, schemas, schemaVersions } from '../db/schema';
import { existingSchemaIds } from '../db/existing-schema-ids';
import { isUniqueViolation } from '../db/unique-violation';
import { assertTransition } from './schema-lifecycle';
import type { SchemaDeps } from './schema-deps';
import { isUuid, toSchemaView, toWebhookSecretView, type Actor, type SchemaRow, type SchemaView, type WebhookSecretView } from './schema-view';
import { validateSchemaInput, type SchemaFieldsInput } from './validate-schema-input';
import { generateWebhookSecret } from './webhook-secret';

const maxUnconditionedAttempts = 20;
const entityOf = (id: string) => ({ typename: 'Schema', id });
const eventDataOf = (row: SchemaRow) => ({ id: row.id, name: row.name, status: row.status, version: row.version, updated_at: row.updatedAt.toISOString() });
const liveSchema = (actor: Actor, id: string) => and(eq(schemas.id, id), eq(schemas.tenantId, actor.tenantId), isNull(schemas.deletedAt));

function duplicateName(name: string, cause: unknown): DuplicateError {
  return new DuplicateError(`A schema named "${name}" already exists`, { details: { field: 'name', value: name }, cause });
}

/** What validation needs, with subflow targets looked up in the caller's tenant. */
function validationDeps(deps: SchemaDeps, actor: Actor) {
  return { ...deps, subflowTargets: { existing: (ids: string[]) => existingSchemaIds(deps.db, actor.tenantId, ids) } };
}

async function readLive(deps: SchemaDeps, actor: Actor, id: string): Promise<SchemaRow> {
  if (!isUuid(id)) throw new NotFoundError(`Schema ${id} not found`, { details: { id } });
  const [row] = await deps.db.select().from(schemas).where(liveSchema(actor, id));
  if (!row) throw new NotFoundError(`Schema ${id} not found`, { details: { id } });
  return row;
}

/** Creates version 1 of a new schema, with a fresh webhook secret. */
export async function createSchema(deps: SchemaDeps, actor: Actor, input: SchemaFieldsInput): Promise<SchemaView> {
  const missing = (['name', 'nodes', 'edges'] as const).filter((field) => input[field] === undefined);
  if (missing.length > 0) {
    throw new ValidationError(`Missing ${missing.join(', ')}`, { details: { issues: missing.map((field) => ({ path: `/${field}`, message: 'is required' })) } });
  }
  const fields = await validateSchemaInput(input, null, validationDeps(deps, actor));
  const status = fields.status ?? 'draft';
  if (status === 'archived') throw new ValidationError('A new schema is draft or active', { details: { issues: [{ path: '/status', message: 'must be draft or active' }] } });
  const definition = fields.definition!;
  const name = fields.name!;
  const id = randomUUID();
  try {
    const row = await deps.db.transaction(async (tx) => {
      const [created] = await tx
        .insert(schemas)
        .values({ id, tenantId: actor.tenantId, name, description: fields.description ?? '', status, version: 1, ...definition, webhookSecret: generateWebhookSecret(), createdBy: actor.userId })
        .returning();
      await tx.insert(schemaVersions).values({ schemaId: id, version: 1, tenantId: actor.tenantId, name, description: created!.description, status, ...definition, createdBy: actor.userId });
      await appendEvent(tx, outbox, { prefix: deps.prefix, contract: schemaCreatedEvent, tenantId: actor.tenantId, entity: entityOf(id), data: eventDataOf(created!) });
      return created!;
    });
    deps.wakeRelay();
    return toSchemaView(row);
  } catch (error) {
    if (isUniqueViolation(error, 'schemas_tenant_live_name_idx')) throw duplicateName(name, error);
    throw error;
  }
}

/**
 * Applies the given fields. Any change writes the next immutable version; an update that changes
 * nothing writes nothing. With `expectedVersion` (from `If-Match` or the body's `version`) a
 * schema that moved on meanwhile answers CONFLICT (409) instead of being overwritten; without it
 * the update applies to whatever version is current, atomically.
 */
export async function updateSchema(deps: SchemaDeps, actor: Actor, id: string, input: SchemaFieldsInput, expectedVersion?: number): Promise<SchemaView> {
  for (let attempt = 0; ; attempt++) {
    const current = await readLive(deps, actor, id);
    if (expectedVersion !== undefined && expectedVersion !== current.version) throw staleVersion(expectedVersion, current.version);
    const fields = await validateSchemaInput(input, current, validationDeps(deps, actor));
    const next = {
      name: fields.name ?? current.name,
      description: fields.description ?? current.description,
      status: fields.status ?? current.status,
      nodes: fields.definition?.nodes ?? current.nodes,
      edges: fields.definition?.edges ?? current.edges,
    };
    assertTransition(current.status, next.status);
    // Structural comparison: jsonb hands keys back in its own order.
    const changed = (Object.keys(next) as Array<keyof typeof next>).filter((field) => !isDeepStrictEqual(next[field], current[field]));
    if (changed.length === 0) return toSchemaView(current);
    try {
      const row = await deps.db.transaction(async (tx) => {
        const [updated] = await tx
          .update(schemas)
          .set({ ...next, version: current.version + 1, updatedAt: sql`now()` })
          .where(and(liveSchema(actor, id), eq(schemas.version, current.version)))
          .returning();
        if (!updated) return null;
        await tx.insert(schemaVersions).values({ schemaId: id, version: updated.version, tenantId: actor.tenantId, ...next, createdBy: actor.userId });
        await appendEvent(tx, outbox, {
          prefix: deps.prefix,
          contract: schemaUpdatedEvent,
          tenantId: actor.tenantId,
          entity: entityOf(id),
          data: { ...eventDataOf(updated), fields: changed },
        });
        return updated;
      });
      if (row) {
        deps.wakeRelay();
        return toSchemaView(row);
      }
    } catch (error) {
      if (isUniqueViolation(error, 'schemas_tenant_live_name_idx')) throw duplicateName(next.name, error);
      throw error;
    }
    // Another update won the race between our read and our write. Each round has a winner, so
    // unconditioned racers all get through; the bound only stops a pathological livelock.
    if (expectedVersion !== undefined || attempt >= maxUnconditionedAttempts - 1) {
      const latest = await readLive(deps, actor, id);
      throw staleVersion(expectedVersion ?? current.version, latest.version);
    }
  }
}

function staleVersion(expected: number, current: number): ConflictError {
  return new ConflictError(`The schema is at version ${current}, not ${expected}; reload it and apply your change again`, {
    details: { expected_version: expected, current_version: current },
  });
}

/** Soft delete: the schema disappears from every read but can be restored by an admin. */
export async function deleteSchema(deps: SchemaDeps, actor: Actor, id: string): Promise<void> {
  if (!isUuid(id)) throw new NotFoundError(`Schema ${id} not found`, { details: { id } });
  const row = await deps.db.transaction(async (tx) => {
    const [deleted] = await tx.update(schemas).set({ deletedAt: sql`now()`, deletedBy: actor.userId }).where(liveSchema(actor, id)).returning();
    if (!deleted) return null;
    await appendEvent(tx, outbox, {
      prefix: deps.prefix,
      contract: schemaDeletedEvent,
      tenantId: actor.tenantId,
      entity: entityOf(id),
      data: { ...eventDataOf(deleted), deleted_at: deleted.deletedAt!.toISOString() },
    });
    return deleted;
  });
  if (!row) throw new NotFoundError(`Schema ${id} not found`, { details: { id } });
  deps.wakeRelay();
}

/** Replaces the webhook secret; calls signed with the old one stop being accepted. No new version. */
export async function rotateWebhookSecret(deps: SchemaDeps, actor: Actor, id: string): Promise<WebhookSecretView> {
  if (!isUuid(id)) throw new NotFoundError(`Schema ${id} not found`, { details: { id } });
  const row = await deps.db.transaction(async (tx) => {
    const [rotated] = await tx
      .update(schemas)
      .set({ webhookSecret: generateWebhookSecret(), webhookSecretRotatedAt: sql`now()`, updatedAt: sql`now()` })
      .where(liveSchema(actor, id))
      .returning();
    if (!rotated) return null;
    await appendEvent(tx, outbox, {
      prefix: deps.prefix,
      contract: schemaUpdatedEvent,
      tenantId: actor.tenantId,
      entity: entityOf(id),
      data: { ...eventDataOf(rotated), fields: ['webhook_secret'] },
    });
    return rotated;
  });
  if (!row) throw new NotFoundError(`Schema ${id} not found`, { details: { id } });
  deps.wakeRelay();
  return toWebhookSecretView(row);
}
