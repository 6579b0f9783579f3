import type { SchemaEdgeJson, SchemaNodeJson, SchemaStatus } from '@conveyor/contracts';
import { sql } from 'drizzle-orm';
import { check, index, integer, jsonb, pgSchema, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createOutboxTable } from '@conveyor/service-runtime/outbox-table';

export const schemasSchema = pgSchema('schemas');
export const outbox = createOutboxTable(schemasSchema);

const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/**
 * A workflow definition: its current state (a copy of its latest version's graph, so reads need
 * one row) plus what is not versioned (webhook secret, deletion). Soft-deleted rows keep
 * `deleted_at`; every read of the API filters them out. Names are unique per tenant among live
 * schemas, case-insensitively.
 */
export const schemas = schemasSchema.table(
  'schemas',
  {
    id: uuid('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    status: text('status').$type<SchemaStatus>().notNull(),
    version: integer('version').notNull(),
    nodes: jsonb('nodes').$type<SchemaNodeJson[]>().notNull(),
    edges: jsonb('edges').$type<SchemaEdgeJson[]>().notNull(),
    webhookSecret: text('webhook_secret').notNull(),
    webhookSecretRotatedAt: timestamptz('webhook_secret_rotated_at').notNull().defaultNow(),
    createdBy: text('created_by'),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
    deletedAt: timestamptz('deleted_at'),
    deletedBy: text('deleted_by'),
  },
  (table) => [
    check('schemas_status_check', sql`${table.status} in ('draft', 'active', 'archived')`),
    check('schemas_version_check', sql`${table.version} >= 1`),
    index('schemas_tenant_live_created_idx').on(table.tenantId, table.createdAt).where(sql`${table.deletedAt} is null`),
    index('schemas_tenant_deleted_idx').on(table.tenantId, table.deletedAt).where(sql`${table.deletedAt} is not null`),
    uniqueIndex('schemas_tenant_live_name_idx').on(table.tenantId, sql`lower(${table.name})`).where(sql`${table.deletedAt} is null`),
  ],
);

/** One immutable version of a schema: written once when the schema changes, never updated. */
export const schemaVersions = schemasSchema.table(
  'schema_versions',
  {
    schemaId: uuid('schema_id')
      .notNull()
      .references(() => schemas.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    tenantId: text('tenant_id').notNull(),
    name: text('name').notNull(),
    description: text('description').notNull(),
    status: text('status').$type<SchemaStatus>().notNull(),
    nodes: jsonb('nodes').$type<SchemaNodeJson[]>().notNull(),
    edges: jsonb('edges').$type<SchemaEdgeJson[]>().notNull(),
    createdBy: text('created_by'),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.schemaId, table.version] })],
);
