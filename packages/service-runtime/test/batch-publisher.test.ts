import { streamName } from '@conveyor/contracts';
import { connectTestNats, createTestStreams, deleteTestStreams, uniqueName } from '@conveyor/testing';
import type { NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBatchPublisher } from '../src/index';

let nc: NatsConnection;
const prefix = uniqueName('batchpub');
const encoder = new TextEncoder();

beforeAll(async () => {
  nc = await connectTestNats();
  await createTestStreams(nc, prefix);
});

afterAll(async () => {
  await deleteTestStreams(nc, prefix);
  await nc.drain();
});

const message = (id: string) => ({ subject: `${prefix}.catalog.instance.started`, data: encoder.encode(JSON.stringify({ id })), msgId: id });

describe('batch publisher', () => {
  it('resolves once JetStream stored every message of each batch, batches in flight together, duplicates dropped', async () => {
    const publisher = createBatchPublisher(nc);
    const jsm = await nc.jetstreamManager();
    const name = streamName(prefix, 'EVENTS');
    const before = (await jsm.streams.info(name)).state.messages;
    const batches = [0, 1, 2].map((b) => Array.from({ length: 200 }, (_, i) => message(`m-${b}-${i}`)));
    await Promise.all(batches.map((batch) => publisher.publishAll(batch)));
    expect((await jsm.streams.info(name)).state.messages - before).toBe(600);
    // The same ids again: acknowledged as duplicates, nothing stored twice.
    await publisher.publishAll(batches[0]!);
    expect((await jsm.streams.info(name)).state.messages - before).toBe(600);
    publisher.close();
  });

  it('rejects a batch when a message reaches no stream, and still serves the next batch', async () => {
    const publisher = createBatchPublisher(nc, { timeoutMs: 2_000 });
    const stray = { subject: `${uniqueName('nostream')}.x`, data: encoder.encode('{}'), msgId: uniqueName('s') };
    await expect(publisher.publishAll([message(uniqueName('ok')), stray])).rejects.toThrow(/no stream|did not acknowledge/);
    await expect(publisher.publishAll([message(uniqueName('ok'))])).resolves.toBeUndefined();
    publisher.close();
  });

  it('rejects a batch when JetStream refuses a message (an error PubAck), naming the reason', async () => {
    const jsm = await nc.jetstreamManager();
    const name = uniqueName('SMALL').toUpperCase();
    const subject = `${uniqueName('small')}.x`;
    await jsm.streams.add({ name, subjects: [subject], max_msg_size: 256 });
    try {
      const publisher = createBatchPublisher(nc, { timeoutMs: 2_000 });
      const big = { subject, data: encoder.encode(JSON.stringify({ padding: 'x'.repeat(1_000) })), msgId: uniqueName('big') };
      await expect(publisher.publishAll([big])).rejects.toThrow(/JetStream refused a message: .*size/i);
      await expect(publisher.publishAll([{ subject, data: encoder.encode('{}'), msgId: uniqueName('ok') }])).resolves.toBeUndefined();
      publisher.close();
    } finally {
      await jsm.streams.delete(name);
    }
  });
});
