import { connect, type NatsConnection } from 'nats';
import type { StreamDefinition } from '@conveyor/contracts';
import type { Logger } from '../logger';

/** A connection that reconnects forever; every status change is logged. */
export async function connectNats(options: { url: string; name: string; logger: Logger }): Promise<NatsConnection> {
  const nc = await connect({
    servers: options.url.split(','),
    name: options.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    waitOnFirstConnect: false,
  });
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'pingTimer') continue;
      options.logger.info({ nats_status: status.type, data: String(status.data) }, 'nats status');
    }
  })();
  return nc;
}

const ms = (value: number) => value * 1_000_000;

/** Creates or updates the declared streams; idempotent, so every starter may call it. */
export async function ensureStreams(nc: NatsConnection, streams: StreamDefinition[]): Promise<void> {
  const jsm = await nc.jetstreamManager();
  for (const stream of streams) {
    const config = {
      name: stream.name,
      subjects: stream.subjects,
      duplicate_window: ms(stream.duplicateWindowMs),
      max_age: ms(stream.maxAgeMs),
    };
    try {
      await jsm.streams.info(stream.name);
      await jsm.streams.update(stream.name, config);
    } catch (error) {
      if ((error as { code?: string }).code !== '404') throw error;
      await jsm.streams.add(config);
    }
  }
}
