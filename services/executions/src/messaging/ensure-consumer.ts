import { AckPolicy, DeliverPolicy, type JetStreamManager } from 'nats';

const nanos = (ms: number) => ms * 1_000_000;

/**
 * Creates (or updates) a durable pull consumer. Every replica binds to the same durable, so
 * JetStream spreads its messages over them like a queue group. Explicit acks, unlimited
 * redeliveries: a message is only gone once a worker has committed its effect and acked it.
 */
export async function ensureDurableConsumer(
  jsm: JetStreamManager,
  options: { stream: string; durable: string; filterSubject: string; ackWaitMs: number; maxAckPending: number },
): Promise<void> {
  const config = {
    durable_name: options.durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(options.ackWaitMs),
    max_deliver: -1,
    max_ack_pending: options.maxAckPending,
    filter_subject: options.filterSubject,
  };
  try {
    await jsm.consumers.info(options.stream, options.durable);
    await jsm.consumers.update(options.stream, options.durable, {
      ack_wait: config.ack_wait,
      max_deliver: config.max_deliver,
      max_ack_pending: config.max_ack_pending,
      filter_subject: config.filter_subject,
    });
  } catch (error) {
    if ((error as { code?: string }).code !== '404') throw error;
    try {
      await jsm.consumers.add(options.stream, config);
    } catch (raceError) {
      // Another replica created it between our info and add.
      if (!/already (exists|in use)/i.test(String((raceError as Error).message))) throw raceError;
    }
  }
}
