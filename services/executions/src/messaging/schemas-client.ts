import { eventEnvelopeSchema, schemaVersionRequest } from '@conveyor/contracts';
import { NotFoundError } from '@conveyor/errors';
import { requestOverNats, type Logger } from '@conveyor/service-runtime';
import type { NatsConnection, Subscription } from 'nats';
import type pg from 'pg';
import type { SchemaSource, SchemaVersion } from '../domain/engine-deps';
import { tenantOfSchema } from '../db/schema-directory';

const decoder = new TextDecoder();

export interface SchemasClient extends SchemaSource {
  /** Stops listening for schema events. */
  close(): void;
}

/**
 * Schema versions from the schemas service (`<prefix>.schemas.schema-version`). A webhook call
 * carries no token, so its tenant comes from the schema directory this service keeps from the
 * schemas service's events (see `schema-directory-consumer.ts`).
 *
 * The latest version of a schema is cached for `ttlMs`: every replica listens to the schemas
 * service's events on core NATS and drops a schema's entry on any of them (new version, status,
 * secret rotation, deletion), so a change takes effect within the relay's latency; the TTL
 * bounds staleness if an event is missed. Pinned versions (`version` given) are immutable.
 */
export function createSchemasClient(options: { nc: NatsConnection; subject: string; pool: pg.Pool; prefix: string; logger: Logger; ttlMs?: number }): SchemasClient {
  const ttlMs = options.ttlMs ?? 30_000;
  const latest = new Map<string, { version: SchemaVersion; until: number }>();
  const tenants = new Map<string, string>();
  // Bumped by every event of a schema: an answer that was in flight across an event is not cached.
  const generations = new Map<string, number>();
  const subscription: Subscription = options.nc.subscribe(`${options.prefix}.schemas.schema.*`, {
    callback: (err, msg) => {
      if (err) return;
      try {
        const event = eventEnvelopeSchema.parse(JSON.parse(decoder.decode(msg.data)));
        latest.delete(event.entity.id);
        generations.set(event.entity.id, (generations.get(event.entity.id) ?? 0) + 1);
        if (event.type.endsWith('.purged')) tenants.delete(event.entity.id);
      } catch (error) {
        options.logger.warn({ err: error }, 'unreadable schema event');
      }
    },
  });

  const ask = async (tenantId: string, schemaId: string, version?: number): Promise<SchemaVersion> => {
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

  const load = async (tenantId: string, schemaId: string, version?: number): Promise<SchemaVersion> => {
    if (version !== undefined) return ask(tenantId, schemaId, version);
    const cached = latest.get(schemaId);
    if (cached && cached.until > Date.now() && cached.version.tenantId === tenantId) return cached.version;
    const generation = generations.get(schemaId) ?? 0;
    const fresh = await ask(tenantId, schemaId);
    if (latest.size > 10_000) latest.clear();
    if ((generations.get(schemaId) ?? 0) === generation) latest.set(schemaId, { version: fresh, until: Date.now() + ttlMs });
    return fresh;
  };

  return {
    load,
    async loadForWebhook(schemaId) {
      const tenantId = tenants.get(schemaId) ?? (await tenantOfSchema(options.pool, schemaId));
      if (!tenantId) throw new NotFoundError(`schema ${schemaId} not found`, { details: { schema_id: schemaId } });
      if (tenants.size > 100_000) tenants.clear();
      tenants.set(schemaId, tenantId);
      return load(tenantId, schemaId);
    },
    close: () => subscription.unsubscribe(),
  };
}
