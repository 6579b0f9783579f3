import { schemaVersionRequest } from '@conveyor/contracts';
import { NotFoundError } from '@conveyor/errors';
import { requestOverNats } from '@conveyor/service-runtime';
import type { NatsConnection } from 'nats';
import type pg from 'pg';
import type { SchemaSource, SchemaVersion } from '../domain/engine-deps';
import { tenantOfSchema } from '../db/schema-directory';

/**
 * Schema versions from the schemas service (`<prefix>.schemas.schema-version`). A webhook call
 * carries no token, so its tenant comes from the schema directory this service keeps from the
 * schemas service's events (see `schema-directory-consumer.ts`).
 */
export function createSchemasClient(options: { nc: NatsConnection; subject: string; pool: pg.Pool }): SchemaSource {
  const load = async (tenantId: string, schemaId: string, version?: number): Promise<SchemaVersion> => {
    const answer = await requestOverNats({
      nc: options.nc,
      subject: options.subject,
      contract: schemaVersionRequest,
      payload: { tenant_id: tenantId, schema_id: schemaId, ...(version !== undefined ? { version } : {}) },
    });
    return {
      schemaId: answer.schema_id,
      tenantId: answer.tenant_id,
      version: answer.version,
      status: answer.status,
      nodes: answer.nodes,
      edges: answer.edges,
      webhookSecret: answer.webhook_secret.length > 0 ? answer.webhook_secret : null,
    };
  };
  return {
    load,
    async loadForWebhook(schemaId) {
      const tenantId = await tenantOfSchema(options.pool, schemaId);
      if (!tenantId) throw new NotFoundError(`schema ${schemaId} not found`, { details: { schema_id: schemaId } });
      return load(tenantId, schemaId);
    },
  };
}
