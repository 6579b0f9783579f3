import { eventEnvelopeSchema, schemaDeletedEvent, schemaPurgedEvent, streamName, subjectOfEvent } from '@conveyor/contracts';
import type { Logger } from '@conveyor/service-runtime';
import { AckPolicy, DeliverPolicy, type JsMsg, type NatsConnection } from 'nats';
import type { TriggerService } from '../domain/trigger-service';

/**
 * Follows the schemas service's `schema.deleted` and `schema.purged` events (durable consumer,
 * explicit ack) and disables the triggers of the deleted pipeline, so that a deleted schema is not
 * started every occurrence only to fail. Each message is acked after the commit that handled it;
 * a failure redelivers it. A new consumer starts at new events.
 */
export async function startSchemaEventsConsumer(deps: { nc: NatsConnection; prefix: string; logger: Logger; triggers: Pick<TriggerService, 'pipelineRemoved'> }): Promise<{ stop(): Promise<void> }> {
  const stream = streamName(deps.prefix, 'EVENTS');
  const durable = 'scheduler-schema-removals';
  const jsm = await deps.nc.jetstreamManager();
  await jsm.consumers.add(stream, {
    durable_name: durable,
    // Every schema event (NATS 2.9 takes one filter subject); all but the two removals are acked unread.
    filter_subject: `${deps.prefix}.schemas.schema.*`,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.New,
    ack_wait: 30_000_000_000,
  });
  const consumer = await deps.nc.jetstream().consumers.get(stream, durable);
  const removals = new Set([subjectOfEvent(deps.prefix, schemaDeletedEvent), subjectOfEvent(deps.prefix, schemaPurgedEvent)]);
  const messages = await consumer.consume({ max_messages: 64 });

  async function handle(msg: JsMsg): Promise<void> {
    if (!removals.has(msg.subject)) return void msg.ack();
    let removal: { tenantId: string; pipelineId: string } | null = null;
    try {
      const envelope = eventEnvelopeSchema.parse(msg.json());
      const id = envelope.data.id;
      if (envelope.tenant_id && typeof id === 'string') removal = { tenantId: envelope.tenant_id, pipelineId: id };
    } catch (error) {
      // Not an event envelope: redelivering it would not change that.
      deps.logger.warn({ err: error, subject: msg.subject }, 'malformed schema event ignored');
    }
    if (!removal) return void msg.ack();
    try {
      const disabled = await deps.triggers.pipelineRemoved(removal.tenantId, removal.pipelineId);
      if (disabled > 0) deps.logger.info({ pipeline_id: removal.pipelineId, disabled }, 'triggers of a deleted pipeline disabled');
      msg.ack();
    } catch (error) {
      deps.logger.warn({ err: error, pipeline_id: removal.pipelineId }, 'triggers of a deleted pipeline not disabled; redelivering');
      msg.nak(1_000);
    }
  }

  const loop = (async () => {
    for await (const msg of messages) await handle(msg);
  })();
  return {
    async stop() {
      messages.stop();
      await loop;
    },
  };
}
