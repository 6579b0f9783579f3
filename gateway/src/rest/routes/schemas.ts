import { ValidationError } from '@conveyor/errors';
import { z } from 'zod';
import { defineRoute, type RestRoute } from '../route-table';

/**
 * `000_*.txt` 4.1 (schemas, Schema JSON of 5.1 plus `version`), their versions and webhook secret,
 * and the admin soft-delete API of `002_*.txt` adapted from pipelines to schemas.
 */

const statuses = ['draft', 'active', 'archived'] as const;
const schemaFields = 'id name description status version nodes edges createdAt updatedAt';
const versionFields = 'schemaId version name description status nodes edges createdBy createdAt';
const secretFields = 'schemaId webhookSecret rotatedAt';

interface SchemaData {
  id: string;
  name: string;
  description: string;
  status: (typeof statuses)[number];
  version: number;
  nodes: unknown[];
  edges: unknown[];
  createdAt: string;
  updatedAt: string;
}

interface VersionData extends Omit<SchemaData, 'id' | 'updatedAt'> {
  schemaId: string;
  createdBy: string | null;
}

const schemaBody = z.object({
  id: z.uuid(),
  name: z.string(),
  description: z.string(),
  status: z.enum(statuses),
  version: z.number().int(),
  nodes: z.array(z.unknown()),
  edges: z.array(z.unknown()),
  created_at: z.string(),
  updated_at: z.string(),
});

const toSchemaBody = (s: SchemaData): z.infer<typeof schemaBody> => ({
  id: s.id,
  name: s.name,
  description: s.description,
  status: s.status,
  version: s.version,
  nodes: s.nodes,
  edges: s.edges,
  created_at: s.createdAt,
  updated_at: s.updatedAt,
});

const versionBody = z.object({
  schema_id: z.uuid(),
  version: z.number().int(),
  name: z.string(),
  description: z.string(),
  status: z.enum(statuses),
  nodes: z.array(z.unknown()).optional(),
  edges: z.array(z.unknown()).optional(),
  created_by: z.string().nullable(),
  created_at: z.string(),
});

const toVersionBody = (v: VersionData, withGraph: boolean): z.infer<typeof versionBody> => ({
  schema_id: v.schemaId,
  version: v.version,
  name: v.name,
  description: v.description,
  status: v.status,
  ...(withGraph ? { nodes: v.nodes, edges: v.edges } : {}),
  created_by: v.createdBy,
  created_at: v.createdAt,
});

const secretBody = z.object({ schema_id: z.uuid(), webhook_secret: z.string(), rotated_at: z.string() });
const toSecretBody = (s: { schemaId: string; webhookSecret: string; rotatedAt: string }) => ({ schema_id: s.schemaId, webhook_secret: s.webhookSecret, rotated_at: s.rotatedAt });

const etagOf = (version: number) => ({ etag: `"${version}"` });
const idParams = z.object({ id: z.uuid('must be a UUID') });
const paging = (defaultLimit: number, maxLimit: number) => ({
  limit: z.coerce.number().int().min(1).max(maxLimit).default(defaultLimit),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

// Nodes and edges are checked in depth by the schemas service, which reports every problem with a
// JSON pointer into this body (`/nodes/2/config/url`); here only the top level is checked.
const definitionFields = {
  name: z.string(),
  description: z.string(),
  status: z.enum(statuses),
  nodes: z.array(z.unknown()),
  edges: z.array(z.unknown()),
};

/**
 * The expected version of a PUT: `If-Match: "3"` (or `W/"3"`, or `3`), or `version` in the body.
 * `If-Match: *` asks for no particular version.
 */
function expectedVersionOf(headers: Record<string, string | string[] | undefined>, bodyVersion: number | undefined): number | null {
  const raw = headers['if-match'];
  const header = Array.isArray(raw) ? raw.join(',') : raw;
  let fromHeader: number | undefined;
  if (header !== undefined && header.trim() !== '*') {
    const match = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(header);
    if (!match) throw new ValidationError('If-Match must name one schema version, e.g. "3"', { details: { issues: [{ path: '/headers/if-match', message: 'must be a version number in quotes' }] } });
    fromHeader = Number(match[1]);
  }
  if (fromHeader !== undefined && bodyVersion !== undefined && fromHeader !== bodyVersion) {
    throw new ValidationError('If-Match and the body version disagree', { details: { issues: [{ path: '/body/version', message: `differs from If-Match ${fromHeader}` }] } });
  }
  return fromHeader ?? bodyVersion ?? null;
}

const schemaRoutes: RestRoute[] = [
  defineRoute({
    operationId: 'listSchemas',
    method: 'GET',
    path: '/api/schemas',
    summary: 'List schemas (newest first), filtered by status and name',
    tag: 'schemas',
    query: z.object({ status: z.enum(statuses).optional(), name: z.string().min(1).max(200).optional(), ...paging(20, 100) }).strict(),
    operation: `query Schemas($status: SchemaStatus, $name: String, $limit: Int, $offset: Int) {
      schemas(status: $status, name: $name, limit: $limit, offset: $offset) { items { ${schemaFields} } total limit offset }
    }`,
    variables: ({ query }) => ({ status: query.status ?? null, name: query.name ?? null, limit: query.limit, offset: query.offset }),
    status: 200,
    respond: (data) => {
      const page = data.schemas as { items: SchemaData[]; total: number; limit: number; offset: number };
      return { items: page.items.map(toSchemaBody), total: page.total, limit: page.limit, offset: page.offset };
    },
    response: z.object({ items: z.array(schemaBody), total: z.number().int(), limit: z.number().int(), offset: z.number().int() }),
  }),
  defineRoute({
    operationId: 'getSchema',
    method: 'GET',
    path: '/api/schemas/:id',
    summary: 'Get a schema (ETag: its version)',
    tag: 'schemas',
    params: idParams,
    operation: `query Schema($id: ID!) { schema(id: $id) { ${schemaFields} } }`,
    variables: ({ params }) => ({ id: params.id }),
    status: 200,
    respond: (data) => toSchemaBody(data.schema as SchemaData),
    responseHeaders: (data) => etagOf((data.schema as SchemaData).version),
    response: schemaBody,
  }),
  defineRoute({
    operationId: 'createSchema',
    method: 'POST',
    path: '/api/schemas',
    summary: 'Create a schema (validated; version 1, draft unless status is active)',
    tag: 'schemas',
    body: z.object({ ...definitionFields, description: definitionFields.description.optional(), status: definitionFields.status.optional() }).strict(),
    operation: `mutation CreateSchema($input: CreateSchemaInput!) { createSchema(input: $input) { ${schemaFields} } }`,
    variables: ({ body }) => ({ input: body }),
    status: 201,
    respond: (data) => toSchemaBody(data.createSchema as SchemaData),
    responseHeaders: (data) => etagOf((data.createSchema as SchemaData).version),
    response: schemaBody,
  }),
  defineRoute({
    operationId: 'updateSchema',
    method: 'PUT',
    path: '/api/schemas/:id',
    summary: 'Update a schema: the given fields, as the next version; If-Match or version → 409 when stale',
    tag: 'schemas',
    params: idParams,
    body: z
      .object({
        name: definitionFields.name.optional(),
        description: definitionFields.description.optional(),
        status: definitionFields.status.optional(),
        nodes: definitionFields.nodes.optional(),
        edges: definitionFields.edges.optional(),
        version: z.number().int().positive().max(2_147_483_647).optional(),
      })
      .strict(),
    operation: `mutation UpdateSchema($id: ID!, $input: UpdateSchemaInput!, $expectedVersion: Int) {
      updateSchema(id: $id, input: $input, expectedVersion: $expectedVersion) { ${schemaFields} }
    }`,
    variables: ({ params, body, headers }) => {
      const { version, ...input } = body;
      return { id: params.id, input, expectedVersion: expectedVersionOf(headers, version) };
    },
    status: 200,
    respond: (data) => toSchemaBody(data.updateSchema as SchemaData),
    responseHeaders: (data) => etagOf((data.updateSchema as SchemaData).version),
    response: schemaBody,
  }),
  defineRoute({
    operationId: 'deleteSchema',
    method: 'DELETE',
    path: '/api/schemas/:id',
    summary: 'Delete a schema (soft: restorable by an admin)',
    tag: 'schemas',
    params: idParams,
    operation: 'mutation DeleteSchema($id: ID!) { deleteSchema(id: $id) }',
    variables: ({ params }) => ({ id: params.id }),
    status: 204,
    respond: () => undefined,
  }),
  defineRoute({
    operationId: 'listSchemaVersions',
    method: 'GET',
    path: '/api/schemas/:id/versions',
    summary: "A schema's versions, newest first (without graphs)",
    tag: 'schemas',
    params: idParams,
    query: z.object(paging(20, 100)).strict(),
    operation: `query SchemaVersions($id: ID!, $limit: Int, $offset: Int) {
      schemaVersions(id: $id, limit: $limit, offset: $offset) { items { ${versionFields} } total limit offset }
    }`,
    variables: ({ params, query }) => ({ id: params.id, limit: query.limit, offset: query.offset }),
    status: 200,
    respond: (data) => {
      const page = data.schemaVersions as { items: VersionData[]; total: number; limit: number; offset: number };
      return { items: page.items.map((v) => toVersionBody(v, false)), total: page.total, limit: page.limit, offset: page.offset };
    },
    response: z.object({ items: z.array(versionBody), total: z.number().int(), limit: z.number().int(), offset: z.number().int() }),
  }),
  defineRoute({
    operationId: 'getSchemaVersion',
    method: 'GET',
    path: '/api/schemas/:id/versions/:version',
    summary: 'One immutable version of a schema, with its graph',
    tag: 'schemas',
    params: z.object({ id: z.uuid('must be a UUID'), version: z.coerce.number().int().min(1).max(2_147_483_647) }),
    operation: `query SchemaVersion($id: ID!, $version: Int!) { schemaVersion(id: $id, version: $version) { ${versionFields} } }`,
    variables: ({ params }) => ({ id: params.id, version: params.version }),
    status: 200,
    respond: (data) => toVersionBody(data.schemaVersion as VersionData, true),
    response: versionBody,
  }),
  defineRoute({
    operationId: 'getSchemaWebhookSecret',
    method: 'GET',
    path: '/api/schemas/:id/webhook-secret',
    summary: 'The secret webhook calls are signed with (engineers and above)',
    tag: 'schemas',
    params: idParams,
    operation: `query SchemaWebhookSecret($id: ID!) { schemaWebhookSecret(id: $id) { ${secretFields} } }`,
    variables: ({ params }) => ({ id: params.id }),
    status: 200,
    respond: (data) => toSecretBody(data.schemaWebhookSecret as never),
    response: secretBody,
  }),
  defineRoute({
    operationId: 'rotateSchemaWebhookSecret',
    method: 'POST',
    path: '/api/schemas/:id/webhook-secret/rotate',
    summary: 'Replace the webhook secret (the old one stops working)',
    tag: 'schemas',
    params: idParams,
    operation: `mutation RotateSchemaWebhookSecret($id: ID!) { rotateSchemaWebhookSecret(id: $id) { ${secretFields} } }`,
    variables: ({ params }) => ({ id: params.id }),
    status: 200,
    respond: (data) => toSecretBody(data.rotateSchemaWebhookSecret as never),
    response: secretBody,
  }),
];

const isoDateTime = z.iso.datetime({ offset: true });

const adminRoutes: RestRoute[] = [
  defineRoute({
    operationId: 'listDeletedEntities',
    method: 'GET',
    path: '/api/v1/admin/deleted-entities',
    summary: 'Soft-deleted entities of the tenant (admins)',
    tag: 'admin',
    query: z
      .object({ entity_type: z.enum(['schemas', 'schema']).optional(), deleted_after: isoDateTime.optional(), deleted_before: isoDateTime.optional(), ...paging(50, 200) })
      .strict(),
    operation: `query DeletedEntities($entityType: String, $deletedAfter: String, $deletedBefore: String, $limit: Int, $offset: Int) {
      deletedEntities(entityType: $entityType, deletedAfter: $deletedAfter, deletedBefore: $deletedBefore, limit: $limit, offset: $offset) {
        items { entityType entityId entityName deletedBy deletedAt canRestore } total
      }
    }`,
    variables: ({ query }) => ({
      entityType: query.entity_type ?? null,
      deletedAfter: query.deleted_after ?? null,
      deletedBefore: query.deleted_before ?? null,
      limit: query.limit,
      offset: query.offset,
    }),
    status: 200,
    respond: (data) => {
      const page = data.deletedEntities as { items: Array<{ entityType: string; entityId: string; entityName: string; deletedBy: string | null; deletedAt: string; canRestore: boolean }>; total: number };
      return {
        items: page.items.map((e) => ({ entity_type: e.entityType, entity_id: e.entityId, entity_name: e.entityName, deleted_by: e.deletedBy, deleted_at: e.deletedAt, can_restore: e.canRestore })),
        total: page.total,
      };
    },
    response: z.object({
      items: z.array(z.object({ entity_type: z.string(), entity_id: z.string(), entity_name: z.string(), deleted_by: z.string().nullable(), deleted_at: z.string(), can_restore: z.boolean() })),
      total: z.number().int(),
    }),
  }),
  defineRoute({
    operationId: 'getDeletionStats',
    method: 'GET',
    path: '/api/v1/admin/deletion-stats',
    summary: 'Counts and recoverable size of soft-deleted entities (admins)',
    tag: 'admin',
    operation: 'query DeletionStats { deletionStats { totalDeleted byType oldestDeletion diskSpaceRecoverableMb } }',
    variables: () => ({}),
    status: 200,
    respond: (data) => {
      const s = data.deletionStats as { totalDeleted: number; byType: Record<string, number>; oldestDeletion: string | null; diskSpaceRecoverableMb: number };
      return { total_deleted: s.totalDeleted, by_type: s.byType, oldest_deletion: s.oldestDeletion, disk_space_recoverable_mb: s.diskSpaceRecoverableMb };
    },
    response: z.object({ total_deleted: z.number().int(), by_type: z.record(z.string(), z.number().int()), oldest_deletion: z.string().nullable(), disk_space_recoverable_mb: z.number() }),
  }),
  defineRoute({
    operationId: 'cleanupOldDeletions',
    method: 'POST',
    path: '/api/v1/admin/cleanup-old-deletions',
    summary: 'Purge entities deleted more than older_than_days ago (dry_run, the default, only counts)',
    tag: 'admin',
    body: z
      .object({
        older_than_days: z.number().int().min(0).max(36_500).default(90),
        entity_types: z.array(z.enum(['schemas'])).max(10).optional(),
        dry_run: z.boolean().default(true),
      })
      .strict(),
    operation: `mutation CleanupOldDeletions($olderThanDays: Int!, $entityTypes: [String!], $dryRun: Boolean!) {
      cleanupOldDeletions(olderThanDays: $olderThanDays, entityTypes: $entityTypes, dryRun: $dryRun) { dryRun entitiesToDelete diskSpaceToFreeMb breakdown }
    }`,
    variables: ({ body }) => ({ olderThanDays: body.older_than_days, entityTypes: body.entity_types ?? null, dryRun: body.dry_run }),
    status: 200,
    respond: (data) => {
      const r = data.cleanupOldDeletions as { dryRun: boolean; entitiesToDelete: number; diskSpaceToFreeMb: number; breakdown: Record<string, number> };
      return { dry_run: r.dryRun, entities_to_delete: r.entitiesToDelete, disk_space_to_free_mb: r.diskSpaceToFreeMb, breakdown: r.breakdown };
    },
    response: z.object({ dry_run: z.boolean(), entities_to_delete: z.number().int(), disk_space_to_free_mb: z.number(), breakdown: z.record(z.string(), z.number().int()) }),
  }),
  defineRoute({
    operationId: 'restoreSchema',
    method: 'POST',
    path: '/api/v1/admin/schemas/:id/restore',
    summary: 'Restore a soft-deleted schema with its versions (admins)',
    tag: 'admin',
    params: idParams,
    operation: 'mutation RestoreSchema($id: ID!) { restoreSchema(id: $id) { schemaId restored relatedEntitiesRestored restoredAt } }',
    variables: ({ params }) => ({ id: params.id }),
    status: 200,
    respond: (data) => {
      const r = data.restoreSchema as { schemaId: string; restored: boolean; relatedEntitiesRestored: Record<string, number>; restoredAt: string };
      return { schema_id: r.schemaId, restored: r.restored, related_entities_restored: r.relatedEntitiesRestored, restored_at: r.restoredAt };
    },
    response: z.object({ schema_id: z.uuid(), restored: z.boolean(), related_entities_restored: z.record(z.string(), z.number().int()), restored_at: z.string() }),
  }),
  defineRoute({
    operationId: 'purgeSchema',
    method: 'DELETE',
    path: '/api/v1/admin/schemas/:id/permanent',
    summary: 'Permanently delete a soft-deleted schema and its versions (admins)',
    tag: 'admin',
    params: idParams,
    operation: 'mutation PurgeSchema($id: ID!) { purgeSchema(id: $id) { schemaId permanentlyDeleted cascadeDeleted diskSpaceFreedMb } }',
    variables: ({ params }) => ({ id: params.id }),
    status: 200,
    respond: (data) => {
      const r = data.purgeSchema as { schemaId: string; permanentlyDeleted: boolean; cascadeDeleted: Record<string, number>; diskSpaceFreedMb: number };
      return { schema_id: r.schemaId, permanently_deleted: r.permanentlyDeleted, cascade_deleted: r.cascadeDeleted, disk_space_freed_mb: r.diskSpaceFreedMb };
    },
    response: z.object({ schema_id: z.uuid(), permanently_deleted: z.boolean(), cascade_deleted: z.record(z.string(), z.number().int()), disk_space_freed_mb: z.number() }),
  }),
];

export const schemasRoutes: RestRoute[] = [...schemaRoutes, ...adminRoutes];
