import { monitorEventLoopDelay } from 'node:perf_hooks';
import pg from 'pg';
import { startEngineHarness } from '../../services/executions/test/engine-harness';

let counting = false;
const h = await startEngineHarness('probe_stmts', { concurrency: Number(process.env.STEPS ?? 64) });
const stats = new Map<string, number[]>();
const record = (sql: unknown, ms: number) => {
  if (!counting) return;
  const key = String(typeof sql === 'string' ? sql : (sql as { text?: string })?.text ?? '?').replace(/\s+/g, ' ').replace(/\d+(,\d+)*/g, 'N').slice(0, 70);
  let a = stats.get(key); if (!a) stats.set(key, (a = [])); a.push(ms);
};
const wrap = (target: { query: (...a: any[]) => any }) => {
  const original = target.query;
  target.query = function (this: unknown, ...args: any[]) {
    const s = performance.now();
    const r = original.apply(this, args);
    if (r && typeof r.then === 'function') return r.then((v: unknown) => (record((args[0] as { name?: string })?.name ?? args[0], performance.now() - s), v));
    return r;
  };
};
wrap(pg.Client.prototype as any);
const acquire: number[] = [];
const origConnect = h.pool.connect.bind(h.pool);
(h.pool as any).connect = (...a: any[]) => { const s = performance.now(); const p: any = (origConnect as any)(...a); if (p && p.then) p.then(() => acquire.push(performance.now() - s)); return p; };
const schemaId = h.addSchema({
  nodes: [
    { id: 'hook', type: 'trigger.webhook', config: { requireSignature: false } },
    { id: 'shape', type: 'transform', config: { expression: '{"order": order.id, "total": $sum(order.items.price)}' } },
    { id: 'say', type: 'log', config: { message: 'order received' } },
  ],
  edges: [{ source: 'hook', target: 'shape' }, { source: 'shape', target: 'say' }],
});
const concurrency = Number(process.env.C ?? 50);
const seconds = Number(process.env.D ?? 8);
const lat: number[] = [];
const eld = monitorEventLoopDelay({ resolution: 5 }); eld.enable();
const waiting: number[] = [];
const sampler = setInterval(() => waiting.push(h.pool.waitingCount), 20);
import { readFileSync } from 'node:fs';
const pgTicks = async () => {
  const { rows } = await h.pool.query<{ pid: number }>(`select pid from pg_stat_activity where datname = current_database()`);
  let t = 0;
  for (const { pid } of rows) { try { const s = readFileSync(`/proc/${pid}/stat`, 'utf8'); const f = s.slice(s.lastIndexOf(')') + 2).split(' '); t += Number(f[11]) + Number(f[12]); } catch {} }
  return t;
};
// warm the pool up to its size so that the PostgreSQL backends exist before counting
await Promise.all(Array.from({ length: 20 }, () => h.pool.query('select pg_sleep(0.05)')));
const pg0 = await pgTicks();
const cpu0 = process.cpuUsage();
counting = true;
const deadline = performance.now() + seconds * 1000;
await Promise.all(Array.from({ length: concurrency }, async () => {
  while (performance.now() < deadline) {
    const t0 = performance.now();
    const a = await h.service.webhook({ schemaId, rawBody: '{"order":{"id":1,"items":[{"price":2}]}}', headers: { 'content-type': 'application/json' }, waitMs: 9000 });
    if (a.execution.status === 'completed') lat.push(performance.now() - t0);
  }
}));
clearInterval(sampler); eld.disable();
counting = false;
const cpu = process.cpuUsage(cpu0);
const pgMs = (await pgTicks() - pg0) * 10;
lat.sort((a, b) => a - b);
console.log({ completed_per_s: Math.round(lat.length / seconds), p50: lat[Math.floor(lat.length / 2)], p99: lat[Math.floor(lat.length * 0.99)], cpu_pct: Math.round((cpu.user + cpu.system) / 10 / seconds / 1000 * 10) / 10, eld_p50: eld.percentile(50) / 1e6, eld_p99: eld.percentile(99) / 1e6, pool_waiting_avg: waiting.reduce((a, b) => a + b, 0) / waiting.length, node_cpu_ms_per_exec: (cpu.user + cpu.system) / 1000 / lat.length, pg_cpu_ms_per_exec: pgMs / lat.length });
acquire.sort((a, b) => a - b);
console.log('acquire', acquire.length, 'p50', acquire[Math.floor(acquire.length / 2)]?.toFixed(2), 'p99', acquire[Math.floor(acquire.length * 0.99)]?.toFixed(2));
const { rows } = await h.pool.query(`select s.node_id, count(*), avg(extract(epoch from s.started_at - s.created_at)*1000)::numeric(8,1) as queue_ms,
  avg(extract(epoch from s.finished_at - s.started_at)*1000)::numeric(8,1) as run_ms from steps s group by s.node_id`);
console.log(rows);
for (const [k, v] of [...stats.entries()].sort((a, b) => b[1].reduce((x, y) => x + y, 0) - a[1].reduce((x, y) => x + y, 0)).slice(0, 20)) {
  v.sort((a, b) => a - b);
  console.log(String(v.length).padStart(6), (v.length / lat.length).toFixed(2).padStart(5), '/exec', 'p50', v[Math.floor(v.length / 2)]!.toFixed(2).padStart(7), 'p99', v[Math.floor(v.length*0.99)]!.toFixed(2).padStart(7), 'avg', (v.reduce((a, b) => a + b, 0) / v.length).toFixed(2).padStart(7), k);
}
await h.close();
