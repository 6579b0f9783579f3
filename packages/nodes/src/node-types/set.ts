import { defineNodeModule, expressionField, noRetry } from '../define-node-module';
import { evaluateExpression } from '../expressions/jsonata-expression';
import { expressionBindings } from './expression-bindings';

export interface SetConfig {
  values: Record<string, string>;
  keepInput?: boolean;
}

/**
 * Sets fields: each entry of `values` is a field name and a JSONata expression evaluated against
 * the input. With `keepInput` (default true) the fields are merged over an object input.
 */
export const set = defineNodeModule<SetConfig>({
  descriptor: {
    type: 'set',
    version: 1,
    category: 'data',
    title: 'Set fields',
    description: 'Sets fields to the values of JSONata expressions, merged over the input object unless keepInput is false.',
    configSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['values'],
      properties: {
        values: {
          type: 'object',
          minProperties: 1,
          maxProperties: 100,
          propertyNames: { minLength: 1, maxLength: 200 },
          additionalProperties: expressionField,
        },
        keepInput: { type: 'boolean', default: true },
      },
    },
    inputs: ['in'],
    outputs: ['out'],
    retry: noRetry,
    timeoutMs: 5_000,
  },
  execute: async (context) => {
    const input = context.input;
    const base = context.config.keepInput !== false && isPlainObject(input) ? { ...input } : {};
    const bindings = expressionBindings(context);
    const output: Record<string, unknown> = base;
    for (const [field, expression] of Object.entries(context.config.values)) {
      output[field] = await evaluateExpression(expression, input, { bindings, signal: context.signal });
    }
    return { kind: 'output', output };
  },
});

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
