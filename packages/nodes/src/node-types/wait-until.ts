import { defineNodeModule, expressionField, noRetry } from '../define-node-module';
import { evaluateExpression } from '../expressions/jsonata-expression';
import { NodeExecutionError } from '../node-execution-error';
import { expressionBindings } from './expression-bindings';

export interface WaitUntilConfig {
  until?: string;
  untilExpression?: string;
}

/**
 * Waits until a moment: a fixed `until` timestamp or one computed from the input with
 * `untilExpression` (e.g. `dueAt`). A moment in the past fires at once.
 */
export const waitUntil = defineNodeModule<WaitUntilConfig>({
  descriptor: {
    type: 'wait.until',
    version: 1,
    category: 'flow',
    title: 'Wait until',
    description: 'Waits until a timestamp (fixed, or computed from the input with a JSONata expression), then passes the input on.',
    configSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        until: { type: 'string', format: 'date-time' },
        untilExpression: expressionField,
      },
      oneOf: [{ required: ['until'] }, { required: ['untilExpression'] }],
    },
    inputs: ['in'],
    outputs: ['out'],
    retry: noRetry,
    timeoutMs: 5_000,
  },
  execute: async (context) => {
    const { until, untilExpression } = context.config;
    const value =
      untilExpression === undefined
        ? until
        : await evaluateExpression(untilExpression, context.input, { bindings: expressionBindings(context), signal: context.signal });
    const moment = typeof value === 'string' || typeof value === 'number' ? new Date(value) : new Date(Number.NaN);
    if (Number.isNaN(moment.getTime())) {
      throw new NodeExecutionError('INVALID_WAIT_UNTIL', `wait.until needs a timestamp, got ${JSON.stringify(value)}`, { retryable: false });
    }
    return { kind: 'wait', wait: { type: 'timer', until: moment.toISOString() } };
  },
});
