import type { SchemaStatus } from '@conveyor/contracts';
import { ValidationError } from '@conveyor/errors';
import { serviceStatusFieldResolvers, type RequestContext, type StatusService, type SubgraphResolvers } from '@conveyor/service-runtime';
import { cleanupOldDeletions, listDeletedSchemas, purgeSchema, readDeletionStats, restoreSchema } from '../domain/schema-admin';
import { createSchema, deleteSchema, rotateWebhookSecret, updateSchema } from '../domain/schema-commands';
import type { SchemaDeps } from '../domain/schema-deps';
import { getSchema, getSchemaVersion, getWebhookSecret, listSchemas, listSchemaVersions } from '../domain/schema-queries';
import type { SchemaFieldsInput } from '../domain/validate-schema-input';
import { optionalDate, page, schemaEntityTypes } from './arguments';
import { authorize } from './authorize';

type Context = RequestContext;
type Paging = { limit?: number; offset?: number };

export function createResolvers(deps: { status: StatusService; schemas: SchemaDeps }): SubgraphResolvers {
  const d = deps.schemas;
  return {
    Query: {
      schemasStatus: () => deps.status.own(),
      schemasPeerStatus: () => deps.status.ofPeer('executions'),
      schemas: (_: unknown, args: { status?: SchemaStatus | null; name?: string | null } & Paging, context: Context) =>
        listSchemas(d, authorize(context, 'workflow:read'), { status: args.status ?? null, name: args.name ?? null, ...page(args) }),
      schema: (_: unknown, args: { id: string }, context: Context) => getSchema(d, authorize(context, 'workflow:read'), args.id),
      schemaVersion: (_: unknown, args: { id: string; version: number }, context: Context) =>
        getSchemaVersion(d, authorize(context, 'workflow:read'), args.id, args.version),
      schemaVersions: (_: unknown, args: { id: string } & Paging, context: Context) =>
        listSchemaVersions(d, authorize(context, 'workflow:read'), args.id, page(args)),
      schemaWebhookSecret: (_: unknown, args: { id: string }, context: Context) => getWebhookSecret(d, authorize(context, 'workflow:write'), args.id),
      deletedEntities: (_: unknown, args: { entityType?: string | null; deletedAfter?: string | null; deletedBefore?: string | null } & Paging, context: Context) => {
        const actor = authorize(context, 'platform:admin');
        schemaEntityTypes([args.entityType], '/entity_type');
        return listDeletedSchemas(d, actor, {
          deletedAfter: optionalDate(args.deletedAfter, '/deleted_after'),
          deletedBefore: optionalDate(args.deletedBefore, '/deleted_before'),
          ...page(args, 200, 50),
        });
      },
      deletionStats: (_: unknown, __: unknown, context: Context) => readDeletionStats(d, authorize(context, 'platform:admin')),
    },
    Mutation: {
      createSchema: (_: unknown, args: { input: SchemaFieldsInput }, context: Context) => createSchema(d, authorize(context, 'workflow:write'), args.input),
      updateSchema: (_: unknown, args: { id: string; input: SchemaFieldsInput; expectedVersion?: number | null }, context: Context) =>
        updateSchema(d, authorize(context, 'workflow:write'), args.id, args.input, args.expectedVersion ?? undefined),
      deleteSchema: async (_: unknown, args: { id: string }, context: Context) => {
        await deleteSchema(d, authorize(context, 'workflow:write'), args.id);
        return true;
      },
      rotateSchemaWebhookSecret: (_: unknown, args: { id: string }, context: Context) => rotateWebhookSecret(d, authorize(context, 'workflow:write'), args.id),
      restoreSchema: (_: unknown, args: { id: string }, context: Context) => restoreSchema(d, authorize(context, 'platform:admin'), args.id),
      purgeSchema: (_: unknown, args: { id: string }, context: Context) => purgeSchema(d, authorize(context, 'platform:admin'), args.id),
      cleanupOldDeletions: (_: unknown, args: { olderThanDays: number; entityTypes?: string[] | null; dryRun: boolean }, context: Context) => {
        const actor = authorize(context, 'platform:admin');
        schemaEntityTypes(args.entityTypes ?? [], '/entity_types');
        if (args.olderThanDays < 0 || args.olderThanDays > 36_500) {
          throw new ValidationError('older_than_days out of range', { details: { issues: [{ path: '/older_than_days', message: 'must be between 0 and 36500' }] } });
        }
        return cleanupOldDeletions(d, actor, { olderThanDays: args.olderThanDays, dryRun: args.dryRun });
      },
    },
    Schema: {
      __resolveReference: (reference: { id: string }, context: Context) => getSchema(d, authorize(context, 'workflow:read'), reference.id),
    },
    ServiceStatus: serviceStatusFieldResolvers,
  };
}
