import { defineNodeModule, expressionField, noRetry } from '../define-node-module';
import { evaluateExpression } from '../expressions/jsonata-expression';
import { expressionBindings } from './expression-bindings';

export interface TransformConfig {
  expression: string;
}

/** Maps its input to a new value with a JSONata expression. */
export const transform = defineNodeModule<TransformConfig>({
  descriptor: {
    type: 'transform',
    version: 1,
    category: 'data',
    title: 'Transform',
    description: 'Maps the input to a new value with a JSONata expression, e.g. {"total": $sum(items.price)}.',
    configSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['expression'],
      properties: { expression: expressionField },
    },
    inputs: ['in'],
    outputs: ['out'],
    retry: noRetry,
    timeoutMs: 5_000,
  },
  execute: async (context) => ({
    kind: 'output',
    output: await evaluateExpression(context.config.expression, context.input, { bindings: expressionBindings(context), signal: context.signal }),
  }),
});
