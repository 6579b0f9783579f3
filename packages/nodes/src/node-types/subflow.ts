import { defineNodeModule, expressionField, noRetry } from '../define-node-module';
import { evaluateExpression } from '../expressions/jsonata-expression';
import { expressionBindings } from './expression-bindings';

export interface SubflowConfig {
  schemaId: string;
  version?: number;
  input?: string;
}

/**
 * Runs another schema (its latest version, or `version`) and waits for its result, which becomes
 * the output. The child's input is the node's input, or the value of the `input` expression.
 */
export const subflow = defineNodeModule<SubflowConfig>({
  descriptor: {
    type: 'subflow',
    version: 1,
    category: 'flow',
    title: 'Subflow',
    description: "Runs another schema with the input (or a JSONata mapping of it) and waits for the child's result.",
    configSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['schemaId'],
      properties: {
        schemaId: { type: 'string', format: 'uuid' },
        version: { type: 'integer', minimum: 1 },
        input: expressionField,
      },
    },
    inputs: ['in'],
    outputs: ['out'],
    retry: noRetry,
    timeoutMs: 5_000,
  },
  execute: async (context) => {
    const { schemaId, version, input } = context.config;
    const childInput =
      input === undefined
        ? (context.input ?? null)
        : await evaluateExpression(input, context.input, { bindings: expressionBindings(context), signal: context.signal });
    return { kind: 'wait', wait: version === undefined ? { type: 'subflow', schemaId, input: childInput } : { type: 'subflow', schemaId, input: childInput, version } };
  },
});
