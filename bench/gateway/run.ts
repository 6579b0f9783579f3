/**
 * bench/gateway: one small query (the catalog's status, one read of its own database)
 * (a) straight to the catalog subgraph, (b) through the gateway's /graphql, (c) through the REST
 * adapter; requests/s and p50/p99 latency at concurrency 1 and 50, and the CPU each process spent
 * per request. Boots its own platform with the start command (own database, own NATS prefix,
 * free ports), prints a table and writes bench/gateway/results/latest.json.
 *
 *   npm run bench:gateway            (DURATION_S=10, WARMUP_S=5 by default)
 *
 * Every target is warmed up at concurrency 50 before anything is measured: measured right after
 * boot, the first runs paid for V8 compiling the hot paths (the gateway's c1 p50 read 3.1 ms
 * after a 2 s warm-up and 1.6 ms once warm). See bench/gateway/README.md.
 */
import { execSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestPlatform, uniqueName } from '@conveyor/testing';
import { runLoad, type LoadTarget } from './http-load';

const durationS = Number(process.env.DURATION_S ?? 10);
const warmupS = Number(process.env.WARMUP_S ?? 5);
const prefix = uniqueName('bench_gw');
const platform = await startTestPlatform(prefix, { LOG_LEVEL: 'warn' });
const gateway = platform.gatewayUrl;
const catalog = `http://127.0.0.1:${platform.ports.catalog}`;

const query = JSON.stringify({ query: '{ catalogStatus { service version instanceId migrationsApplied outboxPending databaseLatencyMs checkedAt } }' });
const graphqlRequest = { method: 'POST' as const, headers: { 'content-type': 'application/json' }, body: query };
const targets: Array<LoadTarget & { name: string }> = [
  { name: 'subgraph', url: `${catalog}/graphql`, ...graphqlRequest },
  { name: 'gateway /graphql', url: `${gateway}/graphql`, ...graphqlRequest },
  { name: 'REST adapter', url: `${gateway}/api/v1/platform/status/catalog`, method: 'GET' },
];

/** CPU time (ms) a process has used so far, from /proc (Linux); `undefined` elsewhere. */
function cpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}
function listeningPid(port: number | undefined): number | undefined {
  try {
    const match = /pid=(\d+)/.exec(execSync(`ss -ltnpH 'sport = :${port}'`, { stdio: ['ignore', 'pipe', 'ignore'] }).toString());
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}
/** CPU time (ms) of each PostgreSQL process; deltas count only processes alive at both samples. */
function postgresCpuMs(): Map<number, number> | undefined {
  try {
    const pids = execSync('pgrep -u postgres', { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim().split('\n').map(Number);
    return new Map(pids.flatMap((pid) => {
      const ms = cpuMs(pid);
      return ms === undefined ? [] : [[pid, ms] as [number, number]];
    }));
  } catch {
    return undefined;
  }
}
function postgresDeltaMs(before: Map<number, number> | undefined, after: Map<number, number> | undefined): number | undefined {
  if (!before || !after) return undefined;
  let sum = 0;
  for (const [pid, ms] of after) {
    const start = before.get(pid);
    if (start !== undefined) sum += ms - start;
  }
  return sum;
}
const processes = { gateway: listeningPid(platform.ports.gateway), catalog: listeningPid(platform.ports.catalog) };
const sample = () => ({ gateway: cpuMs(processes.gateway), catalog: cpuMs(processes.catalog), postgres: postgresCpuMs(), loadgen: process.cpuUsage() });

interface Row {
  target: string;
  concurrency: number;
  requests_per_s: number;
  p50_ms: number;
  p99_ms: number;
  errors: number;
  non_2xx: number;
  /** CPU microseconds per request spent by each process (PostgreSQL: all its processes). */
  cpu_us_per_request: Record<'gateway' | 'catalog' | 'postgres' | 'loadgen', number | null>;
}

const rows: Row[] = [];
try {
  // Compiles the hot paths and fills connection pools and Apollo's document and query-plan caches.
  for (const target of targets) await runLoad(target, 50, warmupS);
  for (const concurrency of [1, 50]) {
    for (const target of targets) {
      await runLoad(target, concurrency, 1);
      const before = sample();
      const result = await runLoad(target, concurrency, durationS);
      const after = sample();
      const requests = result.requests_per_s * durationS;
      const per = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? null : Math.round(((b - a) * 1000) / requests));
      const loadgen = process.cpuUsage(before.loadgen);
      rows.push({
        target: target.name,
        concurrency,
        ...result,
        cpu_us_per_request: {
          gateway: per(before.gateway, after.gateway),
          catalog: per(before.catalog, after.catalog),
          postgres: per(0, postgresDeltaMs(before.postgres, after.postgres)),
          loadgen: Math.round((loadgen.user + loadgen.system) / requests),
        },
      });
      console.log(JSON.stringify(rows.at(-1)));
    }
  }
} finally {
  await platform.destroy();
}

console.table(rows.map(({ cpu_us_per_request: cpu, ...row }) => ({ ...row, 'cpu µs/req gw·cat·pg·load': Object.values(cpu).join(' · ') })));
const find = (target: string, c: number) => rows.find((r) => r.target === target && r.concurrency === c)!;
const round = (ms: number) => Math.round(ms * 1000) / 1000;
const summary = {
  gateway_overhead_p50_ms_c1: round(find('gateway /graphql', 1).p50_ms - find('subgraph', 1).p50_ms),
  rest_overhead_p50_ms_c1: round(find('REST adapter', 1).p50_ms - find('subgraph', 1).p50_ms),
  gateway_requests_per_s_c50: find('gateway /graphql', 50).requests_per_s,
  rest_requests_per_s_c50: find('REST adapter', 50).requests_per_s,
};
console.log(summary);
const out = join(import.meta.dirname, 'results');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'latest.json'), JSON.stringify({ measured_at: new Date().toISOString(), duration_s: durationS, warmup_s: warmupS, rows, summary }, null, 2));
