import { defineNodeModule, noRetry } from '../define-node-module';

export interface ApprovalConfig {
  prompt?: string;
}

/**
 * Pauses the execution until someone resumes it with a payload; the payload becomes the node's
 * output (the engine decides that on resume).
 */
export const approval = defineNodeModule<ApprovalConfig>({
  descriptor: {
    type: 'approval',
    version: 1,
    category: 'flow',
    title: 'Approval',
    description: 'Pauses the execution until it is resumed with a payload, which becomes the output.',
    configSchema: {
      type: 'object',
      additionalProperties: false,
      properties: { prompt: { type: 'string', maxLength: 2_000 } },
    },
    inputs: ['in'],
    outputs: ['out'],
    retry: noRetry,
    timeoutMs: 1_000,
  },
  execute: async ({ config }) => ({ kind: 'wait', wait: config.prompt === undefined ? { type: 'approval' } : { type: 'approval', prompt: config.prompt } }),
});
