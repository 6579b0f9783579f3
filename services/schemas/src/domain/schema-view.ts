import type { SchemaEdgeJson, SchemaNodeJson, SchemaStatus } from '@conveyor/contracts';
import type { schemas, schemaVersions } from '../db/schema';

export type SchemaRow = typeof schemas.$inferSelect;
export type SchemaVersionRow = typeof schemaVersions.$inferSelect;

/** A schema as the API shows it (the documented Schema JSON of `000_*.txt` 5.1 plus `version`). */
export interface SchemaView {
  id: string;
  name: string;
  description: string;
  status: SchemaStatus;
  version: number;
  nodes: SchemaNodeJson[];
  edges: SchemaEdgeJson[];
  createdAt: string;
  updatedAt: string;
}

export interface SchemaVersionView {
  schemaId: string;
  version: number;
  name: string;
  description: string;
  status: SchemaStatus;
  nodes: SchemaNodeJson[];
  edges: SchemaEdgeJson[];
  createdBy: string | null;
  createdAt: string;
}

export interface WebhookSecretView {
  schemaId: string;
  webhookSecret: string;
  rotatedAt: string;
}

/** Who acts: the verified caller's tenant and user. */
export interface Actor {
  tenantId: string;
  userId: string;
}

export const toSchemaView = (row: SchemaRow): SchemaView => ({
  id: row.id,
  name: row.name,
  description: row.description,
  status: row.status,
  version: row.version,
  nodes: row.nodes,
  edges: row.edges,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

export const toVersionView = (row: SchemaVersionRow): SchemaVersionView => ({
  schemaId: row.schemaId,
  version: row.version,
  name: row.name,
  description: row.description,
  status: row.status,
  nodes: row.nodes,
  edges: row.edges,
  createdBy: row.createdBy,
  createdAt: row.createdAt.toISOString(),
});

export const toWebhookSecretView = (row: SchemaRow): WebhookSecretView => ({
  schemaId: row.id,
  webhookSecret: row.webhookSecret,
  rotatedAt: row.webhookSecretRotatedAt.toISOString(),
});

/** Ids are UUIDs; anything else cannot name a schema, so it is simply not found (never a 500 from PostgreSQL). */
export function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
