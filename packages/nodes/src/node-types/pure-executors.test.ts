import { describe, expect, it } from 'vitest';
import { NodeExecutionError } from '../node-execution-error';
import { findNodeModule } from '../registry';
import { createTestContext } from '../test-context';

async function run(type: string, config: Record<string, unknown>, input: unknown, signal?: AbortSignal) {
  const harness = createTestContext(config, input, signal);
  const result = await findNodeModule(type)!.execute(harness.context);
  return { result, ...harness };
}

describe('triggers and noop', () => {
  it('pass their input through', async () => {
    for (const type of ['trigger.manual', 'trigger.webhook', 'noop']) {
      expect((await run(type, {}, { a: 1 })).result).toEqual({ kind: 'output', output: { a: 1 } });
    }
    expect((await run('trigger.schedule', { cron: '* * * * *', input: { fixed: true } }, {})).result).toEqual({ kind: 'output', output: { fixed: true } });
    expect((await run('trigger.schedule', { cron: '* * * * *' }, { tick: 1 })).result).toEqual({ kind: 'output', output: { tick: 1 } });
  });
});

describe('transform, set, condition, switch', () => {
  it('transform maps the input with JSONata and sees the bindings', async () => {
    const { result } = await run('transform', { expression: '{"total": $sum(items.price), "node": $nodeId}' }, { items: [{ price: 2 }, { price: 3 }] });
    expect(result).toEqual({ kind: 'output', output: { total: 5, node: 'n1' } });
  });

  it('set merges fields over the input unless keepInput is false', async () => {
    expect((await run('set', { values: { doubled: 'a * 2' } }, { a: 4 })).result).toEqual({ kind: 'output', output: { a: 4, doubled: 8 } });
    expect((await run('set', { values: { doubled: 'a * 2' }, keepInput: false }, { a: 4 })).result).toEqual({ kind: 'output', output: { doubled: 8 } });
    expect((await run('set', { values: { x: '1' } }, [1, 2])).result).toEqual({ kind: 'output', output: { x: 1 } });
  });

  it('condition routes to true or false with JSONata truthiness', async () => {
    expect((await run('condition', { expression: 'amount > 100' }, { amount: 150 })).result).toEqual({ kind: 'output', output: { amount: 150 }, ports: ['true'] });
    expect((await run('condition', { expression: 'amount > 100' }, { amount: 5 })).result).toMatchObject({ ports: ['false'] });
    expect((await run('condition', { expression: 'missing' }, {})).result).toMatchObject({ ports: ['false'] });
    expect((await run('condition', { expression: 'tags' }, { tags: ['a'] })).result).toMatchObject({ ports: ['true'] });
  });

  it('switch picks the first matching case, else default', async () => {
    const config = { cases: [{ port: 'big', when: 'amount > 100' }, { port: 'medium', when: 'amount > 10' }] };
    expect((await run('switch', config, { amount: 500 })).result).toMatchObject({ ports: ['big'] });
    expect((await run('switch', config, { amount: 50 })).result).toMatchObject({ ports: ['medium'] });
    expect((await run('switch', config, { amount: 1 })).result).toMatchObject({ ports: ['default'] });
  });

  it('a failing expression is a non-retryable node error', async () => {
    const error = await run('transform', { expression: '$number("x")' }, {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeExecutionError);
    expect(error).toMatchObject({ code: 'EXPRESSION_FAILED', retryable: false });
  });
});

describe('log, fail, nats.publish', () => {
  it('log writes through the context and passes the input on', async () => {
    const { result, logs } = await run('log', { level: 'warn', message: 'seen', data: 'a' }, { a: 7 });
    expect(logs).toEqual([{ level: 'warn', message: 'seen', data: { value: 7 } }]);
    expect(result).toEqual({ kind: 'output', output: { a: 7 } });
    expect((await run('log', { message: 'plain' }, null)).logs).toEqual([{ level: 'info', message: 'plain' }]);
  });

  it('fail throws a non-retryable error with its code', async () => {
    await expect(run('fail', { message: 'nope', code: 'BAD_ORDER' }, {})).rejects.toMatchObject({ name: 'NodeExecutionError', code: 'BAD_ORDER', message: 'nope', retryable: false });
  });

  it('nats.publish publishes the input or the mapped payload', async () => {
    const plain = await run('nats.publish', { subject: 'orders.created' }, { id: 1 });
    expect(plain.published).toEqual([{ subject: 'orders.created', data: { id: 1 } }]);
    const mapped = await run('nats.publish', { subject: 'orders.ids', payload: '{"id": id}' }, { id: 2, secret: 'x' });
    expect(mapped.published).toEqual([{ subject: 'orders.ids', data: { id: 2 } }]);
    expect(mapped.result).toEqual({ kind: 'output', output: { subject: 'orders.ids', data: { id: 2 } } });
  });

  it('nats.publish does not publish once stopped', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stopped'));
    const harness = createTestContext({ subject: 'x' }, {}, controller.signal);
    await expect(findNodeModule('nats.publish')!.execute(harness.context)).rejects.toThrow('stopped');
    expect(harness.published).toEqual([]);
  });
});

describe('waiting nodes', () => {
  it('delay asks for a timer at now + duration', async () => {
    const before = Date.now();
    const { result } = await run('delay', { durationMs: 60_000 }, {});
    expect(result.kind).toBe('wait');
    const until = Date.parse((result as { wait: { until: string } }).wait.until);
    expect(until).toBeGreaterThanOrEqual(before + 60_000);
    expect(until).toBeLessThanOrEqual(Date.now() + 60_000);
  });

  it('wait.until takes a fixed moment or one computed from the input', async () => {
    expect((await run('wait.until', { until: '2030-01-01T00:00:00Z' }, {})).result).toEqual({ kind: 'wait', wait: { type: 'timer', until: '2030-01-01T00:00:00.000Z' } });
    expect((await run('wait.until', { untilExpression: 'dueAt' }, { dueAt: '2031-05-05T10:00:00+02:00' })).result).toEqual({
      kind: 'wait',
      wait: { type: 'timer', until: '2031-05-05T08:00:00.000Z' },
    });
    await expect(run('wait.until', { untilExpression: 'dueAt' }, { dueAt: 'soon' })).rejects.toMatchObject({ code: 'INVALID_WAIT_UNTIL' });
  });

  it('approval waits with its prompt', async () => {
    expect((await run('approval', { prompt: 'Ship it?' }, {})).result).toEqual({ kind: 'wait', wait: { type: 'approval', prompt: 'Ship it?' } });
    expect((await run('approval', {}, {})).result).toEqual({ kind: 'wait', wait: { type: 'approval' } });
  });

  it('subflow waits for a child run with the input or a mapping', async () => {
    const schemaId = '3f0f8a4e-2b7c-4d5e-9f10-1a2b3c4d5e6f';
    expect((await run('subflow', { schemaId }, { a: 1 })).result).toEqual({ kind: 'wait', wait: { type: 'subflow', schemaId, input: { a: 1 } } });
    expect((await run('subflow', { schemaId, version: 3, input: '{"b": a}' }, { a: 1 })).result).toEqual({
      kind: 'wait',
      wait: { type: 'subflow', schemaId, input: { b: 1 }, version: 3 },
    });
  });
});
