import { instanceStartedEvents, streamName } from '@conveyor/contracts';
import {
  connectTestNats,
  createTestDatabase,
  createTestStreams,
  deleteTestStreams,
  migrateServices,
  uniqueName,
  type TestDatabase,
} from '@conveyor/testing';
import { pgSchema } from 'drizzle-orm/pg-core';
import { drizzle } from 'drizzle-orm/node-postgres';
import { AckPolicy, DeliverPolicy, type NatsConnection } from 'nats';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendEvent, createLogger, createOutboxTable, envelopeId, openRelayCycleSql, startOutboxRelay } from '../src/index';

const outbox = createOutboxTable(pgSchema('catalog'));
const logger = createLogger('test', 'silent');

let database: TestDatabase;
let pool: pg.Pool;
let nc: NatsConnection;
const prefix = uniqueName('outbox');

beforeAll(async () => {
  database = await createTestDatabase('outbox');
  await migrateServices(database.url, ['catalog']);
  pool = new pg.Pool({ connectionString: database.url, max: 6 });
  nc = await connectTestNats();
  await createTestStreams(nc, prefix);
});

afterAll(async () => {
  await deleteTestStreams(nc, prefix);
  await nc.drain();
  await pool.end();
  await database.drop();
});

async function streamMessages(): Promise<Array<{ msgId: string | undefined; subject: string; id: string; text: string }>> {
  const jsm = await nc.jetstreamManager();
  const name = streamName(prefix, 'EVENTS');
  const info = await jsm.streams.info(name);
  const consumer = await jsm.consumers.add(name, { ack_policy: AckPolicy.None, deliver_policy: DeliverPolicy.All });
  const messages: Array<{ msgId: string | undefined; subject: string; id: string; text: string }> = [];
  const js = nc.jetstream();
  const c = await js.consumers.get(name, consumer.name);
  const total = info.state.messages;
  if (total > 0) {
    const batch = await c.fetch({ max_messages: total, expires: 2_000 });
    for await (const m of batch) {
      messages.push({ msgId: m.headers?.get('Nats-Msg-Id'), subject: m.subject, id: (m.json() as { id: string }).id, text: m.string() });
      if (messages.length === total) break;
    }
  }
  await jsm.consumers.delete(name, consumer.name);
  return messages;
}

const append = (instance: string) =>
  appendEvent(drizzle(pool), outbox, {
    prefix,
    contract: instanceStartedEvents.catalog,
    tenantId: null,
    entity: { typename: 'ServiceInstance', id: instance },
    data: { instance_id: instance, version: '0', hostname: 'test' },
  });

async function waitUntilEmpty(): Promise<void> {
  for (;;) {
    const { rows } = await pool.query<{ n: string }>('select count(*) as n from catalog.outbox');
    if (Number(rows[0]!.n) === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('outbox relay', () => {
  it('publishes committed events once, with the event id as Nats-Msg-Id, even when a crash left one already published', async () => {
    // A previous relay published this row and died before deleting it.
    const crashed = await append('crashed');
    await nc.jetstream().publish(crashed.type, new TextEncoder().encode(JSON.stringify(crashed)), { msgID: crashed.id });
    const fresh = [await append('a'), await append('b')];

    const relay = startOutboxRelay({ pool, schemaName: 'catalog', nc, logger, pollMs: 50 });
    await waitUntilEmpty();
    await relay.stop();

    const messages = await streamMessages();
    expect(messages.map((m) => m.id).sort()).toEqual([crashed.id, ...fresh.map((e) => e.id)].sort());
    for (const m of messages) {
      expect(m.msgId).toBe(m.id);
      expect(m.subject).toBe(`${prefix}.catalog.instance.started`);
    }
  });

  it('never publishes a row twice when several relays run at once', async () => {
    const before = (await streamMessages()).length;
    const events = await Promise.all(Array.from({ length: 300 }, (_, i) => append(`bulk-${i}`)));
    const relays = [1, 2, 3].map(() => startOutboxRelay({ pool, schemaName: 'catalog', nc, logger, pollMs: 20, batchSize: 16 }));
    relays.forEach((r) => r.wake());
    await waitUntilEmpty();
    await Promise.all(relays.map((r) => r.stop()));

    const messages = (await streamMessages()).slice(before);
    expect(messages).toHaveLength(300);
    expect(new Set(messages.map((m) => m.id))).toEqual(new Set(events.map((e) => e.id)));
  });

  it('publishes in outbox order when several replicas relay at once: one relay at a time per outbox', async () => {
    const before = (await streamMessages()).length;
    // One entity's changes, each committed after the previous one, as a service writes them.
    const events = [];
    for (let i = 0; i < 300; i += 1) events.push(await append('ordered'));
    // Three replicas, each with its own connections, as separate processes would have.
    const replicas = await Promise.all([1, 2, 3].map(() => connectTestNats()));
    const relays = replicas.map((replica) => startOutboxRelay({ pool, schemaName: 'catalog', nc: replica, logger, pollMs: 20, batchSize: 16 }));
    relays.forEach((r) => r.wake());
    await waitUntilEmpty();
    await Promise.all(relays.map((r) => r.stop()));
    await Promise.all(replicas.map((replica) => replica.drain()));

    const messages = (await streamMessages()).slice(before);
    expect(messages.map((m) => m.id)).toEqual(events.map((e) => e.id));
  });

  it('passes the relay lock on when a replica stops answering in the middle of a cycle', async () => {
    const before = (await streamMessages()).length;
    const events = [await append('stuck-a'), await append('stuck-b')];
    // A replica opened a cycle as the relay does (here with a 300 ms idle limit), then went silent:
    // a frozen process, or a network cut that sends no reset.
    const frozen = new pg.Client({ connectionString: database.url });
    const ended = new Promise<Error>((resolve) => frozen.on('error', resolve));
    await frozen.connect();
    await frozen.query(openRelayCycleSql('catalog.outbox', 300));
    const relay = startOutboxRelay({ pool, schemaName: 'catalog', nc, logger, pollMs: 50 });
    relay.wake();
    await waitUntilEmpty();
    await relay.stop();
    // PostgreSQL ended the silent session, and with it its hold on the lock.
    expect((await ended).message).toMatch(/idle-in-transaction timeout/);
    await frozen.end().catch(() => undefined);
    const messages = (await streamMessages()).slice(before);
    expect(messages.map((m) => m.id)).toEqual(events.map((e) => e.id));
  });

  it('publishes the events of a batch row as separate messages, in order, each with its own Nats-Msg-Id', async () => {
    const before = (await streamMessages()).length;
    const envelope = (id: string) => ({ v: 1, id, type: `${prefix}.catalog.instance.started`, occurred_at: new Date().toISOString(), tenant_id: null, entity: { typename: 'ServiceInstance', id }, data: { instance_id: id, version: '0', hostname: 'test' } });
    const ids = Array.from({ length: 3 }, (_, i) => `batch-${i}-${uniqueName('e')}`);
    const single = await append('after-batch');
    await pool.query(`delete from catalog.outbox where payload->>'id' = $1`, [single.id]);
    await pool.query(`insert into catalog.outbox (subject, payload) values ($1, $2)`, [
      `${prefix}.catalog.instance.started`,
      JSON.stringify({ id: ids[0], batch: ids.map((id) => ({ subject: `${prefix}.catalog.instance.started`, payload: envelope(id) })) }),
    ]);
    await pool.query(`insert into catalog.outbox (subject, payload) values ($1, $2)`, [single.type, JSON.stringify(single)]);
    const relay = startOutboxRelay({ pool, schemaName: 'catalog', nc, logger, pollMs: 50 });
    await waitUntilEmpty();
    await relay.stop();

    const messages = (await streamMessages()).slice(before);
    expect(messages.map((m) => m.id)).toEqual([...ids, single.id]);
    for (const m of messages) expect(m.msgId).toBe(m.id);
  });

  it('refuses an event whose data breaks its contract, so the transaction fails', async () => {
    await expect(
      appendEvent(drizzle(pool), outbox, {
        prefix,
        contract: instanceStartedEvents.catalog,
        tenantId: null,
        entity: { typename: 'ServiceInstance', id: 'x' },
        data: { instance_id: 'x' } as never,
      }),
    ).rejects.toThrow();
  });

  it('relays a json outbox verbatim: each envelope exactly as written, its id as Nats-Msg-Id wherever the id stands', async () => {
    await pool.query(`create schema jsonbox; create table jsonbox.outbox (id bigserial primary key, subject text not null, payload json not null)`);
    const before = (await streamMessages()).length;
    const subject = `${prefix}.catalog.instance.started`;
    const written = [
      // As JSON.stringify and the scheduler's SQL write envelopes.
      `{"v":1,"id":"${uniqueName('first')}","type":"${subject}","data":{"note":"é \\"quoted\\""}}`,
      // The id elsewhere: found by parsing the envelope.
      `{ "type": "${subject}", "id": "${uniqueName('later')}", "v": 1 }`,
    ];
    for (const text of written) await pool.query('insert into jsonbox.outbox (subject, payload) values ($1, $2)', [subject, text]);
    const relay = startOutboxRelay({ pool, schemaName: 'jsonbox', nc, logger, pollMs: 50 });
    for (;;) {
      const { rows } = await pool.query<{ n: string }>('select count(*) as n from jsonbox.outbox');
      if (Number(rows[0]!.n) === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await relay.stop();

    const messages = (await streamMessages()).slice(before);
    expect(messages.map((m) => m.text)).toEqual(written);
    for (const m of messages) expect(m.msgId).toBe(m.id);
  });
});

describe('envelopeId', () => {
  it('reads the id off the opening that JSON.stringify or a jsonb rendering gives, and parses any other envelope', () => {
    expect(envelopeId('{"v":1,"id":"a-1","type":"t"}')).toBe('a-1');
    expect(envelopeId('{"v": 1, "id": "b-2", "data": {}}')).toBe('b-2');
    expect(envelopeId('{"type":"t","id":"c-3","v":1}')).toBe('c-3');
    // An id with an escaped character is not taken from the opening but parsed.
    expect(envelopeId('{"v":1,"id":"d\\"4"}')).toBe('d"4');
  });

  it('refuses an envelope without an id', () => {
    expect(() => envelopeId('{"v":1,"type":"t"}')).toThrow('no id');
    expect(() => envelopeId('{"v":1,"id":""}')).toThrow('no id');
  });
});
