import { defineNodeModule, expressionField } from '../define-node-module';
import { evaluateExpression } from '../expressions/jsonata-expression';
import { expressionBindings } from './expression-bindings';

export interface NatsPublishConfig {
  subject: string;
  payload?: string;
}

/**
 * Publishes the input (or the value of `payload`) as JSON to NATS. `context.publish` puts the
 * installation's prefix in front of `subject`, so a workflow cannot publish into the platform's
 * own subjects of another installation.
 */
export const natsPublish = defineNodeModule<NatsPublishConfig>({
  descriptor: {
    type: 'nats.publish',
    version: 1,
    category: 'integration',
    title: 'NATS publish',
    description: "Publishes the input (or a JSONata mapping of it) as JSON to a NATS subject under the installation's prefix.",
    configSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['subject'],
      properties: {
        subject: { type: 'string', maxLength: 200, pattern: '^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*$' },
        payload: expressionField,
      },
    },
    inputs: ['in'],
    outputs: ['out'],
    retry: { attempts: 3, backoffMs: 500, maxBackoffMs: 5_000 },
    timeoutMs: 10_000,
  },
  execute: async (context) => {
    const { subject, payload } = context.config;
    const data =
      payload === undefined
        ? (context.input ?? null)
        : await evaluateExpression(payload, context.input, { bindings: expressionBindings(context), signal: context.signal });
    context.signal.throwIfAborted();
    await context.publish(subject, data);
    return { kind: 'output', output: { subject, data } };
  },
});
