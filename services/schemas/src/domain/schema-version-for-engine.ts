import { unstorableText, type schemaVersionRequest } from '@conveyor/contracts';
import { NotFoundError } from '@conveyor/errors';
import { and, eq } from 'drizzle-orm';
import type { z } from 'zod';
import { schemas, schemaVersions } from '../db/schema';
import type { SchemaDeps } from './schema-deps';
import { isUuid } from './schema-view';

type Request = z.output<typeof schemaVersionRequest.request>;
type Response = z.input<typeof schemaVersionRequest.response>;

/**
 * What the engine runs: one version's graph with the schema's current status and webhook secret.
 * A deleted schema is not found unless the caller asks for it (an execution already pinned to it).
 */
export async function readSchemaVersionForEngine(deps: Pick<SchemaDeps, 'db'>, request: Request): Promise<Response> {
  const notFound = () => new NotFoundError(`Schema ${request.schema_id} not found`, { details: { id: request.schema_id } });
  const tenantId = request.tenant_id;
  if (!isUuid(request.schema_id) || (tenantId !== undefined && unstorableText(tenantId))) throw notFound();
  const [schema] = await deps.db
    .select()
    .from(schemas)
    .where(tenantId === undefined ? eq(schemas.id, request.schema_id) : and(eq(schemas.id, request.schema_id), eq(schemas.tenantId, tenantId)));
  if (!schema || (schema.deletedAt && !request.include_deleted)) throw notFound();
  const wanted = request.version ?? schema.version;
  const [version] = await deps.db
    .select()
    .from(schemaVersions)
    .where(and(eq(schemaVersions.schemaId, schema.id), eq(schemaVersions.version, wanted)));
  if (!version) throw new NotFoundError(`Schema ${schema.id} has no version ${wanted}`, { details: { id: schema.id, version: wanted, latest_version: schema.version } });
  return {
    schema_id: schema.id,
    tenant_id: schema.tenantId,
    name: schema.name,
    status: schema.status,
    version: version.version,
    latest_version: schema.version,
    nodes: version.nodes,
    edges: version.edges,
    webhook_secret: schema.webhookSecret,
    version_created_at: version.createdAt.toISOString(),
    deleted_at: schema.deletedAt?.toISOString() ?? null,
  };
}
