import { defineNodeModule, noRetry } from '../define-node-module';
import { NodeExecutionError } from '../node-execution-error';

export interface FailConfig {
  message: string;
  code?: string;
}

/** Fails the execution on purpose with a message (never retried). */
export const fail = defineNodeModule<FailConfig>({
  descriptor: {
    type: 'fail',
    version: 1,
    category: 'flow',
    title: 'Fail',
    description: 'Fails the execution with the configured message; never retried.',
    configSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['message'],
      properties: {
        message: { type: 'string', minLength: 1, maxLength: 2_000 },
        code: { type: 'string', pattern: '^[A-Z][A-Z0-9_]{0,63}$' },
      },
    },
    inputs: ['in'],
    outputs: [],
    retry: noRetry,
    timeoutMs: 1_000,
  },
  execute: async ({ config }) => {
    throw new NodeExecutionError(config.code ?? 'FAIL_NODE', config.message, { retryable: false });
  },
});
