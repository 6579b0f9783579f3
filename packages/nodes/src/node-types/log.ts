import { defineNodeModule, expressionField, noRetry } from '../define-node-module';
import { evaluateExpression } from '../expressions/jsonata-expression';
import type { LogLevel } from '../types';
import { expressionBindings } from './expression-bindings';

export interface LogConfig {
  level?: LogLevel;
  message: string;
  data?: string;
}

/** Writes a line to the execution's logs (with `data` evaluated from the input) and passes the input on. */
export const log = defineNodeModule<LogConfig>({
  descriptor: {
    type: 'log',
    version: 1,
    category: 'action',
    title: 'Log',
    description: "Writes a message (and optionally the value of a JSONata expression) to the execution's logs; passes the input through.",
    configSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['message'],
      properties: {
        level: { enum: ['debug', 'info', 'warn', 'error'], default: 'info' },
        message: { type: 'string', minLength: 1, maxLength: 2_000 },
        data: expressionField,
      },
    },
    inputs: ['in'],
    outputs: ['out'],
    retry: noRetry,
    timeoutMs: 5_000,
  },
  execute: async (context) => {
    const { level = 'info', message, data } = context.config;
    if (data === undefined) {
      context.log(level, message);
    } else {
      const value = await evaluateExpression(data, context.input, { bindings: expressionBindings(context), signal: context.signal });
      context.log(level, message, { value });
    }
    return { kind: 'output', output: context.input ?? null };
  },
});
