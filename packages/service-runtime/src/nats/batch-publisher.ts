import { createInbox, headers, type NatsConnection, type Subscription } from 'nats';

export interface OutgoingMessage {
  subject: string;
  data: Uint8Array;
  /** `Nats-Msg-Id`: JetStream drops a second message with the same id inside the duplicate window. */
  msgId: string;
}

export interface BatchPublisher {
  /** Publishes every message and resolves when JetStream has acknowledged storing each one. */
  publishAll(messages: OutgoingMessage[]): Promise<void>;
  close(): void;
}

/** A stored message's PubAck (`{"stream":…,"seq":…}`): an error PubAck opens with `{"error"`. */
const storedAckOpening = new TextEncoder().encode('{"stream"');

function startsWith(data: Uint8Array, opening: Uint8Array): boolean {
  if (data.length < opening.length) return false;
  for (let i = 0; i < opening.length; i += 1) if (data[i] !== opening[i]) return false;
  return true;
}

/**
 * JetStream publishing with one reply subscription, and one promise and one timer per batch.
 * nats.js's `js.publish` makes a request per message (its own timer and promise bookkeeping): on
 * this 2-core machine 2,000 publishes took 316–1,029 ms that way against 35–97 ms for plain
 * publishes of the same messages. Here each message is a plain publish whose reply subject is
 * `<private inbox>.<batch>.<index>`; the server's PubAck arrives there and counts towards its
 * batch. The guarantee is the same: the batch resolves only when every message is stored (or
 * found to be a duplicate), and rejects if any is refused, gets no stream (503) or no answer in
 * time.
 */
export function createBatchPublisher(nc: NatsConnection, options: { timeoutMs?: number } = {}): BatchPublisher {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const inbox = createInbox();
  /** Settles one message of a batch (by the batch token); the batch resolves when all have. */
  const batches = new Map<string, (error?: Error) => void>();
  let counter = 0;
  const subscription: Subscription = nc.subscribe(`${inbox}.>`, {
    callback: (_err, msg) => {
      const token = msg.subject.slice(inbox.length + 1, msg.subject.lastIndexOf('.'));
      const settle = batches.get(token);
      if (!settle) return;
      if (msg.headers?.code === 503 || msg.data.length === 0) return settle(new Error(`no stream stored ${msg.subject}`));
      // A stored (or duplicate) message's PubAck opens with `{"stream"`; only others are parsed.
      if (startsWith(msg.data, storedAckOpening)) return settle();
      try {
        const ack = msg.json<{ error?: { description?: string } }>();
        settle(ack.error ? new Error(`JetStream refused a message: ${ack.error.description ?? 'unknown'}`) : undefined);
      } catch (error) {
        settle(error as Error);
      }
    },
  });

  return {
    publishAll(messages) {
      if (messages.length === 0) return Promise.resolve();
      const token = String((counter += 1));
      return new Promise<void>((resolve, reject) => {
        let remaining = messages.length;
        const finish = (error?: Error) => {
          clearTimeout(timer);
          batches.delete(token);
          if (error) reject(error);
          else resolve();
        };
        const timer = setTimeout(() => finish(new Error(`JetStream did not acknowledge ${messages.length} messages within ${timeoutMs} ms`)), timeoutMs);
        batches.set(token, (error) => {
          if (error) return finish(error);
          remaining -= 1;
          if (remaining === 0) finish();
        });
        const replyPrefix = `${inbox}.${token}.`;
        for (let i = 0; i < messages.length; i += 1) {
          const message = messages[i]!;
          const h = headers();
          h.set('Nats-Msg-Id', message.msgId);
          nc.publish(message.subject, message.data, { headers: h, reply: replyPrefix + i });
        }
      });
    },
    close() {
      subscription.unsubscribe();
      for (const settle of batches.values()) settle(new Error('publisher closed'));
      batches.clear();
    },
  };
}
