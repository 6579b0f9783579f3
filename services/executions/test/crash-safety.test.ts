import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServiceProcess, type RunningProcess } from '@conveyor/testing';
import { startEngineHarness, type EngineHarness } from './engine-harness';
import { startLocalHttp } from './local-http';

/**
 * Crash safety: two real executions processes run the steps; under load one of them is killed
 * with SIGKILL. Every execution must still complete, and no node may have two recorded results.
 */
let h: EngineHarness;
let http: Awaited<ReturnType<typeof startLocalHttp>>;
const workers: RunningProcess[] = [];
const ackWaitMs = 2_000;

beforeAll(async () => {
  // This process only starts executions; the step work is the spawned processes'.
  h = await startEngineHarness('crash_safety', { runSteps: false });
  http = await startLocalHttp((_req, res) => {
    setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'), 15);
  });
  const env = {
    DATABASE_URL: h.db.url,
    NATS_PREFIX: h.prefix,
    STEP_ACK_WAIT_MS: String(ackWaitMs),
    STEP_CONCURRENCY: '16',
    OUTBOX_POLL_MS: '50',
  };
  workers.push(await startServiceProcess('executions', env), await startServiceProcess('executions', env));
});

afterAll(async () => {
  for (const worker of workers) await worker.stop();
  await http?.close();
  await h?.close();
});

describe('crash safety', () => {
  it('kill -9 of a worker mid-load: every execution completes, no step result is recorded twice', async () => {
    const schemaId = h.addSchema({
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'call', type: 'http.request', config: { url: `${http.url}/slow` } },
        { id: 'left', type: 'transform', config: { expression: '{"l": body.ok}' } },
        { id: 'right', type: 'transform', config: { expression: '{"r": status}' } },
        { id: 'join', type: 'transform', config: { expression: '$merge([left, right])' } },
        { id: 'end', type: 'log', config: { message: 'done' } },
      ],
      edges: [
        { source: 'start', target: 'call' },
        { source: 'call', target: 'left' },
        { source: 'call', target: 'right' },
        { source: 'left', target: 'join' },
        { source: 'right', target: 'join' },
        { source: 'join', target: 'end' },
      ],
    });
    const total = 300;
    const ids: string[] = [];
    for (let i = 0; i < total; i += 25) {
      const batch = await Promise.all(Array.from({ length: 25 }, (_, j) => h.service.start(h.tenantId, { schemaId, input: { n: i + j } })));
      ids.push(...batch.map((e) => e.id));
    }
    const countByStatus = async () => {
      const { rows } = await h.pool.query<{ status: string; n: number }>('select status, count(*)::int as n from executions group by status');
      return Object.fromEntries(rows.map((r) => [r.status, r.n])) as Record<string, number>;
    };
    // Kill one worker once the load is well under way.
    while (((await countByStatus()).completed ?? 0) < total * 0.2) await new Promise((resolve) => setTimeout(resolve, 20));
    const atKill = await countByStatus();
    const runningStepsAtKill = (await h.pool.query<{ n: number }>(`select count(*)::int as n from steps where status in ('pending','running')`)).rows[0]!.n;
    workers[0]!.child.kill('SIGKILL');
    await workers[0]!.stop();
    expect(atKill.running ?? 0).toBeGreaterThan(0);
    expect(runningStepsAtKill).toBeGreaterThan(0);

    while (((await countByStatus()).completed ?? 0) < total) {
      const now = await countByStatus();
      expect(now.failed ?? 0).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await countByStatus()).toEqual({ completed: total });

    const twice = await h.pool.query(
      `select execution_id, node_id, count(*) from steps where status = 'completed' group by execution_id, node_id having count(*) > 1`,
    );
    expect(twice.rows).toEqual([]);
    const perExecution = await h.pool.query<{ n: number }>(
      `select count(*)::int as n from steps where status = 'completed' group by execution_id`,
    );
    expect(perExecution.rows.every((r) => r.n === 6)).toBe(true);
    expect(perExecution.rows).toHaveLength(total);
    const outputs = await h.pool.query<{ output: unknown }>('select distinct output from executions');
    expect(outputs.rows).toEqual([{ output: { l: true, r: 200 } }]);
  });
});
