import { defineNodeModule, noRetry } from '../define-node-module';
import { passThrough } from './pass-through';

/** Started by hand (`POST /api/executions`); the request body is its output. */
export const triggerManual = defineNodeModule({
  descriptor: {
    type: 'trigger.manual',
    version: 1,
    category: 'trigger',
    title: 'Manual trigger',
    description: 'Starts the workflow when it is run by hand; the run request body is the output.',
    configSchema: { type: 'object', additionalProperties: false, properties: {} },
    inputs: [],
    outputs: ['out'],
    retry: noRetry,
    timeoutMs: 1_000,
  },
  execute: passThrough,
});
