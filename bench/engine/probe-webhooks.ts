// Probe (not the benchmark): the engine in-process, webhook intake with ?wait at concurrency C
// for D seconds; completed/s and latency. Run with --cpu-prof to see where the engine's CPU goes.
import { startEngineHarness } from '../../services/executions/test/engine-harness';

const h = await startEngineHarness('probe_webhooks', { concurrency: Number(process.env.STEPS ?? 64) });
const schemaId = h.addSchema({
  nodes: [
    { id: 'hook', type: 'trigger.webhook', config: { requireSignature: false } },
    { id: 'shape', type: 'transform', config: { expression: '{"order": order.id, "total": $sum(order.items.price)}' } },
    { id: 'say', type: 'log', config: { message: 'order received' } },
  ],
  edges: [
    { source: 'hook', target: 'shape' },
    { source: 'shape', target: 'say' },
  ],
});
const concurrency = Number(process.env.C ?? 50);
const seconds = Number(process.env.D ?? 8);
const lat: number[] = [];
const deadline = performance.now() + seconds * 1000;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      const a = await h.service.webhook({ schemaId, rawBody: '{"order":{"id":1,"items":[{"price":2}]}}', headers: { 'content-type': 'application/json' }, waitMs: 9000 });
      if (a.execution.status === 'completed') lat.push(performance.now() - t0);
    }
  }),
);
lat.sort((a, b) => a - b);
console.log({ completed_per_s: Math.round(lat.length / seconds), p50: lat[Math.floor(lat.length / 2)], p99: lat[Math.floor(lat.length * 0.99)] });
const { rows } = await h.pool.query(`select s.node_id,
  avg(extract(epoch from s.started_at - s.created_at)*1000)::numeric(8,1) as queue_ms,
  avg(extract(epoch from s.finished_at - s.started_at)*1000)::numeric(8,1) as run_ms,
  avg(extract(epoch from e.finished_at - e.started_at)*1000)::numeric(8,1) as exec_ms
  from steps s join executions e on e.id = s.execution_id group by s.node_id`);
console.log(rows);
await h.close();
