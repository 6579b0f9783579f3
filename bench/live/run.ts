/**
 * bench/live: live status through the real gateway process.
 *
 * (a) Latency: 1,000 graphql-ws subscribers (`executionUpdated(id)`, 50 connections x 20), each
 *     watching its own running execution; `execution.updated` envelopes (the engine's contract,
 *     validated) are published to the EVENTS stream at RATE events/s for DURATION_S; latency is
 *     publish-call-to-client-receipt (both in this process, one clock): JetStream persist, the
 *     gateway's shared consumer, fan-out, rendering and the WebSocket frame.
 * (b) Memory: the gateway's RSS with 10,000 idle subscriptions (100 connections x 100) opened
 *     on top of a baseline measured before any subscription.
 *
 * Real processes: auth (the token), executions (the first message of every subscription is its
 * `execution(id)` query), gateway. Own database and NATS prefix. Prints a table and writes
 * bench/live/results/latest.json.
 *
 *   npx tsx bench/live/run.ts        (DURATION_S=10 RATES=100,500 by default)
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { executionUpdatedEvent, subjectOfEvent } from '@conveyor/contracts';
import { connectTestNats, createTestDatabase, createTestStreams, createTestUser, deleteTestStreams, migrateServices, startServiceProcess, uniqueName } from '@conveyor/testing';
import { createClient, type Client } from 'graphql-ws';
import pg from 'pg';
import WebSocket from 'ws';

const durationS = Number(process.env.DURATION_S ?? 10);
const rates = (process.env.RATES ?? '100,500').split(',').map(Number);
const executionCount = 1_000;
const now = () => performance.timeOrigin + performance.now();

const db = await createTestDatabase('bench_live');
await migrateServices(db.url, ['auth', 'executions']);
const prefix = uniqueName('bench_live');
const nc = await connectTestNats();
await createTestStreams(nc, prefix);
const common = { DATABASE_URL: db.url, NATS_PREFIX: prefix, LOG_LEVEL: 'warn' };
const auth = await startServiceProcess('auth', common);
const executions = await startServiceProcess('executions', common);
const gateway = await startServiceProcess('gateway', {
  ...common,
  AUTH_URL: `${auth.url}/graphql`,
  EXECUTIONS_URL: `${executions.url}/graphql`,
  LIVE_MAX_CONNECTIONS_PER_USER: '1000',
  LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION: '100',
});
const clients: Client[] = [];

function rssMiB(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: kib('VmRSS') / 1024, hwm: kib('VmHWM') / 1024 };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const round = (value: number) => Math.round(value * 100) / 100;

try {
  const user = await createTestUser(auth.url, 'engineer', 'bench-live');
  // Running executions of the user's tenant, as the engine stores them.
  const sql = new pg.Pool({ connectionString: db.url, max: 2 });
  const ids = Array.from({ length: executionCount }, () => randomUUID());
  const schemaId = randomUUID();
  await sql.query(
    `insert into executions.executions (id, tenant_id, schema_id, schema_version, graph_key, status, trigger, current_step)
     select unnest($1::uuid[]), $2, $3, 1, 'bench', 'running', 'manual', 'start'`,
    [ids, user.tenantId, schemaId],
  );
  await sql.end();

  const wsUrl = `${gateway.url.replace('http', 'ws')}/graphql`;
  const connect = () => {
    const client = createClient({ url: wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { authorization: user.authorization } });
    clients.push(client);
    return client;
  };
  const query = 'subscription($id: ID!) { executionUpdated(id: $id) { id status currentStep } }';

  /** Opens `perConnection` subscriptions on each of `connections` sockets; resolves when every first message arrived. */
  async function subscribeAll(connections: number, perConnection: number, onMessage: (currentStep: string) => void) {
    let pending = connections * perConnection;
    let resolveAll!: () => void;
    const allFirst = new Promise<void>((resolve) => (resolveAll = resolve));
    const started = now();
    for (let c = 0; c < connections; c += 1) {
      const client = connect();
      for (let s = 0; s < perConnection; s += 1) {
        const id = ids[(c * perConnection + s) % executionCount]!;
        let first = true;
        client.subscribe<{ executionUpdated: { currentStep: string } }>(
          { query, variables: { id } },
          {
            next: (message) => {
              if (first) {
                first = false;
                if (--pending === 0) resolveAll();
                return;
              }
              onMessage(message.data!.executionUpdated.currentStep);
            },
            error: (error) => console.error('subscription error', JSON.stringify(error)),
            complete: () => undefined,
          },
        );
      }
      // A few connections at a time, so the first-message queries do not all queue at once.
      if (c % 5 === 4) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await allFirst;
    return (now() - started) / 1000;
  }

  // (a) 1,000 subscribers, events at `rate`/s.
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const setupS = await subscribeAll(50, 20, (step) => {
    const sent = sentAt.get(step);
    if (sent !== undefined) latencies.push(now() - sent);
  });
  const js = nc.jetstream();
  const subject = subjectOfEvent(prefix, executionUpdatedEvent);
  const encoder = new TextEncoder();
  const latency: Array<Record<string, number>> = [];
  let sent = 0;
  for (const rate of rates) {
    latencies.length = 0;
    const total = rate * durationS;
    const startedAt = now();
    for (let k = 0; k < total; k += 1) {
      const due = startedAt + (k * 1000) / rate;
      const wait = due - now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      const id = ids[sent % executionCount]!;
      const step = `step-${sent}`;
      sent += 1;
      const data = executionUpdatedEvent.data.parse({
        id,
        schema_id: schemaId,
        schema_version: 1,
        status: 'running',
        current_step: step,
        started_at: new Date().toISOString(),
        finished_at: null,
        error: null,
        parent_execution_id: null,
      });
      const envelope = { v: 1, id: randomUUID(), type: subject, occurred_at: new Date().toISOString(), tenant_id: user.tenantId, entity: { typename: 'Execution', id }, data };
      sentAt.set(step, now());
      void js.publish(subject, encoder.encode(JSON.stringify(envelope)), { msgID: envelope.id });
    }
    const deadline = now() + 10_000;
    while (latencies.length < total && now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    latencies.sort((a, b) => a - b);
    const row = {
      subscribers: 1_000,
      events_per_s: rate,
      events: total,
      delivered: latencies.length,
      setup_s: round(setupS),
      p50_ms: round(percentile(latencies, 50)),
      p90_ms: round(percentile(latencies, 90)),
      p99_ms: round(percentile(latencies, 99)),
      max_ms: round(latencies.at(-1) ?? NaN),
    };
    latency.push(row);
    console.log('latency, 1,000 subscribers:', row);
  }
  for (const client of clients.splice(0)) await client.dispose();
  await new Promise((resolve) => setTimeout(resolve, 2_000));

  // (b) memory with 10,000 idle subscriptions.
  const pid = gateway.child.pid!;
  const baseline = rssMiB(pid);
  const idleSetupS = await subscribeAll(100, 100, () => undefined);
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  const loaded = rssMiB(pid);
  const memory = {
    subscriptions: 10_000,
    connections: 100,
    setup_s: round(idleSetupS),
    baseline_rss_mib: round(baseline.rss),
    rss_mib: round(loaded.rss),
    peak_rss_mib: round(loaded.hwm),
    per_subscription_kib: round(((loaded.rss - baseline.rss) * 1024) / 10_000),
  };
  console.log('memory, 10,000 idle subscriptions:', memory);

  const resultsDir = join(import.meta.dirname, 'results');
  mkdirSync(resultsDir, { recursive: true });
  const result = { at: new Date().toISOString(), machine: { cpus: (await import('node:os')).cpus().length, load_average_1m: (await import('node:os')).loadavg()[0] }, latency, memory };
  writeFileSync(join(resultsDir, 'latest.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(`wrote ${join(resultsDir, 'latest.json')}`);
} finally {
  for (const client of clients) await client.dispose();
  await gateway.stop();
  await executions.stop();
  await auth.stop();
  await deleteTestStreams(nc, prefix);
  await nc.drain();
  await db.drop();
}
