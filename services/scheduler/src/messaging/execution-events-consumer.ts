import { eventEnvelopeSchema, executionUpdatedEvent, streamName, subjectOfEvent } from '@conveyor/contracts';
import type { Logger } from '@conveyor/service-runtime';
import { AckPolicy, DeliverPolicy, type NatsConnection } from 'nats';
import { isFinalExecutionStatus, type ExecutionRuns } from '../domain/execution-runs';

/**
 * Follows the engine's `executions.execution.updated` events (durable consumer, explicit ack) and
 * hands final statuses to the run tracking. A new consumer starts at new events: a scheduler
 * started for the first time has no runs waiting for older ones.
 */
export async function startExecutionEventsConsumer(deps: { nc: NatsConnection; prefix: string; logger: Logger; runs: ExecutionRuns }): Promise<{ stop(): Promise<void> }> {
  const stream = streamName(deps.prefix, 'EVENTS');
  const durable = 'scheduler-execution-runs';
  const jsm = await deps.nc.jetstreamManager();
  await jsm.consumers.add(stream, {
    durable_name: durable,
    filter_subject: subjectOfEvent(deps.prefix, executionUpdatedEvent),
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.New,
    ack_wait: 30_000_000_000,
  });
  const consumer = await deps.nc.jetstream().consumers.get(stream, durable);
  const messages = await consumer.consume({ max_messages: 256 });
  const loop = (async () => {
    for await (const msg of messages) {
      try {
        const envelope = eventEnvelopeSchema.parse(msg.json());
        const data = executionUpdatedEvent.data.safeParse(envelope.data);
        if (data.success && isFinalExecutionStatus(data.data.status)) await deps.runs.finished(data.data.id, data.data.status, data.data.error);
        msg.ack();
      } catch (error) {
        deps.logger.warn({ err: error }, 'execution event not handled; redelivering');
        msg.nak(1_000);
      }
    }
  })();
  const pruning = setInterval(() => void deps.runs.prune().catch(() => undefined), 600_000);
  return {
    async stop() {
      clearInterval(pruning);
      messages.stop();
      await loop;
    },
  };
}
