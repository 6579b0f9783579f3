// Probe (not the benchmark): in-process engine, sequential 3-node executions, start→completed latency.
import { createFinishWaiter } from '../../services/executions/src/messaging/engine-signals';
import { startEngineHarness } from '../../services/executions/test/engine-harness';

const h = await startEngineHarness('probe_latency', { concurrency: Number(process.env.C ?? 32) });
const schemaId = h.addSchema({
  nodes: [
    { id: 'hook', type: 'trigger.manual' },
    { id: 'shape', type: 'transform', config: { expression: '{"total": $sum(items.price)}' } },
    { id: 'say', type: 'log', config: { message: 'x' } },
  ],
  edges: [
    { source: 'hook', target: 'shape' },
    { source: 'shape', target: 'say' },
  ],
});
const stats = new Map<string, number[]>();
const record = (sql: unknown, ms: number) => {
  const key = String(typeof sql === 'string' ? sql : (sql as { text?: string })?.text ?? '?').replace(/\s+/g, ' ').slice(0, 60);
  stats.set(key, [...(stats.get(key) ?? []), ms]);
};
const wrap = (target: { query: (...a: any[]) => any }) => {
  const original = target.query.bind(target);
  target.query = (...args: any[]) => {
    const s = performance.now();
    const r = original(...args);
    if (r && typeof r.then === 'function') return r.then((v: unknown) => (record(args[0], performance.now() - s), v));
    return r;
  };
};
h.pool.on('connect', (client) => wrap(client as any));
// Clients opened before this point: drop them so that every client is wrapped.
await h.pool.query('select 1');
const wait = createFinishWaiter({ nc: h.nc, prefix: h.prefix, pool: h.pool });
const lat: number[] = [];
for (let i = 0; i < Number(process.env.N ?? 100); i++) {
  const t0 = performance.now();
  const e = await h.service.start(h.tenantId, { schemaId, input: { items: [{ price: 1 }] } });
  await wait.waitFor(e.id, 5000);
  lat.push(performance.now() - t0);
}
lat.sort((a, b) => a - b);
console.log({ p50: lat[Math.floor(lat.length / 2)], p99: lat[Math.floor(lat.length * 0.99)] });
const { rows } = await h.pool.query(`select node_id, avg(extract(epoch from started_at - created_at)*1000)::int as queue_ms, avg(extract(epoch from finished_at - started_at)*1000)::numeric(8,2) as run_ms from steps group by node_id`);
console.log(rows);
for (const [k, v] of [...stats.entries()].sort((a, b) => b[1].reduce((x, y) => x + y, 0) - a[1].reduce((x, y) => x + y, 0)).slice(0, 20)) {
  v.sort((a, b) => a - b);
  console.log(String(v.length).padStart(6), 'p50', v[Math.floor(v.length / 2)]!.toFixed(2).padStart(7), 'avg', (v.reduce((a, b) => a + b, 0) / v.length).toFixed(2).padStart(7), k);
}
await h.close();
