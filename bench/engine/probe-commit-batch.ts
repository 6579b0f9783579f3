/**
 * Probe (not the benchmark): the group-commit statement alone. N executions each with a running
 * step, committed as one batch, fourteen rounds on tables of realistic size, then the plan of one
 * more (EXPLAIN ANALYZE). This is how the steps_open_idx slowdown was found.
 *
 *   N=100 npx tsx bench/engine/probe-commit-batch.ts
 */
import { randomUUID } from 'node:crypto';
import { commitStepBatch, type StepCompletion } from '../../services/executions/src/db/commit-step-batch';
import { startEngineHarness } from '../../services/executions/test/engine-harness';
const h = await startEngineHarness('probe_commit_batch', { runSteps: false });
const n = Number(process.env.N ?? 100);
// background rows so the tables are not tiny
await h.pool.query(`insert into executions (id, tenant_id, schema_id, schema_version, graph_key, status, trigger) select gen_random_uuid(), 't', 's', 1, 'g', 'completed', 'manual' from generate_series(1, 20000)`);
await h.pool.query(`insert into steps (id, execution_id, node_id, node_type, status) select gen_random_uuid(), gen_random_uuid(), 'a', 'noop', 'completed' from generate_series(1, 100000)`);
await h.pool.query('analyze');
async function batch(): Promise<StepCompletion[]> {
  const out: StepCompletion[] = [];
  for (let i = 0; i < n; i++) {
    const e = randomUUID(), s = randomUUID(), c = randomUUID();
    await h.pool.query(`insert into executions (id, tenant_id, schema_id, schema_version, graph_key, status, trigger) values ($1,'t','s',1,'g','running','manual')`, [e]);
    await h.pool.query(`insert into steps (id, execution_id, node_id, node_type, status, ready, claim) values ($1,$2,'a','noop','running',true,$3)`, [s, e, c]);
    out.push({ executionId: e, stepId: s, nodeId: 'a', claim: c, output: { x: i }, ports: null, final: null,
      successors: [{ id: randomUUID(), nodeId: 'b', nodeType: 'noop' }],
      logs: [0, 1, 2].map(() => ({ id: randomUUID(), executionId: e, stepId: s, nodeId: 'a', level: 'info' as const, message: 'm', data: null, time: new Date() })),
      outbox: [], continueWith: { claim: randomUUID(), leaseSeconds: 20 } });
  }
  return out;
}
const client = await h.pool.connect();
for (let round = 0; round < 14; round++) {
  const b = await batch();
  const t0 = performance.now();
  await commitStepBatch(client, b);
  console.log('round', round, (performance.now() - t0).toFixed(2), 'ms for', n);
}
client.release();
const c2 = await h.pool.connect();
const b2 = await batch();
const q = c2.query.bind(c2);
(c2 as any).query = async (cfg: any) => { const out = await q({ text: 'explain (analyze, costs off) ' + cfg.text, values: cfg.values }); console.log(out.rows.map((x: any) => x['QUERY PLAN']).join('\n')); return { rows: [] }; };
await commitStepBatch(c2 as any, b2);
c2.release();
await h.close();
