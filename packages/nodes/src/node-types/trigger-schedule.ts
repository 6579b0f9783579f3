import { defineNodeModule, noRetry } from '../define-node-module';
import { passThrough } from './pass-through';

export interface TriggerScheduleConfig {
  cron: string;
  timezone?: string;
  input?: unknown;
}

/** Started by the scheduler on a cron expression; its output is the configured `input`, else the scheduler's payload. */
export const triggerSchedule = defineNodeModule<TriggerScheduleConfig>({
  descriptor: {
    type: 'trigger.schedule',
    version: 1,
    category: 'trigger',
    title: 'Schedule trigger',
    description: 'Starts the workflow on a cron schedule (5 or 6 fields or @daily-style, optional IANA time zone).',
    configSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['cron'],
      properties: {
        cron: { type: 'string', format: 'cron', minLength: 1, maxLength: 200, description: 'Cron expression (5 or 6 fields, or @daily...), e.g. "*/5 * * * *".' },
        timezone: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z_]+(/[A-Za-z0-9_+-]+)*$', description: 'IANA time zone, default UTC.' },
        input: { description: 'Payload handed to the first nodes on every run.' },
      },
    },
    inputs: [],
    outputs: ['out'],
    retry: noRetry,
    timeoutMs: 1_000,
  },
  execute: async ({ config, input }) => ({ kind: 'output', output: config.input !== undefined ? config.input : (input ?? null) }),
});
