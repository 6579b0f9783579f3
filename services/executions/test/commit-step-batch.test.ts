import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, defaultRandomPageCost } from '@conveyor/service-runtime';
import { commitStepBatch, type StepCompletion } from '../src/db/commit-step-batch';
import * as tables from '../src/db/schema';
import { startEngineHarness, type EngineHarness } from './engine-harness';

let h: EngineHarness;

beforeAll(async () => {
  h = await startEngineHarness('commit_batch', { runSteps: false });
});

afterAll(async () => {
  await h?.close();
});

/** An execution in `status` with one step `running` under a claim, written directly. */
async function runningStep(status: string) {
  const executionId = randomUUID();
  const stepId = randomUUID();
  const claim = randomUUID();
  await h.pool.query(
    `insert into executions (id, tenant_id, schema_id, schema_version, graph_key, status, trigger, current_step, start_step)
     values ($1, $2, 'schema', 1, 'graph', $3, 'manual', 'a', 'a')`,
    [executionId, h.tenantId, status],
  );
  await h.pool.query(
    `insert into steps (id, execution_id, node_id, node_type, status, ready, claim, started_at) values ($1, $2, 'a', 'noop', 'running', true, $3, now())`,
    [stepId, executionId, claim],
  );
  return { executionId, stepId, claim };
}

function completion(step: { executionId: string; stepId: string; claim: string }, extra: Partial<StepCompletion> = {}): StepCompletion {
  return {
    executionId: step.executionId,
    stepId: step.stepId,
    nodeId: 'a',
    claim: step.claim,
    output: { from: step.stepId },
    ports: null,
    final: null,
    successors: [{ id: randomUUID(), nodeId: 'b', nodeType: 'noop' }],
    logs: [{ id: randomUUID(), executionId: step.executionId, stepId: step.stepId, nodeId: 'a', level: 'info', message: 'step completed', data: null, time: new Date() }],
    // (outbox rows are left out: the relay would publish them to a subject without a stream)
    outbox: [],
    continueWith: null,
    ...extra,
  };
}

async function writtenFor(executionId: string) {
  const { rows } = await h.pool.query<{ steps: number; logs: number }>(
    `select (select count(*)::int from steps where execution_id = $1) as steps,
            (select count(*)::int from logs where execution_id = $1) as logs`,
    [executionId],
  );
  return rows[0]!;
}

describe('commitStepBatch (group commit)', () => {
  it('guards each completion on its own: stale claims and finished executions write nothing, the rest commit', async () => {
    const continued = await runningStep('running');
    const stale = await runningStep('running');
    const finalOfPaused = await runningStep('paused');
    const stopped = await runningStep('stopped');
    const successor = randomUUID();
    const nextClaim = randomUUID();
    const results = await commitStepBatch(h.pool, [
      completion(continued, { successors: [{ id: successor, nodeId: 'b', nodeType: 'noop' }], continueWith: { claim: nextClaim, leaseSeconds: 20 } }),
      completion(stale, { claim: randomUUID() }),
      completion(finalOfPaused, { successors: [], final: { finishedAt: new Date('2026-11-30T12:00:00Z') } }),
      completion(stopped),
    ]);

    expect(results[0]).toEqual({ status: 'running', continued: true, execution: null });
    const { rows: [next] } = await h.pool.query(`select status, claim, dispatched, input, lease_until is not null as leased from steps where id = $1`, [successor]);
    expect(next).toEqual({ status: 'running', claim: nextClaim, dispatched: false, input: { from: continued.stepId }, leased: true });

    expect(results[1]).toBeNull();
    const { rows: [staleStep] } = await h.pool.query(`select status from steps where id = $1`, [stale.stepId]);
    expect(staleStep.status).toBe('running');
    expect((await writtenFor(stale.executionId)).steps).toBe(1);
    expect((await writtenFor(stale.executionId)).logs).toBe(0);

    expect(results[2]?.status).toBe('completed');
    expect(results[2]?.execution).toMatchObject({ id: finalOfPaused.executionId, status: 'completed', output: { from: finalOfPaused.stepId }, currentStep: 'a' });
    expect(results[2]?.execution?.finishedAt).toEqual(new Date('2026-11-30T12:00:00Z'));
    expect(await writtenFor(finalOfPaused.executionId)).toMatchObject({ steps: 1, logs: 1 });

    expect(results[3]).toBeNull();
    expect(await writtenFor(stopped.executionId)).toMatchObject({ steps: 1, logs: 0 });
    const { rows: [stoppedStep] } = await h.pool.query(`select status from steps where id = $1`, [stopped.stepId]);
    expect(stoppedStep.status).toBe('running');

    expect((await writtenFor(continued.executionId)).logs).toBe(1);
  });

  it('a successor of a paused execution waits as pending, not dispatched, even when continuation was asked', async () => {
    const paused = await runningStep('paused');
    const successor = randomUUID();
    const [result] = await commitStepBatch(h.pool, [
      completion(paused, { successors: [{ id: successor, nodeId: 'b', nodeType: 'noop' }], continueWith: { claim: randomUUID(), leaseSeconds: 20 } }),
    ]);
    expect(result).toEqual({ status: 'paused', continued: false, execution: null });
    const { rows: [next] } = await h.pool.query(`select status, claim, dispatched from steps where id = $1`, [successor]);
    expect(next).toEqual({ status: 'pending', claim: null, dispatched: false });
  });
});

describe('the prepared group-commit statement', () => {
  it('keeps a plan that looks executions up by key when it was made on tiny tables', async () => {
    // One connection, as the service's pool makes them: after five runs PostgreSQL may keep a
    // generic plan for the statement, made while the tables hold a handful of rows.
    const { pool } = createDatabase({ url: h.db.url, schemaName: 'executions', poolMax: 1, tables, applicationName: 'plan-test', randomPageCost: defaultRandomPageCost });
    try {
      for (let i = 0; i < 8; i += 1) await commitStepBatch(pool, [completion(await runningStep('running'))]);
      const step = await runningStep('running');
      const client = await pool.connect();
      try {
        // The generic plan (the one a prepared statement keeps), made now, on tables of a few rows.
        await client.query('set plan_cache_mode = force_generic_plan');
        const items = [{ k: 0, e: step.executionId, s: step.stepId, n: 'a', c: step.claim, o: null, p: null, f: false, fa: null, cc: null, ls: 0, succ: [], logs: [], ob: [] }];
        const { rows } = await client.query<{ 'QUERY PLAN': string }>(
          `explain (costs off) execute "executions.commit-step-batch"(${client.escapeLiteral(JSON.stringify(items))}, ${client.escapeLiteral(`{${step.executionId}}`)})`,
        );
        const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
        expect(plan).toMatch(/executions_pkey/);
        expect(plan).not.toMatch(/Seq Scan on executions/);
        // The update finds each row by its own id: with the batch's id list in its index condition
        // too, every updated row cost one index descent per id of the batch.
        const update = plan.slice(plan.indexOf('Update on executions'), plan.indexOf('CTE n'));
        expect(update).toMatch(/Index Cond: \(id = st\w*\.e\)/);
        expect(update).not.toMatch(/ANY/);
      } finally {
        client.release(true);
      }
    } finally {
      await pool.end();
    }
  });
});
