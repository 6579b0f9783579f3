/**
 * bench/engine: the execution engine end to end, on the whole platform booted by the start
 * command (own database, own NATS prefix, free ports).
 *
 * (a) webhook → 3-node schema (trigger.webhook → transform → log), signed calls with
 *     `?wait=` so each answer is the completed execution: completed executions/s and
 *     trigger-to-completed latency p50/p99 as the client sees it, at 1 and 50 concurrent clients.
 * (b) a 20-node linear schema started over REST many times at once: steps/s until all complete.
 *
 *   npm run bench:engine      (DURATION_S=10, WARMUP_S=2, LINEAR_EXECUTIONS=500 by default)
 *
 * The load generator runs with the services' young-generation size (`--max-semi-space-size=32`,
 * see scripts/start.ts) so that its own full collections do not show up as platform latency.
 * `BENCH_TIMELINE=<path>` writes every call of (a) as [start epoch ms, latency ms] to
 * `<path>-c<clients>.json`: slow calls that cluster in time point at a stall, not at queueing.
 * `BENCH_PG_STATS=1` prints the rows each execution writes and reads; `BENCH_PROC_IO=1` splits the
 * CPU of the executions process, PostgreSQL and NATS into user and system time and counts their
 * system calls and context switches per execution (`proc-io.ts`).
 *
 * Prints a table and writes bench/engine/results/latest.json.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Agent, request } from 'undici';
import { createTestTenant, startTestPlatform, uniqueName } from '@conveyor/testing';
import { cpuSample as sampleAll } from '../cpu-sample';
import { procIoPerExecution, procIoSample } from './proc-io';

const durationS = Number(process.env.DURATION_S ?? 10);
const warmupS = Number(process.env.WARMUP_S ?? 2);
// The machine is shared: the load average says how much of it the benchmark had.
const loadBefore = loadavg();
// 500 runs (10,000 steps, ~2.5 s): with 200 (~1.3 s) the ramp at the start and the end-of-run
// detection were a tenth of the time measured (3,073-3,181 steps/s against 3,600-3,948 for 400).
const linearExecutions = Number(process.env.LINEAR_EXECUTIONS ?? 500);
const databaseName = uniqueName('bench_engine');
// PostgreSQL over its Unix socket when the machine has one (BENCH_PG_TCP=1 for loopback TCP): the
// per-statement cost on this VM is mostly the socket (docs/engine.md). A bench setting only; the
// platform's default stays 127.0.0.1:5432.
const pgSocketDir = '/var/run/postgresql';
const overSocket = process.env.BENCH_PG_TCP !== '1' && existsSync(`${pgSocketDir}/.s.PGSQL.5432`);
console.log(`PostgreSQL over ${overSocket ? 'its Unix socket' : 'TCP 127.0.0.1'}`);
const platform = await startTestPlatform(databaseName, {
  LOG_LEVEL: 'warn',
  ...(overSocket ? { DATABASE_URL: `postgres://postgres@localhost/${databaseName}?host=${encodeURIComponent(pgSocketDir)}` } : {}),
  ...(process.env.STEP_CONCURRENCY ? { STEP_CONCURRENCY: process.env.STEP_CONCURRENCY } : {}),
});
const gateway = platform.gatewayUrl;

async function api(method: string, path: string, authorization: string, body?: unknown) {
  const response = await fetch(`${gateway}${path}`, {
    method,
    headers: { authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await response.json()) as any;
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

const cpuSample = () => sampleAll('loadgen');

/** CPU ms per completed execution of each part between two samples (parts under 0.01 ms left out). */
function cpuPerExecution(before: Record<string, number>, after: Record<string, number>, completed: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, ms] of Object.entries(after)) {
    const per = (ms - (before[key] ?? 0)) / Math.max(1, completed);
    if (per >= 0.01) out[key] = Math.round(per * 1000) / 1000;
  }
  return out;
}

interface Row {
  scenario: string;
  concurrency: number;
  completed_per_s: number;
  p50_ms: number;
  p99_ms: number;
  errors: number;
  cpu_ms_per_execution: Record<string, number>;
}

/** Rows written per table and transactions of the bench database (BENCH_PG_STATS=1), to see what an execution costs PostgreSQL. */
async function tableStats(): Promise<Record<string, number>> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:5432/${databaseName}` });
  await client.connect();
  try {
    const out: Record<string, number> = {};
    const { rows } = await client.query(
      `select schemaname || '.' || relname as t, n_tup_ins, n_tup_upd, n_tup_del, n_tup_hot_upd, seq_scan, seq_tup_read, idx_scan, idx_tup_fetch from pg_stat_user_tables`,
    );
    for (const r of rows) for (const k of ['n_tup_ins', 'n_tup_upd', 'n_tup_del', 'n_tup_hot_upd', 'seq_scan', 'seq_tup_read', 'idx_scan', 'idx_tup_fetch']) out[`${r.t} ${k}`] = Number(r[k]);
    const db = await client.query(`select xact_commit, xact_rollback, tup_returned, tup_fetched from pg_stat_database where datname = current_database()`);
    for (const [k, v] of Object.entries(db.rows[0] as Record<string, string>)) out[`db ${k}`] = Number(v);
    return out;
  } finally {
    await client.end();
  }
}

function printTableStats(before: Record<string, number>, after: Record<string, number>, executions: number): void {
  const rows = Object.entries(after)
    .map(([k, v]) => [k, (v - (before[k] ?? 0)) / executions] as const)
    .filter(([, v]) => v > 0.005);
  console.log('PostgreSQL per execution:', Object.fromEntries(rows.map(([k, v]) => [k, Math.round(v * 100) / 100])));
}

/**
 * Closed loop: each client sends its next signed call when the previous one answered with a
 * completed execution. The first `warmupS` seconds warm caches, pools, connections and query
 * plans and are not measured; the clients run on without a pause into the measured `seconds`
 * (`onMeasure` runs at the boundary), so the measurement does not open with 50 calls at once.
 * The clients run in a worker thread (`webhook-load.mjs`): see there why.
 */
async function webhookLoad(url: string, secret: string, concurrency: number, warmupS: number, seconds: number, onMeasure: () => void) {
  const worker = new Worker(new URL('./webhook-load.mjs', import.meta.url), { workerData: { url, secret, concurrency, warmupS, seconds } });
  const { latencies, timeline, errors } = await new Promise<{ latencies: number[]; timeline: Array<[number, number]>; errors: number }>((resolve, reject) => {
    worker.on('message', (message: { type: string; latencies: number[]; timeline: Array<[number, number]>; errors: number }) => {
      if (message.type === 'measuring') onMeasure();
      else resolve(message);
    });
    worker.on('error', reject);
    worker.on('exit', (code) => reject(new Error(`load worker exited with ${code}`)));
  });
  await worker.terminate();
  if (process.env.BENCH_TIMELINE) writeFileSync(`${process.env.BENCH_TIMELINE}-c${concurrency}.json`, JSON.stringify(timeline));
  latencies.sort((a, b) => a - b);
  const at = (q: number) => Math.round((latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN) * 100) / 100;
  return { completed_per_s: Math.round(latencies.length / seconds), p50_ms: at(0.5), p99_ms: at(0.99), errors, completed: latencies.length };
}

const rows: Row[] = [];
let linear: { executions: number; steps: number; seconds: number; steps_per_s: number; cpu_ms_per_step: Record<string, number> } | undefined;
try {
  const tenant = await createTestTenant(gateway, 'bench');
  const auth = tenant.admin.authorization;

  // (a) webhook → transform → log
  const hook = await api('POST', '/api/schemas', auth, {
    name: 'bench webhook',
    description: 'bench/engine (a)',
    status: 'active',
    nodes: [
      { id: 'hook', type: 'trigger.webhook' },
      { id: 'shape', type: 'transform', config: { expression: '{"order": order.id, "total": $sum(order.items.price)}' } },
      { id: 'say', type: 'log', config: { message: 'order received' } },
    ],
    edges: [
      { source: 'hook', target: 'shape' },
      { source: 'shape', target: 'say' },
    ],
  });
  const { webhook_secret: secret } = await api('GET', `/api/schemas/${hook.id}/webhook-secret`, auth);
  const url = `${gateway}/webhook/${hook.id}`;
  // The engine learns a schema's tenant from the schemas service's events; wait for it.
  for (;;) {
    const probe = await request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    await probe.body.dump();
    if (probe.statusCode !== 404) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  for (const concurrency of [1, 50]) {
    let before = cpuSample();
    let tablesBefore: Promise<Record<string, number>> | undefined;
    let ioBefore: Record<string, number> | undefined;
    const { completed, ...measured } = await webhookLoad(url, secret, concurrency, warmupS, durationS, () => {
      before = cpuSample();
      if (process.env.BENCH_PROC_IO) ioBefore = procIoSample();
      if (process.env.BENCH_PG_STATS) tablesBefore = tableStats();
    });
    if (ioBefore) console.log('CPU split and system calls per execution:', procIoPerExecution(ioBefore, procIoSample(), completed));
    if (tablesBefore) printTableStats(await tablesBefore, await tableStats(), completed);
    rows.push({ scenario: 'webhook → 3 nodes (?wait)', concurrency, ...measured, cpu_ms_per_execution: cpuPerExecution(before, cpuSample(), completed) });
    console.log(JSON.stringify(rows.at(-1)));
  }

  // (b) 20-node linear
  const nodes = [{ id: 'n0', type: 'trigger.manual' }, ...Array.from({ length: 19 }, (_, i) => ({ id: `n${i + 1}`, type: 'noop' }))];
  const chain = await api('POST', '/api/schemas', auth, {
    name: 'bench linear',
    description: 'bench/engine (b)',
    status: 'active',
    nodes,
    edges: nodes.slice(1).map((node, i) => ({ source: `n${i}`, target: node.id })),
  });
  const cpuBefore = cpuSample();
  const started = performance.now();
  const agent = new Agent({ connections: 50 });
  let next = 0;
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      while (next < linearExecutions) {
        next++;
        const response = await request(`${gateway}/api/executions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: auth },
          body: JSON.stringify({ schema_id: chain.id, input: {} }),
          dispatcher: agent,
        });
        await response.body.dump();
      }
    }),
  );
  await agent.close();
  for (;;) {
    const done = await api('GET', `/api/executions?schema_id=${chain.id}&status=completed&limit=1`, auth);
    if (done.total >= linearExecutions) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const seconds = (performance.now() - started) / 1000;
  linear = { executions: linearExecutions, steps: linearExecutions * 20, seconds: Math.round(seconds * 100) / 100, steps_per_s: Math.round((linearExecutions * 20) / seconds), cpu_ms_per_step: cpuPerExecution(cpuBefore, cpuSample(), linearExecutions * 20) };
  console.log(JSON.stringify(linear));
} finally {
  await platform.destroy();
}

console.table(rows.map(({ cpu_ms_per_execution: _, ...row }) => row));
for (const row of rows) console.log(`CPU ms per execution at ${row.concurrency} client(s):`, row.cpu_ms_per_execution);
if (linear) {
  const { cpu_ms_per_step: cpu, ...row } = linear;
  console.table([row]);
  console.log('CPU ms per step of (b):', cpu);
}
const out = join(import.meta.dirname, 'results');
mkdirSync(out, { recursive: true });
writeFileSync(
  join(out, 'latest.json'),
  JSON.stringify({ measured_at: new Date().toISOString(), duration_s: durationS, postgres: overSocket ? 'unix socket' : 'tcp 127.0.0.1', cpus: cpus().length, load_average_before: loadBefore, load_average_after: loadavg(), webhook: rows, linear }, null, 2),
);
