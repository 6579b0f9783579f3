import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AbortRegistry } from '../src/domain/abort-registry';
import { processStep } from '../src/domain/process-step';
import { startEngineHarness, type EngineHarness } from './engine-harness';

let h: EngineHarness;

beforeAll(async () => {
  h = await startEngineHarness('engine_flow', { sweepAfterMs: 1_000 });
});

afterAll(async () => {
  await h?.close();
});

describe('engine: start → steps → completed', () => {
  it('runs a linear schema and records steps, logs and the output', async () => {
    const schemaId = h.addSchema({
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'double', type: 'transform', config: { expression: '{"total": amount * 2}' } },
        { id: 'say', type: 'log', config: { message: 'computed', data: 'total' } },
      ],
      edges: [
        { source: 'start', target: 'double' },
        { source: 'double', target: 'say' },
      ],
    });
    const started = await h.service.start(h.tenantId, { schemaId, input: { amount: 21 } });
    expect(started).toMatchObject({ schemaId, status: 'running', schemaVersion: 1, finishedAt: null });
    const done = await h.waitForStatus(started.id);
    expect(done.status).toBe('completed');
    expect(done.output).toEqual({ total: 42 });
    expect(done.currentStep).toBe('say');
    expect(done.finishedAt).not.toBeNull();

    const steps = await h.stepsOf(started.id);
    expect(steps.map((s) => [s.nodeId, s.status, s.attempt])).toEqual([
      ['start', 'completed', 1],
      ['double', 'completed', 1],
      ['say', 'completed', 1],
    ]);
    expect(steps[1]!.input).toEqual({ amount: 21 });
    expect(steps[1]!.output).toEqual({ total: 42 });

    const logs = await h.service.logs(h.tenantId, started.id, { limit: 100, offset: 0 });
    expect(logs.items.some((l) => l.message === 'computed' && l.nodeId === 'say' && (l.data as { value: number }).value === 42)).toBe(true);
    expect(logs.items.filter((l) => l.message.startsWith('step started')).length).toBe(3);
    const onlySay = await h.service.logs(h.tenantId, started.id, { step: 'say', level: 'info', limit: 100, offset: 0 });
    expect(onlySay.items.every((l) => l.nodeId === 'say' && l.level === 'info')).toBe(true);
    expect(onlySay.total).toBeGreaterThan(0);
  });

  it('follows the taken port of a condition, skips the other branch and joins', async () => {
    const schemaId = h.addSchema({
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'big', type: 'condition', config: { expression: 'amount > 10' } },
        { id: 'yes', type: 'set', config: { values: { size: '"big"' } } },
        { id: 'no', type: 'set', config: { values: { size: '"small"' } } },
        { id: 'after_no', type: 'noop' },
        { id: 'merge', type: 'noop' },
      ],
      edges: [
        { source: 'start', target: 'big' },
        { source: 'big', target: 'yes', source_port: 'true' },
        { source: 'big', target: 'no', source_port: 'false' },
        { source: 'no', target: 'after_no' },
        { source: 'yes', target: 'merge' },
        { source: 'after_no', target: 'merge' },
      ],
    });
    const { id } = await h.service.start(h.tenantId, { schemaId, input: { amount: 50 } });
    const done = await h.waitForStatus(id);
    expect(done.status).toBe('completed');
    const byNode = Object.fromEntries((await h.stepsOf(id)).map((s) => [s.nodeId, s]));
    expect(byNode.big!.ports).toEqual(['true']);
    expect(byNode.yes!.status).toBe('completed');
    expect(byNode.no!.status).toBe('skipped');
    expect(byNode.after_no!.status).toBe('skipped');
    expect(byNode.merge!.status).toBe('completed');
    expect(byNode.merge!.input).toEqual({ amount: 50, size: 'big' });
    expect(done.output).toEqual({ amount: 50, size: 'big' });
  });

  it('waits at a join for every parallel branch and hands it their outputs by node', async () => {
    const schemaId = h.addSchema({
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'a', type: 'transform', config: { expression: 'x + 1' } },
        { id: 'b', type: 'transform', config: { expression: 'x + 2' } },
        { id: 'c', type: 'transform', config: { expression: 'x + 3' } },
        { id: 'join', type: 'transform', config: { expression: 'a + b + c' } },
      ],
      edges: [
        { source: 'start', target: 'a' },
        { source: 'start', target: 'b' },
        { source: 'start', target: 'c' },
        { source: 'a', target: 'join' },
        { source: 'b', target: 'join' },
        { source: 'c', target: 'join' },
      ],
    });
    const { id } = await h.service.start(h.tenantId, { schemaId, input: { x: 10 } });
    const done = await h.waitForStatus(id);
    expect(done.status).toBe('completed');
    const steps = await h.stepsOf(id);
    expect(steps.filter((s) => s.nodeId === 'join')).toHaveLength(1);
    expect(steps.find((s) => s.nodeId === 'join')!.input).toEqual({ a: 11, b: 12, c: 13 });
    expect(done.output).toBe(36);
  });

  it('starts at a given step with the input as that node\'s input; a join ignores branches upstream of it', async () => {
    const schemaId = h.addSchema({
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'a', type: 'transform', config: { expression: '"from a"' } },
        { id: 'b', type: 'transform', config: { expression: 'v * 3' } },
        { id: 'join', type: 'noop' },
      ],
      edges: [
        { source: 'start', target: 'a' },
        { source: 'start', target: 'b' },
        { source: 'a', target: 'join' },
        { source: 'b', target: 'join' },
      ],
    });
    const { id } = await h.service.start(h.tenantId, { schemaId, input: { v: 5 }, startStep: 'b' });
    const done = await h.waitForStatus(id);
    expect(done.status).toBe('completed');
    expect((await h.stepsOf(id)).map((s) => s.nodeId)).toEqual(['b', 'join']);
    expect(done.output).toBe(15);
    await expect(h.service.start(h.tenantId, { schemaId, startStep: 'nope' })).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
  });

  it('fails the execution with a readable error when an expression fails at run time', async () => {
    const schemaId = h.addSchema({
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'bad', type: 'transform', config: { expression: '$number("not a number") + $undefinedFunction()' } },
        { id: 'never', type: 'noop' },
      ],
      edges: [
        { source: 'start', target: 'bad' },
        { source: 'bad', target: 'never' },
      ],
    });
    const { id } = await h.service.start(h.tenantId, { schemaId, input: {} });
    const done = await h.waitForStatus(id);
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(/^node bad failed: /);
    const steps = await h.stepsOf(id);
    expect(steps.find((s) => s.nodeId === 'bad')).toMatchObject({ status: 'failed', attempt: 1 });
    expect(steps.some((s) => s.nodeId === 'never')).toBe(false);
    const errors = await h.service.logs(h.tenantId, id, { level: 'error', limit: 10, offset: 0 });
    expect(errors.items[0]).toMatchObject({ nodeId: 'bad', message: 'step failed' });
  });

  it('scopes reads by tenant and lists with filters', async () => {
    const schemaId = h.addSchema({ nodes: [{ id: 'start', type: 'trigger.manual' }], edges: [] });
    const { id } = await h.service.start(h.tenantId, { schemaId, input: 1 });
    await h.waitForStatus(id);
    await expect(h.service.get('another-tenant', id)).rejects.toMatchObject({ code: 'RESOURCE_NOT_FOUND' });
    const listed = await h.service.list(h.tenantId, { schemaId, status: 'completed', limit: 10, offset: 0 });
    expect(listed.items.map((e) => e.id)).toEqual([id]);
    expect(listed.total).toBe(1);
    expect((await h.service.list(h.tenantId, { schemaId, status: 'failed', limit: 10, offset: 0 })).total).toBe(0);
    await expect(h.service.start(h.tenantId, { schemaId: 'unknown' })).rejects.toMatchObject({ code: 'RESOURCE_NOT_FOUND' });
    const draft = h.addSchema({ nodes: [{ id: 'start', type: 'trigger.manual' }], edges: [], status: 'draft' });
    expect((await h.service.start(h.tenantId, { schemaId: draft })).status).toBe('running');
    await expect(h.service.start(h.tenantId, { schemaId: draft, trigger: 'schedule' })).rejects.toMatchObject({ code: 'CONFLICT' });
    const archived = h.addSchema({ nodes: [{ id: 'start', type: 'trigger.manual' }], edges: [], status: 'archived' });
    await expect(h.service.start(h.tenantId, { schemaId: archived })).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('re-sends a dispatch lost between commit and publish (the sweeper), and the execution completes', async () => {
    const schemaId = h.addSchema({
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'inc', type: 'transform', config: { expression: 'n + 1' } },
      ],
      edges: [{ source: 'start', target: 'inc' }],
    });
    const first = await h.service.start(h.tenantId, { schemaId, input: { n: 1 } });
    await h.waitForStatus(first.id);
    // An execution whose first step was committed but never published, as after a crash.
    const lost = randomUUID();
    await h.pool.query(
      `insert into executions (id, tenant_id, schema_id, schema_version, graph_key, status, trigger, start_step, input)
       select $1, tenant_id, schema_id, schema_version, graph_key, 'running', 'manual', start_step, '{"n": 41}' from executions where id = $2`,
      [lost, first.id],
    );
    await h.pool.query(
      `insert into steps (id, execution_id, node_id, node_type, status, ready, dispatched, input, created_at)
       values ($1, $2, 'start', 'trigger.manual', 'pending', true, true, '{"n": 41}', now() - interval '1 minute')`,
      [randomUUID(), lost],
    );
    const done = await h.waitForStatus(lost);
    expect(done.status).toBe('completed');
    expect(done.output).toBe(42);
  });

  it('a redelivered message of a finished step is a no-op', async () => {
    const schemaId = h.addSchema({
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'say', type: 'log', config: { message: 'once' } },
      ],
      edges: [{ source: 'start', target: 'say' }],
    });
    const { id } = await h.service.start(h.tenantId, { schemaId, input: {} });
    await h.waitForStatus(id);
    const before = await h.stepsOf(id);
    const logsBefore = (await h.service.logs(h.tenantId, id, { limit: 100, offset: 0 })).total;
    for (const step of before) {
      for (const redelivered of [false, true]) {
        expect(await processStep(h.engine.deps, new AbortRegistry(), { stepId: step.id, notBefore: null, redelivered })).toEqual({ kind: 'done', ran: false });
      }
    }
    expect(await h.stepsOf(id)).toEqual(before);
    expect((await h.service.logs(h.tenantId, id, { limit: 100, offset: 0 })).total).toBe(logsBefore);
    expect((await h.service.get(h.tenantId, id)).status).toBe('completed');
  });

  it('announces execution, step and log changes through the outbox (events reach JetStream)', async () => {
    const seen: Array<{ type: string; entity: { typename: string; id: string }; tenant_id: string | null; data: Record<string, unknown> }> = [];
    const sub = h.nc.subscribe(`${h.prefix}.executions.*.*`, { callback: (_, msg) => void seen.push(msg.json()) });
    await h.nc.flush();
    const schemaId = h.addSchema({
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'say', type: 'log', config: { message: 'hello', level: 'warn' } },
      ],
      edges: [{ source: 'start', target: 'say' }],
    });
    const { id } = await h.service.start(h.tenantId, { schemaId, input: {} });
    await h.waitForStatus(id);
    const stepIds = new Set((await h.stepsOf(id)).map((s) => s.id));
    const mine = () => seen.filter((e) => e.data.execution_id === id || e.entity.id === id);
    while (!mine().some((e) => e.type.endsWith('.execution.updated') && e.data.status === 'completed')) await new Promise((r) => setTimeout(r, 20));
    sub.unsubscribe();
    const events = mine();
    expect(events.every((e) => e.tenant_id === h.tenantId)).toBe(true);
    expect(events.filter((e) => e.type === `${h.prefix}.executions.execution.updated`).map((e) => e.data.status)).toEqual(['running', 'completed']);
    // How it was started rides along (the start's event and the fast path's completion event alike).
    expect(events.filter((e) => e.type === `${h.prefix}.executions.execution.updated`).map((e) => e.data.trigger)).toEqual(['manual', 'manual']);
    const steps = events.filter((e) => e.type === `${h.prefix}.executions.step.updated`);
    expect(steps.every((e) => e.entity.typename === 'ExecutionStep' && stepIds.has(e.entity.id))).toBe(true);
    expect(steps.filter((e) => e.data.status === 'completed').map((e) => e.data.node_id)).toEqual(['start', 'say']);
    const logs = events.filter((e) => e.type === `${h.prefix}.executions.log.appended`);
    expect(logs.find((e) => e.data.message === 'hello')).toMatchObject({ entity: { typename: 'ExecutionLog' }, data: { level: 'warn', node_id: 'say' } });
  });

  it('runs switch (ports from config), set, nats.publish (under the prefix) and the fail node', async () => {
    const published: unknown[] = [];
    const sub = h.nc.subscribe(`${h.prefix}.orders.routed`, { callback: (_, msg) => void published.push(msg.json()) });
    await h.nc.flush();
    const schemaId = h.addSchema({
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'route', type: 'switch', config: { cases: [{ port: 'eu', when: 'region = "eu"' }, { port: 'us', when: 'region = "us"' }] } },
        { id: 'eu', type: 'set', config: { values: { desk: '"Berlin"' } } },
        { id: 'us', type: 'fail', config: { message: 'no US desk' } },
        { id: 'other', type: 'fail', config: { message: 'unknown region' } },
        { id: 'announce', type: 'nats.publish', config: { subject: 'orders.routed' } },
      ],
      edges: [
        { source: 'start', target: 'route' },
        { source: 'route', source_port: 'eu', target: 'eu' },
        { source: 'route', source_port: 'us', target: 'us' },
        { source: 'route', source_port: 'default', target: 'other' },
        { source: 'eu', target: 'announce' },
      ],
    });
    const eu = await h.service.start(h.tenantId, { schemaId, input: { region: 'eu' } });
    expect((await h.waitForStatus(eu.id)).status).toBe('completed');
    const byNode = Object.fromEntries((await h.stepsOf(eu.id)).map((s) => [s.nodeId, s.status]));
    expect(byNode).toEqual({ start: 'completed', route: 'completed', eu: 'completed', us: 'skipped', other: 'skipped', announce: 'completed' });
    while (published.length === 0) await new Promise((r) => setTimeout(r, 10));
    expect(published).toEqual([{ region: 'eu', desk: 'Berlin' }]);
    sub.unsubscribe();

    const us = await h.service.start(h.tenantId, { schemaId, input: { region: 'us' } });
    const failed = await h.waitForStatus(us.id);
    expect(failed).toMatchObject({ status: 'failed', error: 'node us failed: no US desk' });
  });
});
