/**
 * bench/engine: the execution engine end to end, on the whole platform booted by the start
 * command (own database, own NATS prefix, free ports).
 *
 * (a) webhook → 3-node schema (trigger.webhook → transform → log), signed calls with
 *     `?wait=` so each answer is the completed execution: completed executions/s and
 *     trigger-to-completed latency p50/p99 as the client sees it, at 1 and 50 concurrent clients.
 * (b) a 20-node linear schema started over REST many times at once: steps/s until all complete.
 *
 *   node --import tsx bench/engine/run.ts      (DURATION_S=10, LINEAR_EXECUTIONS=200 by default)
 *
 * Prints a table and writes bench/engine/results/latest.json.
 */
import { createHmac } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { createTestTenant, startTestPlatform, uniqueName } from '@conveyor/testing';

const durationS = Number(process.env.DURATION_S ?? 10);
// The machine is shared: the load average says how much of it the benchmark had.
const loadBefore = loadavg();
const linearExecutions = Number(process.env.LINEAR_EXECUTIONS ?? 200);
const platform = await startTestPlatform(uniqueName('bench_engine'), { LOG_LEVEL: 'warn', ...(process.env.STEP_CONCURRENCY ? { STEP_CONCURRENCY: process.env.STEP_CONCURRENCY } : {}) });
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

interface Row {
  scenario: string;
  concurrency: number;
  completed_per_s: number;
  p50_ms: number;
  p99_ms: number;
  errors: number;
}

/** Closed loop: each client sends its next signed call when the previous one answered with a completed execution. */
async function webhookLoad(url: string, secret: string, concurrency: number, seconds: number) {
  const agent = new Agent({ connections: concurrency, keepAliveTimeout: 30_000 });
  const latencies: number[] = [];
  let errors = 0;
  const deadline = performance.now() + seconds * 1000;
  let n = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const body = JSON.stringify({ order: { id: ++n, items: [{ price: 2 }, { price: 3 }] } });
        const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
        const started = performance.now();
        try {
          const response = await request(`${url}?wait=9000`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-webhook-signature': signature },
            body,
            dispatcher: agent,
          });
          const answer = (await response.body.json()) as { status?: string };
          if (response.statusCode !== 200 || answer.status !== 'completed') errors++;
          else latencies.push(performance.now() - started);
        } catch {
          errors++;
        }
      }
    }),
  );
  await agent.close();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => Math.round((latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN) * 100) / 100;
  return { completed_per_s: Math.round(latencies.length / seconds), p50_ms: at(0.5), p99_ms: at(0.99), errors };
}

const rows: Row[] = [];
let linear: { executions: number; steps: number; seconds: number; steps_per_s: number } | undefined;
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
    await webhookLoad(url, secret, concurrency, 2); // warm-up: caches, pools, query plans
    rows.push({ scenario: 'webhook → 3 nodes (?wait)', concurrency, ...(await webhookLoad(url, secret, concurrency, durationS)) });
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
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const seconds = (performance.now() - started) / 1000;
  linear = { executions: linearExecutions, steps: linearExecutions * 20, seconds: Math.round(seconds * 100) / 100, steps_per_s: Math.round((linearExecutions * 20) / seconds) };
  console.log(JSON.stringify(linear));
} finally {
  await platform.destroy();
}

console.table(rows);
console.table([linear]);
const out = join(import.meta.dirname, 'results');
mkdirSync(out, { recursive: true });
writeFileSync(
  join(out, 'latest.json'),
  JSON.stringify({ measured_at: new Date().toISOString(), duration_s: durationS, cpus: cpus().length, load_average_before: loadBefore, load_average_after: loadavg(), webhook: rows, linear }, null, 2),
);
