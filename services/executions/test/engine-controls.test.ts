import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngineHarness, type EngineHarness } from './engine-harness';
import { startLocalHttp } from './local-http';

let h: EngineHarness;
let http: Awaited<ReturnType<typeof startLocalHttp>>;
const held: ServerResponse[] = [];
const aborted: string[] = [];
let flakyCalls = 0;

beforeAll(async () => {
  h = await startEngineHarness('engine_controls');
  http = await startLocalHttp((req, res) => {
    if (req.url === '/hold') {
      held.push(res);
      req.on('close', () => {
        if (!res.writableEnded) aborted.push(req.url!);
      });
      return;
    }
    if (req.url === '/flaky') {
      flakyCalls += 1;
      res.writeHead(flakyCalls === 1 ? 503 : 200, { 'content-type': 'application/json' }).end(JSON.stringify({ call: flakyCalls }));
      return;
    }
    res.writeHead(404).end();
  });
});

afterAll(async () => {
  await http?.close();
  await h?.close();
});

const until = async (check: () => Promise<boolean> | boolean) => {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 20));
};

function holdingSchema() {
  return h.addSchema({
    nodes: [
      { id: 'start', type: 'trigger.manual' },
      { id: 'call', type: 'http.request', config: { url: `${http.url}/hold`, method: 'GET', timeoutMs: 60_000 } },
      { id: 'after', type: 'transform', config: { expression: 'body' } },
    ],
    edges: [
      { source: 'start', target: 'call' },
      { source: 'call', target: 'after' },
    ],
  });
}

describe('engine controls', () => {
  it('pause lets the running step finish and holds its successor; resume dispatches it', async () => {
    const schemaId = holdingSchema();
    const { id } = await h.service.start(h.tenantId, { schemaId, input: {} });
    await until(() => held.length === 1);
    const paused = await h.service.pause(h.tenantId, id);
    expect(paused.status).toBe('paused');
    held.shift()!.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    await until(async () => (await h.stepsOf(id)).some((s) => s.nodeId === 'after'));
    const steps = await h.stepsOf(id);
    expect(steps.find((s) => s.nodeId === 'call')!.status).toBe('completed');
    expect(steps.find((s) => s.nodeId === 'after')!.status).toBe('pending');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await h.service.get(h.tenantId, id)).status).toBe('paused');
    expect((await h.stepsOf(id)).find((s) => s.nodeId === 'after')!.status).toBe('pending');

    const resumed = await h.service.resume(h.tenantId, id, undefined);
    expect(resumed.status).toBe('running');
    const done = await h.waitForStatus(id);
    expect(done.status).toBe('completed');
    expect(done.output).toEqual({ ok: true });
  });

  it('stop aborts the running executor through its signal and cancels the rest', async () => {
    const schemaId = holdingSchema();
    const { id } = await h.service.start(h.tenantId, { schemaId, input: {} });
    await until(() => held.length === 1);
    const stopped = await h.service.stop(h.tenantId, id);
    expect(stopped.status).toBe('stopped');
    expect(stopped.finishedAt).not.toBeNull();
    await until(() => aborted.length === 1);
    held.length = 0;
    const steps = await h.stepsOf(id);
    expect(steps.find((s) => s.nodeId === 'call')!.status).toBe('cancelled');
    expect(steps.some((s) => s.nodeId === 'after')).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await h.service.get(h.tenantId, id)).status).toBe('stopped');
  });

  it('refuses invalid transitions with CONFLICT (409)', async () => {
    const schemaId = h.addSchema({ nodes: [{ id: 'start', type: 'trigger.manual' }], edges: [] });
    const { id } = await h.service.start(h.tenantId, { schemaId, input: {} });
    await h.waitForStatus(id);
    for (const action of [() => h.service.resume(h.tenantId, id, {}), () => h.service.pause(h.tenantId, id), () => h.service.stop(h.tenantId, id)]) {
      await expect(action()).rejects.toMatchObject({ code: 'CONFLICT', status: 409 });
    }
    await expect(h.service.pause(h.tenantId, '00000000-0000-0000-0000-000000000000')).rejects.toMatchObject({ code: 'RESOURCE_NOT_FOUND' });
  });

  it('an approval pauses the execution until resume carries the payload', async () => {
    const schemaId = h.addSchema({
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'approve', type: 'approval', config: { prompt: 'Ship it?' } },
        { id: 'decide', type: 'transform', config: { expression: '{"approved": approved, "by": by}' } },
      ],
      edges: [
        { source: 'start', target: 'approve' },
        { source: 'approve', target: 'decide' },
      ],
    });
    const { id } = await h.service.start(h.tenantId, { schemaId, input: { order: 1 } });
    const paused = await h.waitForStatus(id, ['paused']);
    expect(paused.currentStep).toBe('approve');
    const waiting = (await h.stepsOf(id)).find((s) => s.nodeId === 'approve')!;
    expect(waiting).toMatchObject({ status: 'running', wait: { type: 'approval', prompt: 'Ship it?' } });
    await h.service.resume(h.tenantId, id, { approved: true, by: 'ana' });
    const done = await h.waitForStatus(id);
    expect(done.status).toBe('completed');
    expect(done.output).toEqual({ approved: true, by: 'ana' });
  });

  it('retries a retryable failure with backoff per the descriptor and records each attempt', async () => {
    const schemaId = h.addSchema({
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'call', type: 'http.request', config: { url: `${http.url}/flaky` } },
      ],
      edges: [{ source: 'start', target: 'call' }],
    });
    const { id } = await h.service.start(h.tenantId, { schemaId, input: {} });
    const done = await h.waitForStatus(id);
    expect(done.status).toBe('completed');
    const calls = (await h.stepsOf(id)).filter((s) => s.nodeId === 'call');
    expect(calls.map((s) => [s.attempt, s.status])).toEqual([
      [1, 'failed'],
      [2, 'completed'],
    ]);
    expect(calls[0]!.error).toMatch(/503/);
    // The second attempt did not start before the descriptor's backoff (1 s) had passed.
    expect(calls[1]!.startedAt!.getTime() - calls[0]!.finishedAt!.getTime()).toBeGreaterThanOrEqual(950);
    const warnings = await h.service.logs(h.tenantId, id, { level: 'warn', limit: 10, offset: 0 });
    expect(warnings.items[0]!.message).toMatch(/retrying in 1000 ms \(attempt 2 of 3\)/);
  });

  it('a subflow runs a child execution and resumes the parent with its output', async () => {
    const child = h.addSchema({
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'square', type: 'transform', config: { expression: 'n * n' } },
      ],
      edges: [{ source: 'start', target: 'square' }],
    });
    const parent = h.addSchema({
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'sub', type: 'subflow', config: { schemaId: child, input: '{"n": n + 1}' } },
        { id: 'wrap', type: 'transform', config: { expression: '{"squared": $}' } },
      ],
      edges: [
        { source: 'start', target: 'sub' },
        { source: 'sub', target: 'wrap' },
      ],
    });
    const { id } = await h.service.start(h.tenantId, { schemaId: parent, input: { n: 6 } });
    const done = await h.waitForStatus(id);
    expect(done.status).toBe('completed');
    expect(done.output).toEqual({ squared: 49 });
    const children = await h.service.list(h.tenantId, { schemaId: child, limit: 10, offset: 0 });
    expect(children.items).toHaveLength(1);
    expect(children.items[0]).toMatchObject({ status: 'completed', parentExecutionId: id, trigger: 'subflow', output: 49 });
  });

  it('pausing a parent pauses its running subflow child, which holds its successors; resume continues both', async () => {
    const child = holdingSchema();
    const parent = h.addSchema({
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'sub', type: 'subflow', config: { schemaId: child } },
        { id: 'wrap', type: 'transform', config: { expression: '{"child": $}' } },
      ],
      edges: [
        { source: 'start', target: 'sub' },
        { source: 'sub', target: 'wrap' },
      ],
    });
    const { id } = await h.service.start(h.tenantId, { schemaId: parent, input: {} });
    await until(() => held.length === 1);
    const [childRun] = (await h.service.list(h.tenantId, { schemaId: child, limit: 10, offset: 0 })).items.filter((e) => e.parentExecutionId === id);
    expect(childRun).toBeDefined();
    expect((await h.service.pause(h.tenantId, id)).status).toBe('paused');
    expect((await h.service.get(h.tenantId, childRun!.id)).status).toBe('paused');

    // The child's running step finishes; its successor is held like the parent's would be.
    held.shift()!.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    await until(async () => (await h.stepsOf(childRun!.id)).some((s) => s.nodeId === 'after'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await h.stepsOf(childRun!.id)).find((s) => s.nodeId === 'after')!.status).toBe('pending');
    expect((await h.service.get(h.tenantId, childRun!.id)).status).toBe('paused');
    expect((await h.service.get(h.tenantId, id)).status).toBe('paused');

    expect((await h.service.resume(h.tenantId, id, undefined)).status).toBe('running');
    const done = await h.waitForStatus(id);
    expect(done.status).toBe('completed');
    expect(done.output).toEqual({ child: { ok: true } });
    expect((await h.service.get(h.tenantId, childRun!.id)).status).toBe('completed');
  });

  it('a schema that calls itself as a subflow fails at the nesting limit instead of recursing forever', async () => {
    const schemaId = h.addSchema({ nodes: [{ id: 'start', type: 'trigger.manual' }], edges: [] });
    // Point the subflow at its own schema: rewrite the stored definition through the harness.
    const self = h.addSchema({
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'again', type: 'subflow', config: { schemaId } },
      ],
      edges: [{ source: 'start', target: 'again' }],
    });
    h.replaceSchema(schemaId, self);
    const { id } = await h.service.start(h.tenantId, { schemaId, input: {} });
    const done = await h.waitForStatus(id);
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(/subflow/);
    const all = await h.service.list(h.tenantId, { schemaId, limit: 200, offset: 0 });
    expect(all.total).toBe(11);
    expect(all.items.every((e) => e.status === 'failed')).toBe(true);
  });
});
