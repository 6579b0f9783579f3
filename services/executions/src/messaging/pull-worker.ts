import type { Logger } from '@conveyor/service-runtime';
import type { JetStreamClient, JsMsg } from 'nats';

export interface PullWorker {
  /** Stops pulling, waits for the messages in hand to finish (ack or nak). */
  stop(): Promise<void>;
}

/**
 * Pulls from a durable consumer and handles up to `concurrency` messages at once. While a
 * handler runs, the message is kept alive with in-progress acks (every third of `ackWaitMs`),
 * so only a dead worker's messages are redelivered. A handler that throws naks for a retry.
 */
export async function startPullWorker(options: {
  js: JetStreamClient;
  stream: string;
  durable: string;
  concurrency: number;
  ackWaitMs: number;
  logger: Logger;
  /** `ackThen`: ack, then run `then` in the same slot (work that needs the slot but not the message). */
  handle: (msg: JsMsg) => Promise<'ack' | { nakDelayMs: number } | { ackThen: () => Promise<void> }>;
}): Promise<PullWorker> {
  const consumer = await options.js.consumers.get(options.stream, options.durable);
  const messages = await consumer.consume({ max_messages: options.concurrency });
  const inFlight = new Set<Promise<void>>();
  let freeSlot: (() => void) | undefined;

  const handleOne = async (msg: JsMsg) => {
    const heartbeat = setInterval(() => msg.working(), Math.max(250, Math.floor(options.ackWaitMs / 3)));
    try {
      const verdict = await options.handle(msg);
      if (verdict === 'ack') msg.ack();
      else if ('ackThen' in verdict) {
        msg.ack();
        clearInterval(heartbeat);
        await verdict.ackThen();
      } else msg.nak(Math.max(1, Math.ceil(verdict.nakDelayMs)));
    } catch (error) {
      options.logger.warn({ err: error, subject: msg.subject, deliveries: msg.info.deliveryCount }, 'message handler failed; will be redelivered');
      msg.nak(Math.min(1_000 * msg.info.deliveryCount, 10_000));
    } finally {
      clearInterval(heartbeat);
    }
  };

  const loop = (async () => {
    for await (const msg of messages) {
      while (inFlight.size >= options.concurrency) await new Promise<void>((resolve) => (freeSlot = resolve));
      const running: Promise<void> = handleOne(msg).finally(() => {
        inFlight.delete(running);
        const wake = freeSlot;
        freeSlot = undefined;
        wake?.();
      });
      inFlight.add(running);
    }
  })();

  return {
    async stop() {
      await messages.close();
      await loop.catch(() => undefined);
      await Promise.allSettled([...inFlight]);
    },
  };
}
