import { eventEnvelopeSchema, executionUpdatedEvent, streamName, subjectOfEvent } from '@conveyor/contracts';
import type { Logger } from '@conveyor/service-runtime';
import { AckPolicy, DeliverPolicy, type JsMsg, type NatsConnection } from 'nats';
import { isFinalExecutionStatus, type ExecutionRuns, type FinishedExecution } from '../domain/execution-runs';

/**
 * Follows the engine's `executions.execution.updated` events (durable consumer, explicit ack) and
 * hands the final statuses of the executions it started (trigger `schedule`) to the run tracking. A new consumer starts at new events: a scheduler
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
  // Events that arrive while a batch is being recorded are recorded together by the next one;
  // each message is acked after the commit that recorded it (a crash before means redelivery).
  let queue: Array<{ msg: JsMsg; finished: FinishedExecution | null }> = [];
  let flushing: Promise<void> | undefined;
  const flush = (): Promise<void> =>
    (flushing ??= (async () => {
      try {
        while (queue.length > 0) {
          const batch = queue;
          queue = [];
          try {
            await deps.runs.finished(batch.flatMap((item) => (item.finished ? [item.finished] : [])));
            for (const item of batch) item.msg.ack();
          } catch (error) {
            deps.logger.warn({ err: error, events: batch.length }, 'execution events not recorded; redelivering');
            for (const item of batch) item.msg.nak(1_000);
          }
        }
      } finally {
        flushing = undefined;
      }
    })());
  // Messages are taken in the consume callback, which nats.js calls for every message of a socket
  // read in one go: the acks of the events left unread (most of them) leave in one write. Through
  // the async iterator each message was its own turn, and each ack its own write to the server: on
  // the 2-core bench machine that write was most of what this consumer cost while the engine ran
  // (bench:engine, 50 clients).
  const messages = await consumer.consume({ max_messages: 256, callback: (msg) => take(msg) });
  function take(msg: JsMsg): void {
    let finished: FinishedExecution | null = null;
    try {
      const raw = msg.json<{ data?: { trigger?: unknown } }>();
      // Only executions this service started (`schedule`) can end a task's run; the engine
      // announces every execution's changes, and the rest are acknowledged unread. Events
      // without a trigger (written before events carried it) are read as before.
      const trigger = raw?.data?.trigger;
      if (trigger !== undefined && trigger !== 'schedule') return void msg.ack();
      const envelope = eventEnvelopeSchema.parse(raw);
      const data = executionUpdatedEvent.data.safeParse(envelope.data);
      if (data.success && isFinalExecutionStatus(data.data.status)) finished = { executionId: data.data.id, status: data.data.status, error: data.data.error };
    } catch (error) {
      // Not an event envelope: nothing to record, and redelivering it would not change that.
      deps.logger.warn({ err: error }, 'malformed execution event ignored');
    }
    if (!finished) return void msg.ack();
    queue.push({ msg, finished });
    if (!flushing) setImmediate(() => void flush());
  }
  const pruning = setInterval(() => void deps.runs.prune().catch(() => undefined), 600_000);
  return {
    async stop() {
      clearInterval(pruning);
      messages.stop();
      await messages.closed();
      await flush();
    },
  };
}
