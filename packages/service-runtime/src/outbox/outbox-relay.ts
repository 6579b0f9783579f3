import type { NatsConnection } from 'nats';
import { createBatchPublisher } from '../nats/batch-publisher';
import type pg from 'pg';
import type { Logger } from '../logger';
import type { OutboxPayloadType } from './outbox-table';

export interface OutboxRelay {
  /** Publishes what is pending now instead of waiting for the next poll. */
  wake(): void;
  /** Finishes the batch in flight and stops. */
  stop(): Promise<void>;
}

/**
 * One message to publish, as PostgreSQL hands it over. An outbox row holds one event (`payload`
 * is its envelope) or, in a `jsonb` outbox, several events committed together (`payload.batch`,
 * each with its subject and envelope), which are published as separate messages in order. A batch
 * row costs one insert and one delete instead of one per event; the messages on the wire are the
 * same. (bench/engine: 13 events per execution became 4 rows.) PostgreSQL splits the batches and
 * renders each envelope as JSON text, so the relay neither parses nor re-serialises an event: it
 * was a third of what the executions process allocated under bench/engine.
 */
interface OutboxMessage {
  id: string;
  subject: string;
  data: string;
}

/**
 * The relay's read: the first `batchSize` outbox rows of `table` in id order, each envelope as
 * JSON text. In a `jsonb` outbox batch rows are split into one row per message (a batch row's
 * events in their order); a `json` outbox's text is handed over untouched. It runs under the
 * outbox's relay lock (`openRelayCycleSql`), so no other relay reads or deletes these rows meanwhile.
 */
export function outboxReadSql(table: string, batchSize: number, payloadType: OutboxPayloadType = 'jsonb'): string {
  const rows = `select id, subject, payload from ${table} order by id limit ${Math.trunc(batchSize)}`;
  if (payloadType === 'json') return `select id, subject, payload::text as data from (${rows}) o`;
  return `select o.id, coalesce(e.event->>'subject', o.subject) as subject,
            coalesce(e.event->'payload', o.payload)::text as data
     from (${rows}) o
     left join lateral jsonb_array_elements(case when jsonb_typeof(o.payload->'batch') = 'array' then o.payload->'batch' end)
       with ordinality as e(event, n) on true
     order by o.id, e.n`;
}

/** The advisory lock class of outbox relays (its second key is the outbox table's name). */
const relayLockClass = 0x6f627278;

/**
 * How a relay cycle opens: `begin`, then one statement that limits how long the transaction may
 * sit idle and takes the outbox's relay lock.
 *
 * - The lock: one relay at a time per outbox, across every replica of the service, a
 *   transaction lock on the table's name, waited for, taken before the read. Rows locked with
 *   `for update skip locked` let replicas relay the next rows at the same time, and their
 *   publishes interleaved on the stream: an entity's later change could be stored before its
 *   earlier one (the outbox-relay test with three replicas saw it on every run). A waiting relay
 *   reads after the holder's delete commits: under read committed each statement takes a new
 *   snapshot.
 * - The idle limit: a replica that stops answering in the middle of a cycle (a frozen process, a
 *   network cut without a reset) would otherwise keep the lock, and every other replica's relay
 *   would wait behind it until the connection is found dead (TCP keepalive: hours by default).
 *   PostgreSQL ends such a session after `idleMs` and the lock passes on; what that replica had
 *   published is published again under the same ids, and JetStream drops the duplicates.
 */
export function openRelayCycleSql(table: string, idleMs: number): string {
  const name = table.replaceAll("'", "''");
  return `begin; select set_config('idle_in_transaction_session_timeout', '${Math.max(1, Math.trunc(idleMs))}', true), pg_advisory_xact_lock(${relayLockClass}, hashtext('${name}'))`;
}

/**
 * An envelope opens with its version and id: `{"v":1,"id":"…"` as `JSON.stringify` and the
 * scheduler's SQL write it, `{"v": 1, "id": "…"` as PostgreSQL renders a `jsonb` (whose keys are
 * ordered by length).
 */
const envelopeOpening = /^\{"v": ?1, ?"id": ?"([^"\\]+)"/;

/**
 * An envelope's id, its `Nats-Msg-Id`, read off the opening of its text, or by parsing the whole
 * envelope when it opens otherwise. Asking PostgreSQL for `payload->>'id'` cost it a parse of
 * every envelope: about 4.5 µs of its CPU per event on the 2-core bench machine, a third of the
 * relay's statement (bench/scheduler/probe-statements.ts).
 */
export function envelopeId(data: string): string {
  const opening = envelopeOpening.exec(data);
  if (opening) return opening[1]!;
  const id = (JSON.parse(data) as { id?: unknown }).id;
  if (typeof id !== 'string' || id === '') throw new Error('an outbox envelope has no id');
  return id;
}

/**
 * Publishes outbox rows to JetStream in id order and deletes them in the same transaction that
 * read them. If the process dies after publishing and before the delete commits, the rows are
 * published again with the same `Nats-Msg-Id` and JetStream drops them as duplicates (the events
 * stream keeps ids for ten minutes), so nothing is lost and nothing is delivered twice.
 * Several replicas may run a relay on the same outbox: they take turns (`openRelayCycleSql`), so the
 * stream holds the events in outbox order and none is published twice.
 */
export function startOutboxRelay(options: {
  /**
   * The service's pool (`createDatabase`): a session ended in the middle of a cycle (the idle
   * limit below, a restart) fails the cycle, which is retried, without ending the process.
   */
  pool: pg.Pool;
  schemaName: string;
  nc: NatsConnection;
  logger: Logger;
  pollMs: number;
  batchSize?: number;
  /** How long a cycle's transaction may sit idle before PostgreSQL ends it (`openRelayCycleSql`). */
  idleCycleTimeoutMs?: number;
}): OutboxRelay {
  const batchSize = options.batchSize ?? 256;
  const table = `"${options.schemaName}".outbox`;
  // The read is prepared once per connection (SQL `prepare`, then `execute` in the same simple-
  // protocol query as `begin`): PostgreSQL parsed and planned it on every cycle, ~0.09 ms of its
  // CPU each (bench/engine (a) runs ~0.2 cycles per execution).
  const statement = `outbox_read_${options.schemaName.replace(/[^a-zA-Z0-9_]/g, '_')}_${Math.trunc(batchSize)}`;
  const prepared = new WeakSet<pg.PoolClient>();
  // The payload's type, read from the catalog once: the migrations decide it.
  let readSql: Promise<string> | undefined;
  async function readSqlOf(client: pg.PoolClient): Promise<string> {
    const { rows } = await client.query<{ type: string }>(
      `select format_type(atttypid, atttypmod) as type from pg_attribute where attrelid = $1::regclass and attname = 'payload'`,
      [table],
    );
    return outboxReadSql(table, batchSize, rows[0]?.type === 'json' ? 'json' : 'jsonb');
  }
  async function prepareRead(client: pg.PoolClient): Promise<void> {
    if (prepared.has(client)) return;
    readSql ??= readSqlOf(client).catch((error: unknown) => {
      readSql = undefined;
      throw error;
    });
    const sql = await readSql;
    try {
      await client.query(`prepare ${statement} as ${sql}`);
    } catch (error) {
      // Another relay of the same schema and batch size on this connection prepared it already.
      if ((error as { code?: string }).code !== '42P05') throw error;
    }
    prepared.add(client);
  }
  let stopped = false;
  let wakeUp: (() => void) | undefined;
  let pendingWake = false;
  // Plain publishes with PubAcks collected on one inbox: `js.publish` costs a request (timer and
  // promise bookkeeping) per message, measured 5-10x more CPU per event on this machine.
  const publisher = createBatchPublisher(options.nc);

  // Far above a cycle's longest wait between statements: the publisher gives up after 5 s.
  const open = openRelayCycleSql(table, options.idleCycleTimeoutMs ?? 30_000);
  /**
   * One relay cycle in two round trips: the opening (`openRelayCycleSql`) and the read travel together, and
   * so do the delete and `commit` (simple-protocol multi-statement queries; the limit and the ids
   * are integers, inlined). It was four (begin, select, delete, commit): at one webhook client of
   * bench/engine the relay ran ~2 cycles per execution, twice the engine's own statements.
   */
  async function publishBatch(): Promise<number> {
    const client = await options.pool.connect();
    try {
      await prepareRead(client);
      const results = (await client.query(`${open}; execute ${statement}`)) as unknown as Array<pg.QueryResult<OutboxMessage>>;
      const messages = results.at(-1)!.rows;
      if (messages.length === 0) {
        await client.query('commit');
        return 0;
      }
      // One connection keeps publish order; acks are awaited together: one round trip per batch.
      // `Buffer.from` rather than `TextEncoder`: about half the CPU for an event's few hundred bytes
      // in Node 20 (0.5–3.2 against 2.0–5.5 µs a string, a micro-benchmark of 20,000 envelopes).
      await publisher.publishAll(messages.map((m) => ({ subject: m.subject, data: Buffer.from(m.data, 'utf8'), msgId: envelopeId(m.data) })));
      const ids = [...new Set(messages.map((m) => String(m.id)))];
      if (!ids.every((id) => /^\d+$/.test(id))) throw new Error('outbox ids must be integers');
      await client.query(`delete from ${table} where id in (${ids.join(',')}); commit`);
      return ids.length;
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  function waitForWake(ms: number): Promise<void> {
    if (pendingWake) {
      pendingWake = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(finish, ms);
      function finish() {
        clearTimeout(timer);
        wakeUp = undefined;
        pendingWake = false;
        resolve();
      }
      wakeUp = finish;
    });
  }

  const loop = (async () => {
    let failures = 0;
    while (!stopped) {
      try {
        const published = await publishBatch();
        failures = 0;
        if (published === batchSize) continue;
        await waitForWake(options.pollMs);
      } catch (error) {
        failures += 1;
        options.logger.warn({ err: error, failures }, 'outbox relay failed; retrying');
        await waitForWake(Math.min(options.pollMs * 2 ** failures, 10_000));
      }
    }
  })();

  return {
    wake() {
      if (wakeUp) wakeUp();
      else pendingWake = true;
    },
    async stop() {
      stopped = true;
      wakeUp?.();
      await loop;
      publisher.close();
    },
  };
}
