import { z } from 'zod';
import { defineRoute, type RestRoute } from '../route-table';
import { executionFields } from './executions';

/**
 * `POST /webhook/:schema_id[/:step_id]` (`000_*.txt` 4.3). Integrators call it without a bearer
 * token: the executions service finds the schema's tenant and checks the `X-Webhook-Signature`
 * (HMAC-SHA256 of the raw body with the schema's webhook secret), so the body travels raw.
 */

/** Longest synchronous wait, under the gateway's default subgraph timeout (10 s). */
export const maxWebhookWaitMs = 9_000;

const waitQuery = z.object({
  wait: z
    .string()
    .regex(/^\d+$/, 'milliseconds, an integer')
    .transform(Number)
    .pipe(z.number().int().min(0).max(maxWebhookWaitMs))
    .optional(),
});

/** Headers never handed to the engine (they would end up in the execution's trigger metadata). */
const privateHeaders = new Set(['authorization', 'cookie', 'proxy-authorization']);

function headersOf(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers)
      .filter(([name, value]) => value !== undefined && !privateHeaders.has(name))
      .map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : value!]),
  );
}

interface WebhookData {
  trigger: { finished: boolean; execution: { id: string; status: string; error: string | null; output: unknown } };
}

const operation = `mutation TriggerWebhook($schemaId: ID!, $stepId: String, $body: String!, $headers: JSON!, $waitMs: Int) {
  trigger: triggerWebhook(schemaId: $schemaId, stepId: $stepId, body: $body, headers: $headers, waitMs: $waitMs) {
    finished execution { ${executionFields} output }
  }
}`;

const accepted = z.object({ execution_id: z.string(), status: z.string() });

function respond(data: Record<string, unknown>) {
  const { trigger } = data as unknown as WebhookData;
  const { execution } = trigger;
  if (!trigger.finished) return { execution_id: execution.id, status: execution.status };
  return { execution_id: execution.id, status: execution.status, output: execution.output ?? null, error: execution.error };
}

const webhookRoute = (withStep: boolean) =>
  defineRoute({
    operationId: withStep ? 'triggerWebhookAtStep' : 'triggerWebhook',
    method: 'POST',
    path: withStep ? '/webhook/:schema_id/:step_id' : '/webhook/:schema_id',
    summary: withStep
      ? 'Start an active schema at a node, with the body as its input (202 with the execution id)'
      : 'Start an active schema by webhook; the body is the trigger\'s output (202 with the execution id; `?wait=ms` answers 200 with the output once finished)',
    tag: 'webhooks',
    params: withStep ? z.object({ schema_id: z.string().min(1).max(100), step_id: z.string().min(1).max(200) }) : z.object({ schema_id: z.string().min(1).max(100) }),
    query: waitQuery,
    rawBody: true,
    operation,
    variables: ({ params, query, body, headers }) => ({
      schemaId: params.schema_id,
      stepId: (params as { step_id?: string }).step_id ?? null,
      body: typeof body === 'string' ? body : '',
      headers: headersOf(headers),
      waitMs: query.wait ?? null,
    }),
    status: 202,
    statusOf: (data) => ((data as unknown as WebhookData).trigger.finished ? 200 : 202),
    respond,
    response: accepted.extend({ output: z.unknown().optional(), error: z.string().nullable().optional() }),
  });

export const webhookRoutes: RestRoute[] = [webhookRoute(false), webhookRoute(true)];
