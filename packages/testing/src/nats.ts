import { connect, type NatsConnection } from 'nats';
import { platformStreams } from '@conveyor/contracts';
import { ensureStreams } from '@conveyor/service-runtime';

export const testNatsUrl = process.env.NATS_URL || 'nats://127.0.0.1:4222';

export async function connectTestNats(): Promise<NatsConnection> {
  return connect({ servers: testNatsUrl });
}

/** Creates the platform's streams for a test prefix. */
export async function createTestStreams(nc: NatsConnection, prefix: string): Promise<void> {
  await ensureStreams(nc, platformStreams(prefix));
}

/** Deletes every stream whose name starts with the prefix's stream namespace. */
export async function deleteTestStreams(nc: NatsConnection, prefix: string): Promise<void> {
  const jsm = await nc.jetstreamManager();
  const namespace = `${prefix.replace(/[^a-zA-Z0-9]/g, '_').toUpperCase()}_`;
  for await (const info of jsm.streams.list()) {
    if (info.config.name.startsWith(namespace)) await jsm.streams.delete(info.config.name);
  }
}
