import { randomUUID } from 'node:crypto';
import { jsonNestingLimit, nestsDeeperThan, unstorableStrings } from '@conveyor/contracts';
import { AppError, AuthError, ConflictError, NotFoundError, ValidationError } from '@conveyor/errors';
import { getExecution, type ExecutionRow } from '../db/execution-rows';
import { graphOfVersion, startExecutionNow } from './create-execution';
import type { EngineDeps } from './engine-deps';
import { isValidWebhookSignature, signatureHeader } from './webhook-signature';

/** One `POST /webhook/:schema_id[/:step_id]` call, as the gateway hands it over (raw body for the signature). */
export interface WebhookCall {
  schemaId: string;
  stepId?: string | undefined;
  rawBody: string;
  /** Lower-case header names. */
  headers: Record<string, string>;
  /** Answer with the final output when the execution finishes within this many ms. */
  waitMs?: number | undefined;
}

export interface WebhookAnswer {
  execution: ExecutionRow;
  /** True when the execution reached a final status within `waitMs`. */
  finished: boolean;
}

/** Waits (without polling) until an execution reaches a final status or the time is up. */
export interface FinishWaiter {
  /**
   * Listens for the end of an execution that is about to start. `wait` resolves with the final
   * row when its end signal carries it, with null when the time is up (or the signal carried none).
   */
  expect(executionId: string): { wait(timeoutMs: number): Promise<ExecutionRow | null>; cancel(): void };
  /** Waits for an execution that may have ended already (reads it once after listening); the row when final, else null. */
  waitFor(executionId: string, timeoutMs: number): Promise<ExecutionRow | null>;
}

/** Headers kept with the execution as the trigger's metadata: content type, agent and `x-*` ones but the signature. */
function selectedHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => name === 'content-type' || name === 'user-agent' || name === 'idempotency-key' || (name.startsWith('x-') && name !== signatureHeader)),
  );
}

function decodeBody(rawBody: string, contentType: string | undefined): unknown {
  if (rawBody.length === 0) return null;
  const type = (contentType ?? 'application/json').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json' || type.endsWith('+json')) {
    let value: unknown;
    try {
      value = JSON.parse(rawBody);
    } catch (error) {
      throw new AppError('INVALID_JSON', 'The webhook body is not valid JSON', { details: { reason: (error as Error).message } });
    }
    if (nestsDeeperThan(value)) throw new AppError('INVALID_JSON', `The webhook body nests deeper than ${jsonNestingLimit} levels`, { details: { max_depth: jsonNestingLimit } });
    return value;
  }
  if (type === 'application/x-www-form-urlencoded') return Object.fromEntries(new URLSearchParams(rawBody));
  return rawBody;
}

/** The body as the execution's input: JSON, form fields or text, with nothing PostgreSQL would refuse. */
function parseBody(rawBody: string, contentType: string | undefined): unknown {
  const input = decodeBody(rawBody, contentType);
  const issues = unstorableStrings(input, '/body');
  if (issues.length > 0) throw new ValidationError(`The webhook body cannot be stored: ${issues[0]!.path} ${issues[0]!.message}`, { details: { issues } });
  return input;
}

const isFinal = (e: ExecutionRow) => ['completed', 'failed', 'stopped'].includes(e.status);

/**
 * Webhook intake. The caller has no bearer token: the schema id names the tenant (the schemas
 * service resolves it), and the schema's webhook secret authenticates the call. Only active
 * schemas accept calls; an `Idempotency-Key` returns the execution a previous call started.
 */
export async function acceptWebhook(deps: EngineDeps, waitForFinish: FinishWaiter, call: WebhookCall): Promise<WebhookAnswer> {
  const version = await deps.schemas.loadForWebhook(call.schemaId);
  const { graph } = graphOfVersion(deps, version);
  const webhookTrigger = graph.nodes.find((n) => n.type === 'trigger.webhook');
  if (version.webhookSecret && webhookTrigger?.config.requireSignature !== false) {
    if (!isValidWebhookSignature(version.webhookSecret, call.rawBody, call.headers[signatureHeader])) {
      throw new AuthError('AUTH_FAILED', `missing or invalid ${signatureHeader} header (sha256=<HMAC-SHA256 of the body>)`);
    }
  }
  if (version.status !== 'active') {
    throw new ConflictError(`schema ${call.schemaId} is ${version.status}; only active schemas accept webhooks`, { details: { schema_id: call.schemaId, status: version.status } });
  }
  if (call.stepId !== undefined && !graph.nodes.some((n) => n.id === call.stepId)) {
    throw new NotFoundError(`step ${call.stepId} is not a node of schema ${call.schemaId}`, { details: { schema_id: call.schemaId, step_id: call.stepId } });
  }
  const input = parseBody(call.rawBody, call.headers['content-type']);
  const idempotencyKey = call.headers['idempotency-key'];
  const waitMs = call.waitMs && call.waitMs > 0 ? call.waitMs : 0;
  // With `?wait`, listen for the end before starting: no read is needed to catch an early end.
  const executionId = randomUUID();
  const expected = waitMs > 0 ? waitForFinish.expect(executionId) : null;
  try {
    const { execution, created } = await startExecutionNow(deps, version, {
      executionId,
      tenantId: version.tenantId,
      trigger: 'webhook',
      input,
      startStep: call.stepId,
      idempotencyKey: idempotencyKey && idempotencyKey.length > 0 ? idempotencyKey.slice(0, 200) : undefined,
      triggerInfo: { headers: selectedHeaders(call.headers) },
    });
    if (!expected || isFinal(execution)) return { execution, finished: isFinal(execution) };
    // An earlier call's execution (same idempotency key) may have ended before anyone listened.
    const ended = created ? await expected.wait(waitMs) : await waitForFinish.waitFor(execution.id, waitMs);
    const now = ended ?? (await getExecution(deps.pool, execution.id, null)) ?? execution;
    return { execution: now, finished: isFinal(now) };
  } finally {
    expected?.cancel();
  }
}
