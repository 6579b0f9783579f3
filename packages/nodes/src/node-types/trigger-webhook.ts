import { defineNodeModule, noRetry } from '../define-node-module';
import { passThrough } from './pass-through';

export interface TriggerWebhookConfig {
  requireSignature?: boolean;
}

/**
 * Started by `POST /webhook/:schema_id`; the webhook body is its output. Calls are signed with the
 * schema's webhook secret unless `requireSignature` is false. Only `active` schemas are triggered.
 */
export const triggerWebhook = defineNodeModule<TriggerWebhookConfig>({
  descriptor: {
    type: 'trigger.webhook',
    version: 1,
    category: 'trigger',
    title: 'Webhook trigger',
    description: "Starts the workflow on POST /webhook/:schema_id, signed with the schema's webhook secret; the body is the output.",
    configSchema: {
      type: 'object',
      additionalProperties: false,
      properties: { requireSignature: { type: 'boolean', default: true, description: 'Reject calls without a valid signature.' } },
    },
    inputs: [],
    outputs: ['out'],
    retry: noRetry,
    timeoutMs: 1_000,
  },
  execute: passThrough,
});
