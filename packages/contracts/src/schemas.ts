import { z } from 'zod';
import { defineEvent } from './events';
import { defineRequest } from './requests';

/**
 * The schemas service's messages. Request: `<prefix>.schemas.schema-version` (the engine reads
 * the definition it runs). Events (through the outbox): `schemas.schema.created|updated|deleted|
 * restored|purged`, entity `Schema`.
 */

export const schemaStatuses = ['draft', 'active', 'archived'] as const;
export type SchemaStatus = (typeof schemaStatuses)[number];

/** A node of a stored schema; `config` is always present (validated against its type). */
export const schemaNodeSchema = z.object({
  id: z.string(),
  type: z.string(),
  name: z.string().optional(),
  config: z.record(z.string(), z.unknown()),
  position: z.object({ x: z.number(), y: z.number() }).optional(),
});
export type SchemaNodeJson = z.infer<typeof schemaNodeSchema>;

/** An edge of a stored schema; ports are always filled in when it is saved. */
export const schemaEdgeSchema = z.object({
  id: z.string(),
  source: z.string(),
  source_port: z.string(),
  target: z.string(),
  target_port: z.string(),
});
export type SchemaEdgeJson = z.infer<typeof schemaEdgeSchema>;

/**
 * `<prefix>.schemas.schema-version`: one immutable version of a tenant's schema (the latest when
 * `version` is absent), with the schema's current status and webhook secret. A soft-deleted
 * schema answers RESOURCE_NOT_FOUND unless `include_deleted` (for executions already pinned to it).
 */
export const schemaVersionRequest = defineRequest({
  verb: 'schema-version',
  request: z
    .object({
      /**
       * The caller's tenant; only a schema of that tenant is found. Omit it only where the schema
       * id is all the caller has (webhook intake): the answer names the tenant, and the webhook
       * signature checked with `webhook_secret` is what authenticates the call.
       */
      tenant_id: z.string().min(1).optional(),
      schema_id: z.string().min(1),
      version: z.number().int().positive().optional(),
      include_deleted: z.boolean().default(false),
    })
    .strict(),
  response: z.object({
    schema_id: z.string(),
    tenant_id: z.string(),
    name: z.string(),
    /** The schema's status now (only `active` schemas may be triggered by webhook or schedule). */
    status: z.enum(schemaStatuses),
    /** The version answered, and the schema's latest version. */
    version: z.number().int().positive(),
    latest_version: z.number().int().positive(),
    nodes: z.array(schemaNodeSchema),
    edges: z.array(schemaEdgeSchema),
    webhook_secret: z.string(),
    version_created_at: z.string(),
    deleted_at: z.string().nullable(),
  }),
});

const schemaEventData = z.object({
  id: z.string(),
  name: z.string(),
  status: z.enum(schemaStatuses),
  version: z.number().int().positive(),
  updated_at: z.string(),
});

export const schemaCreatedEvent = defineEvent({ service: 'schemas', entity: 'schema', verb: 'created', data: schemaEventData });
/** Any change: definition (a new version), status, or webhook secret rotation (`fields` says which). */
export const schemaUpdatedEvent = defineEvent({
  service: 'schemas',
  entity: 'schema',
  verb: 'updated',
  data: schemaEventData.extend({ fields: z.array(z.string()) }),
});
export const schemaDeletedEvent = defineEvent({ service: 'schemas', entity: 'schema', verb: 'deleted', data: schemaEventData.extend({ deleted_at: z.string() }) });
export const schemaRestoredEvent = defineEvent({ service: 'schemas', entity: 'schema', verb: 'restored', data: schemaEventData });
export const schemaPurgedEvent = defineEvent({ service: 'schemas', entity: 'schema', verb: 'purged', data: z.object({ id: z.string(), name: z.string() }) });
