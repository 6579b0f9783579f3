import { DeliverPolicy, type JetStreamClient } from 'nats';
import type { EventEnvelope } from '@conveyor/contracts';
import type { EventSelector, LiveEvent } from './live-event';

const decoder = new TextDecoder();

/**
 * Reads the stream's events on `selector.filter` with `after < seq <= until` and returns those of
 * the selector's key, in order. A short-lived ordered consumer: the server skips other subjects,
 * the key is matched here (events of one execution share their subject with every other's).
 */
export async function replayEvents(js: JetStreamClient, stream: string, selector: EventSelector, after: number, until: number): Promise<LiveEvent[]> {
  if (until <= after) return [];
  const consumer = await js.consumers.get(stream, {
    filterSubjects: selector.filter,
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: after + 1,
  });
  const events: LiveEvent[] = [];
  const info = await consumer.info();
  if (info.num_pending === 0) return events;
  const messages = await consumer.consume();
  try {
    for await (const message of messages) {
      if (message.seq > until) break;
      const envelope = JSON.parse(decoder.decode(message.data)) as EventEnvelope;
      if (selector.keyOf(envelope) === selector.key) events.push({ seq: message.seq, subject: message.subject, envelope });
      if (message.seq >= until || message.info.pending === 0) break;
    }
  } finally {
    await messages.close();
  }
  return events;
}
