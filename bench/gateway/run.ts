/**
 * bench/gateway: one small query (the catalog's status, one indexed read of its own database)
 * (a) straight to the catalog subgraph, (b) through the gateway's /graphql, (c) through the REST
 * adapter; requests/s and p50/p99 latency at concurrency 1 and 50. Boots its own platform with
 * the start command (own database, own NATS prefix, free ports), prints a table and writes
 * bench/gateway/results/latest.json.
 *
 *   npm run bench:gateway            (DURATION_S=10 by default)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { startTestPlatform, uniqueName } from '@conveyor/testing';

const durationS = Number(process.env.DURATION_S ?? 10);
const prefix = uniqueName('bench_gw');
const platform = await startTestPlatform(prefix, { LOG_LEVEL: 'warn' });
const gateway = platform.gatewayUrl;
const catalog = `http://127.0.0.1:${platform.ports.catalog}`;

const query = JSON.stringify({ query: '{ catalogStatus { service version instanceId migrationsApplied outboxPending databaseLatencyMs checkedAt } }' });
const graphqlRequest = { method: 'POST' as const, headers: { 'content-type': 'application/json' }, body: query };
const targets = [
  { name: 'subgraph', url: `${catalog}/graphql`, ...graphqlRequest },
  { name: 'gateway /graphql', url: `${gateway}/graphql`, ...graphqlRequest },
  { name: 'REST adapter', url: `${gateway}/api/v1/platform/status/catalog`, method: 'GET' as const, headers: {}, body: undefined },
];

interface Row {
  target: string;
  concurrency: number;
  requests_per_s: number;
  p50_ms: number;
  p99_ms: number;
  errors: number;
  non_2xx: number;
}

/**
 * A closed-loop load generator: `concurrency` workers, each sending its next request when the
 * previous answers, for `seconds`. Latencies are kept in microseconds (autocannon rounds to whole
 * milliseconds, too coarse for a 1 ms budget).
 */
async function load(target: (typeof targets)[number], concurrency: number, seconds: number) {
  const agent = new Agent({ connections: concurrency, keepAliveTimeout: 30_000 });
  const latencies: number[] = [];
  let errors = 0;
  let non2xx = 0;
  const deadline = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const started = performance.now();
        try {
          const response = await request(target.url, { method: target.method, headers: target.headers, body: target.body ?? null, dispatcher: agent });
          await response.body.dump();
          if (response.statusCode < 200 || response.statusCode >= 300) non2xx++;
        } catch {
          errors++;
        }
        latencies.push(performance.now() - started);
      }
    }),
  );
  await agent.close();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]! * 1000) / 1000;
  return { requests_per_s: Math.round(latencies.length / seconds), p50_ms: at(0.5), p99_ms: at(0.99), errors, non_2xx: non2xx };
}

const rows: Row[] = [];
try {
  for (const concurrency of [1, 50]) {
    for (const target of targets) {
      // A short warm-up fills connection pools and Apollo's document and query-plan caches.
      await load(target, concurrency, 2);
      rows.push({ target: target.name, concurrency, ...(await load(target, concurrency, durationS)) });
      console.log(JSON.stringify(rows.at(-1)));
    }
  }
} finally {
  await platform.destroy();
}

console.table(rows);
const base = (c: number) => rows.find((r) => r.target === 'subgraph' && r.concurrency === c)!;
const round = (ms: number) => Math.round(ms * 1000) / 1000;
const summary = {
  gateway_overhead_p50_ms_c1: round(rows.find((r) => r.target === 'gateway /graphql' && r.concurrency === 1)!.p50_ms - base(1).p50_ms),
  rest_overhead_p50_ms_c1: round(rows.find((r) => r.target === 'REST adapter' && r.concurrency === 1)!.p50_ms - base(1).p50_ms),
  rest_requests_per_s_c50: rows.find((r) => r.target === 'REST adapter' && r.concurrency === 50)!.requests_per_s,
  gateway_requests_per_s_c50: rows.find((r) => r.target === 'gateway /graphql' && r.concurrency === 50)!.requests_per_s,
};
console.log(summary);
const out = join(import.meta.dirname, 'results');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'latest.json'), JSON.stringify({ measured_at: new Date().toISOString(), duration_s: durationS, rows, summary }, null, 2));
