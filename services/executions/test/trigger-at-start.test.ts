import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngineHarness, type EngineHarness } from './engine-harness';

let h: EngineHarness;
let idle: EngineHarness;

beforeAll(async () => {
  h = await startEngineHarness('trigger_at_start');
  // A replica that runs no steps: its starts hand every step to JetStream.
  idle = await startEngineHarness('trigger_at_start_idle', { runSteps: false });
});

afterAll(async () => {
  await h?.close();
  await idle?.close();
});

const linear = {
  nodes: [
    { id: 'hook', type: 'trigger.webhook', config: { requireSignature: false } },
    { id: 'shape', type: 'transform', config: { expression: '{"total": $sum(items.price)}' } },
    { id: 'say', type: 'log', config: { message: 'order received' } },
  ],
  edges: [
    { source: 'hook', target: 'shape' },
    { source: 'shape', target: 'say' },
  ],
};

async function claimsOf(harness: EngineHarness, executionId: string) {
  const { rows } = await harness.pool.query<{ node_id: string; status: string; claim: string | null; dispatched: boolean; started: boolean; finished: boolean }>(
    `select node_id, status, claim, dispatched, started_at is not null as started, finished_at is not null as finished from steps where execution_id = $1 order by seq`,
    [executionId],
  );
  return rows;
}

describe('a trigger as first step completes in the start statement', () => {
  it('writes the trigger step completed with the start: same rows, logs and events, in the same order', async () => {
    const seen: Array<{ type: string; entity: { id: string }; data: Record<string, unknown> }> = [];
    const sub = h.nc.subscribe(`${h.prefix}.executions.*.*`, { callback: (_, msg) => void seen.push(msg.json()) });
    await h.nc.flush();
    const schemaId = h.addSchema(linear);
    const answer = await h.service.webhook({ schemaId, rawBody: '{"items":[{"price":2},{"price":3}]}', headers: { 'content-type': 'application/json' }, waitMs: 9_000 });
    expect(answer.execution).toMatchObject({ status: 'completed', output: { total: 5 } });
    const id = answer.execution.id;

    const steps = await h.stepsOf(id);
    expect(steps.map((s) => [s.nodeId, s.status, s.attempt])).toEqual([['hook', 'completed', 1], ['shape', 'completed', 1], ['say', 'completed', 1]]);
    expect(steps[0]).toMatchObject({ input: { items: [{ price: 2 }, { price: 3 }] }, output: { items: [{ price: 2 }, { price: 3 }] }, error: null });
    expect(steps[1]!.input).toEqual({ items: [{ price: 2 }, { price: 3 }] });
    // Never claimed: it ran before its row was written, which wrote it completed.
    expect((await claimsOf(h, id))[0]).toMatchObject({ node_id: 'hook', claim: null, dispatched: false, started: true, finished: true });

    const logs = (await h.service.logs(h.tenantId, id, { limit: 100, offset: 0 })).items;
    expect(logs.map((l) => [l.nodeId, l.message])).toEqual([
      [null, 'execution started (webhook) at hook'],
      ['hook', 'step started (attempt 1)'],
      ['hook', 'step completed'],
      ['shape', 'step started (attempt 1)'],
      ['shape', 'step completed'],
      ['say', 'step started (attempt 1)'],
      ['say', 'order received'],
      ['say', 'step completed'],
    ]);

    const mine = () => seen.filter((e) => e.data.execution_id === id || e.entity.id === id);
    while (!mine().some((e) => e.type.endsWith('.execution.updated') && e.data.status === 'completed')) await new Promise((r) => setTimeout(r, 20));
    sub.unsubscribe();
    const stepNode = new Map(steps.map((s) => [s.id, s.nodeId]));
    expect(mine().map((e) => {
      const kind = e.type.slice(`${h.prefix}.executions.`.length);
      if (kind === 'execution.updated') return `${kind} ${e.data.status}`;
      if (kind === 'step.updated') return `${kind} ${stepNode.get(e.entity.id)} ${e.data.status}`;
      return `${kind} ${e.data.node_id ?? '-'} ${e.data.message}`;
    })).toEqual([
      'execution.updated running',
      'log.appended - execution started (webhook) at hook',
      'log.appended hook step started (attempt 1)',
      'log.appended hook step completed',
      'step.updated hook completed',
      'log.appended shape step started (attempt 1)',
      'log.appended shape step completed',
      'step.updated shape completed',
      'log.appended say step started (attempt 1)',
      'log.appended say order received',
      'log.appended say step completed',
      'step.updated say completed',
      'execution.updated completed',
    ]);
  });

  it('a replica that runs no steps dispatches the trigger\'s successors from the start', async () => {
    const schemaId = idle.addSchema(linear);
    const started = await idle.service.webhook({ schemaId, rawBody: '{"items":[]}', headers: { 'content-type': 'application/json' } });
    expect(started.execution.status).toBe('running');
    expect(await claimsOf(idle, started.execution.id)).toEqual([
      { node_id: 'hook', status: 'completed', claim: null, dispatched: false, started: true, finished: true },
      { node_id: 'shape', status: 'pending', claim: null, dispatched: true, started: false, finished: false },
    ]);
  });

  it('a trigger that leads nowhere, or to a join, runs as a step of its own', async () => {
    const alone = h.addSchema({ nodes: [{ id: 'start', type: 'trigger.manual' }], edges: [] });
    const one = await h.service.start(h.tenantId, { schemaId: alone, input: { a: 1 } });
    expect(await h.waitForStatus(one.id)).toMatchObject({ status: 'completed', output: { a: 1 } });

    const join = h.addSchema({
      nodes: [{ id: 'start', type: 'trigger.manual' }, { id: 'left', type: 'noop' }, { id: 'merge', type: 'noop' }],
      edges: [{ source: 'start', target: 'left' }, { source: 'start', target: 'merge' }, { source: 'left', target: 'merge' }],
    });
    const two = await h.service.start(h.tenantId, { schemaId: join, input: { b: 2 } });
    expect(await h.waitForStatus(two.id)).toMatchObject({ status: 'completed', output: { start: { b: 2 }, left: { b: 2 } } });
    // Both ran claimed, as before.
    expect((await claimsOf(h, one.id))[0]!.claim).not.toBeNull();
    expect((await claimsOf(h, two.id))[0]!.claim).not.toBeNull();
  });
});
