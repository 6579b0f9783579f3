import { defineNodeModule, noRetry } from '../define-node-module';
import { passThrough } from './pass-through';

/** Does nothing and hands its input on: a join point or a placeholder. */
export const noop = defineNodeModule({
  descriptor: {
    type: 'noop',
    version: 1,
    category: 'flow',
    title: 'No operation',
    description: 'Passes its input through unchanged (a join point or placeholder).',
    configSchema: { type: 'object', additionalProperties: false, properties: {} },
    inputs: ['in'],
    outputs: ['out'],
    retry: noRetry,
    timeoutMs: 1_000,
  },
  execute: passThrough,
});
