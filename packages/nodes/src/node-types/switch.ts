import { defineNodeModule, expressionField, noRetry, portNamePattern } from '../define-node-module';
import { evaluateExpression } from '../expressions/jsonata-expression';
import { isTruthy } from '../expressions/jsonata-truthiness';
import { expressionBindings } from './expression-bindings';

export interface SwitchConfig {
  cases: Array<{ port: string; when: string }>;
}

/**
 * Sends its input to the port of the first case whose `when` is true, else to `default`. The
 * ports are the cases' names plus `default` (`portsFromConfig`).
 */
export const switchNode = defineNodeModule<SwitchConfig>({
  descriptor: {
    type: 'switch',
    version: 1,
    category: 'logic',
    title: 'Switch',
    description: 'Sends the input to the port of the first case whose JSONata condition holds, else to "default".',
    configSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['cases'],
      properties: {
        cases: {
          type: 'array',
          minItems: 1,
          maxItems: 50,
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['port', 'when'],
            properties: {
              port: { type: 'string', pattern: portNamePattern, not: { const: 'default' } },
              when: expressionField,
            },
          },
        },
      },
    },
    inputs: ['in'],
    outputs: ['default'],
    portsFromConfig: '/cases/*/port',
    retry: noRetry,
    timeoutMs: 5_000,
  },
  execute: async (context) => {
    for (const { port, when } of context.config.cases) {
      const matched = await evaluateExpression(when, context.input, { bindings: expressionBindings(context), signal: context.signal });
      if (isTruthy(matched)) return { kind: 'output', output: context.input ?? null, ports: [port] };
    }
    return { kind: 'output', output: context.input ?? null, ports: ['default'] };
  },
});
