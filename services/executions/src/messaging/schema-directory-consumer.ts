import { eventEnvelopeSchema, streamName } from '@conveyor/contracts';
import type { Logger } from '@conveyor/service-runtime';
import type { JetStreamClient, JetStreamManager } from 'nats';
import type pg from 'pg';
import { forgetSchemaTenant, rememberSchemaTenant } from '../db/schema-directory';
import { ensureDurableConsumer } from './ensure-consumer';
import { startPullWorker, type PullWorker } from './pull-worker';

const decoder = new TextDecoder();

/**
 * Keeps `schema_tenants` from the schemas service's events (`schemas.schema.*`): a schema's
 * tenant is known from its `created` event on. Durable and replayed from the stream's start, so
 * a new installation of this service learns every schema still in the events stream.
 */
export async function startSchemaDirectoryConsumer(options: {
  js: JetStreamClient;
  jsm: JetStreamManager;
  prefix: string;
  pool: pg.Pool;
  logger: Logger;
}): Promise<PullWorker> {
  const stream = streamName(options.prefix, 'EVENTS');
  const durable = 'executions-schema-directory';
  await ensureDurableConsumer(options.jsm, { stream, durable, filterSubject: `${options.prefix}.schemas.schema.*`, ackWaitMs: 30_000, maxAckPending: 256 });
  return startPullWorker({
    js: options.js,
    stream,
    durable,
    concurrency: 1,
    ackWaitMs: 30_000,
    logger: options.logger,
    async handle(msg) {
      const parsed = eventEnvelopeSchema.safeParse(JSON.parse(decoder.decode(msg.data)));
      if (!parsed.success || !parsed.data.tenant_id) return 'ack';
      const event = parsed.data;
      if (event.type.endsWith('.purged')) await forgetSchemaTenant(options.pool, event.entity.id);
      else await rememberSchemaTenant(options.pool, event.entity.id, event.tenant_id!);
      return 'ack';
    },
  });
}
