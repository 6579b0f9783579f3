import { defineNodeModule, noRetry } from '../define-node-module';

export interface DelayConfig {
  durationMs: number;
}

/** Longest delay a node may ask for (30 days). */
export const maxDelayMs = 30 * 24 * 60 * 60 * 1000;

/**
 * Waits `durationMs` without holding a worker: the executor returns a timer and the engine asks
 * the scheduler to wake the step; on resume the input is passed on.
 */
export const delay = defineNodeModule<DelayConfig>({
  descriptor: {
    type: 'delay',
    version: 1,
    category: 'flow',
    title: 'Delay',
    description: 'Waits for a duration (up to 30 days) without holding a worker, then passes the input on.',
    configSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['durationMs'],
      properties: { durationMs: { type: 'integer', minimum: 1, maximum: maxDelayMs } },
    },
    inputs: ['in'],
    outputs: ['out'],
    retry: noRetry,
    timeoutMs: 1_000,
  },
  execute: async ({ config }) => ({ kind: 'wait', wait: { type: 'timer', until: new Date(Date.now() + config.durationMs).toISOString() } }),
});
