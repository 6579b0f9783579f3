import { describe, expect, it } from 'vitest';
import { NodeExecutionError } from '../node-execution-error';
import { evaluateExpression, expressionProblem } from './jsonata-expression';

describe('JSONata expressions', () => {
  it('evaluates against the input with bindings', async () => {
    await expect(evaluateExpression('a + $extra', { a: 2 }, { bindings: { extra: 3 } })).resolves.toBe(5);
    await expect(evaluateExpression('items[price > 10].name', { items: [{ name: 'x', price: 5 }, { name: 'y', price: 20 }] })).resolves.toBe('y');
  });

  it('turns no match into null and results into plain JSON', async () => {
    await expect(evaluateExpression('missing', { a: 1 })).resolves.toBeNull();
    await expect(evaluateExpression('[1,2,3].($ * 2)', {})).resolves.toEqual([2, 4, 6]);
  });

  it('reports compile problems with their position', () => {
    expect(expressionProblem('a + ')).toMatch(/position/);
    expect(expressionProblem('a.b')).toBeNull();
    expect(expressionProblem('x'.repeat(20_000))).toMatch(/longer than/);
  });

  it('stops a runaway recursion instead of hanging', async () => {
    const error = await evaluateExpression('($f := function($n){ $f($n + 1) }; $f(0))', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeExecutionError);
    expect((error as NodeExecutionError).retryable).toBe(false);
  });

  it('honours an aborted signal', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stopped'));
    await expect(evaluateExpression('a', { a: 1 }, { signal: controller.signal })).rejects.toThrow('stopped');
  });

  it('has no access to the host', async () => {
    // `$eval` evaluates JSONata, not JavaScript.
    await expect(evaluateExpression('$eval("globalThis")', {})).resolves.toBeNull();
    await expect(evaluateExpression('$eval("1 + 1")', {})).resolves.toBe(2);
    await expect(evaluateExpression('$process', {})).resolves.toBeNull();
  });
});
