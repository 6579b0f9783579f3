import { defineNodeModule, expressionField, noRetry } from '../define-node-module';
import { evaluateExpression } from '../expressions/jsonata-expression';
import { isTruthy } from '../expressions/jsonata-truthiness';
import { expressionBindings } from './expression-bindings';

export interface ConditionConfig {
  expression: string;
}

/**
 * Routes its input to port `true` or `false`. Truthiness follows JSONata's `$boolean` (empty
 * string, 0, null, empty array and empty object are false; see `isTruthy`).
 */
export const condition = defineNodeModule<ConditionConfig>({
  descriptor: {
    type: 'condition',
    version: 1,
    category: 'logic',
    title: 'Condition',
    description: 'Evaluates a JSONata expression and sends the input to port "true" or "false".',
    configSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['expression'],
      properties: { expression: expressionField },
    },
    inputs: ['in'],
    outputs: ['true', 'false'],
    retry: noRetry,
    timeoutMs: 5_000,
  },
  execute: async (context) => {
    const value = await evaluateExpression(context.config.expression, context.input, {
      bindings: expressionBindings(context),
      signal: context.signal,
    });
    return { kind: 'output', output: context.input ?? null, ports: [isTruthy(value) ? 'true' : 'false'] };
  },
});
