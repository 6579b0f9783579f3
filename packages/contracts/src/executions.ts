import { z } from 'zod';
import { defineEvent } from './events';
import { defineRequest } from './requests';

/**
 * The execution engine's messages. Requests: `<prefix>.executions.start` (the scheduler's
 * `schema.execute` and any other service start executions through it). Events (through the
 * outbox): `executions.execution.updated`, `executions.step.updated`, `executions.log.appended`.
 * Work: a ready step is one message on the STEPS stream (`stepReadySubject`).
 */

export const executionStatuses = ['queued', 'running', 'paused', 'completed', 'failed', 'stopped'] as const;
export type ExecutionStatus = (typeof executionStatuses)[number];

export const stepStatuses = ['pending', 'running', 'completed', 'failed', 'skipped', 'cancelled'] as const;
export type StepStatus = (typeof stepStatuses)[number];

export const executionTriggers = ['manual', 'webhook', 'schedule', 'subflow'] as const;
export type ExecutionTrigger = (typeof executionTriggers)[number];

/** The documented Execution JSON (`000_*.txt` 5.2) plus `schema_version`. */
export const executionSchema = z.object({
  id: z.string(),
  schema_id: z.string(),
  schema_version: z.number().int(),
  status: z.enum(executionStatuses),
  current_step: z.string().nullable(),
  started_at: z.string(),
  finished_at: z.string().nullable(),
  error: z.string().nullable(),
});
export type ExecutionJson = z.infer<typeof executionSchema>;

/** `<prefix>.executions.start`: start an execution of a schema for a tenant. */
export const executionStartRequest = defineRequest({
  verb: 'start',
  request: z.object({
    tenant_id: z.string().min(1),
    schema_id: z.string().min(1),
    input: z.unknown().optional(),
    /** A node id: the execution begins there with `input` as that node's input. */
    start_step: z.string().min(1).optional(),
    trigger: z.enum(executionTriggers).default('manual'),
    /** A second start with the same key for the same schema returns the first execution. */
    idempotency_key: z.string().min(1).max(200).optional(),
  }),
  response: executionSchema,
});

export const executionUpdatedEvent = defineEvent({
  service: 'executions',
  entity: 'execution',
  verb: 'updated',
  // `trigger` lets a consumer that follows only some executions (the scheduler: the ones it
  // started) skip the rest without reading them; optional, as events written before it lack it.
  data: executionSchema.extend({ trigger: z.enum(executionTriggers).optional(), parent_execution_id: z.string().nullable() }),
});

export const stepUpdatedEvent = defineEvent({
  service: 'executions',
  entity: 'step',
  verb: 'updated',
  data: z.object({
    id: z.string(),
    execution_id: z.string(),
    node_id: z.string(),
    attempt: z.number().int(),
    status: z.enum(stepStatuses),
    error: z.string().nullable(),
  }),
});

export const logAppendedEvent = defineEvent({
  service: 'executions',
  entity: 'log',
  verb: 'appended',
  data: z.object({
    id: z.string(),
    execution_id: z.string(),
    step_id: z.string().nullable(),
    node_id: z.string().nullable(),
    level: z.enum(['debug', 'info', 'warn', 'error']),
    message: z.string(),
    time: z.string(),
  }),
});

/**
 * Subject of ready steps. Five tokens, so the events stream (`<prefix>.*.*.*`) never captures it
 * and the STEPS stream owns it alone.
 */
export function stepReadySubject(prefix: string): string {
  return `${prefix}.executions.queue.step.ready`;
}

/** One ready step. `not_before` (ISO) delays a retry: a worker receiving it early naks with the remaining delay. */
export const stepReadyMessage = z.object({
  v: z.literal(1),
  id: z.string(),
  step_id: z.string(),
  execution_id: z.string(),
  not_before: z.string().nullable(),
});
export type StepReadyMessage = z.infer<typeof stepReadyMessage>;

/**
 * Core NATS, fire-and-forget: every engine replica aborts the running executors of the execution
 * (stop). Losing it is harmless: the stopped execution's steps are already cancelled in the
 * database, so a late result is discarded.
 */
export function executionAbortSubject(prefix: string): string {
  return `${prefix}.executions.signal.abort.all`;
}

/** Core NATS, fire-and-forget: an execution reached a final status (wakes `?wait=` webhook calls). */
export function executionFinishedSubject(prefix: string, executionId: string): string {
  return `${prefix}.executions.signal.finished.${executionId}`;
}
