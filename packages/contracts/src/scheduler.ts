import { z } from 'zod';
import { defineEvent } from './events';
import { defineRequest } from './requests';

/**
 * The scheduler's messages.
 *
 * Work: a task that falls due is one message on the TASKS stream, subject
 * `<prefix>.tasks.<task_type>` (`taskSubject`), body `taskDispatchMessage`, `Nats-Msg-Id`
 * `<task_id>:<attempt>`. A handler (any language, any NATS client) consumes it with a durable
 * pull consumer, does the work and reports the outcome with `taskReportRequest`
 * (`<prefix>.scheduler.task_report`), then acks the message.
 *
 * Engine timers: `timerSetRequest` / `timerCancelRequest` (`<prefix>.scheduler.timer_set`,
 * `<prefix>.scheduler.timer_cancel`); a timer that fires is one `timerFiredMessage` on the TASKS
 * stream at `timerFiredSubject` (`<prefix>.tasks.engine.timer`). Timers need no report: the
 * scheduler hands them to JetStream and JetStream redelivers until the engine acks.
 *
 * Events (through the outbox): `scheduler.task.updated`, `scheduler.trigger.{created,updated,deleted,fired}`.
 */

export const taskStatuses = ['pending', 'processing', 'completed', 'failed', 'cancelled'] as const;
export type TaskStatus = (typeof taskStatuses)[number];

/** Limits of the task API, documented in docs/scheduler.md and enforced by the service. */
export const taskLimits = {
  taskTypeMaxLength: 50,
  maxAttemptsDefault: 3,
  maxAttemptsMax: 25,
  /** Serialized JSON size of `payload`, in bytes (UTF-8). */
  payloadMaxBytes: 65_536,
  listLimitDefault: 50,
  listLimitMax: 100,
  errorMaxLength: 4_000,
  /** Most reports one batch `task_report` request may carry (it must also fit NATS `max_payload`, 1 MiB by default). */
  reportBatchMax: 1_000,
} as const;

/**
 * A task type becomes subject tokens, so it is dot-separated segments of letters, digits, `_`
 * and `-` (`send_email`, `schema.execute`); wildcards and spaces could not be routed.
 */
export const taskTypePattern = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

/** Built-in task types, handled by the platform itself. */
export const builtInTaskTypes = { schemaExecute: 'schema.execute', engineTimer: 'engine.timer' } as const;

/** `<prefix>.tasks.<task_type>`: where a due task is published. */
export function taskSubject(prefix: string, taskType: string): string {
  if (!taskTypePattern.test(taskType)) throw new Error(`invalid task type: ${JSON.stringify(taskType)}`);
  return `${prefix}.tasks.${taskType}`;
}

/** What a handler receives for one attempt of one task. */
export const taskDispatchMessage = z.object({
  v: z.literal(1),
  task_id: z.number().int().positive(),
  /** 1-based; report it back so a late report of an older attempt is recognised and ignored. */
  attempt: z.number().int().positive(),
  max_attempts: z.number().int().positive(),
  task_type: z.string(),
  payload: z.unknown(),
  tenant_id: z.string(),
  execute_at: z.string(),
  /** The scheduler gives up on this attempt (and retries) if no report arrives by then. */
  report_deadline: z.string(),
});
export type TaskDispatchMessage = z.infer<typeof taskDispatchMessage>;

const taskReport = z.object({
  task_id: z.number().int().positive(),
  attempt: z.number().int().positive(),
  outcome: z.enum(['completed', 'failed', 'in_progress']),
  error: z.string().max(taskLimits.errorMaxLength).optional(),
  /** With `failed`: `false` fails the task for good now (a permanent error), whatever `max_attempts` says. */
  retry: z.boolean().optional(),
});

const taskReportOutcome = z.object({
  accepted: z.boolean(),
  status: z.enum(taskStatuses).nullable(),
});

const taskReportBatch = z.object({
  reports: z.array(taskReport).min(1).max(taskLimits.reportBatchMax),
});

const taskReportBatchReply = z.object({
  /** One per report, in the order of the request. */
  results: z.array(taskReportOutcome.extend({ task_id: z.number().int().positive() })),
});

/**
 * `<prefix>.scheduler.task_report`: a handler's outcome for one attempt. `completed` finishes
 * the task; `failed` retries it with exponential backoff and jitter until `max_attempts`, then
 * fails it with `error` as `last_error`; `in_progress` pushes the report deadline forward (long work).
 * `accepted: false` means the attempt is no longer current (cancelled, already reported, timed out
 * and retried): the handler should just ack its message.
 *
 * Two forms on the same subject: one report (`{task_id, attempt, outcome, …}` → `{accepted,
 * status}`), or a batch `{reports: [ … up to `taskLimits.reportBatchMax` … ]}` → `{results: [{task_id,
 * accepted, status}, …]}` in the request's order. A handler that receives many messages at once
 * sends one batch instead of a request per message (10,000 request/replies, each with its own
 * reply message, timer and validation on both sides, were a large share of the bench's drain).
 * `forms` holds each form's schemas; the server picks the form by the presence of `reports`.
 */
export const taskReportRequest = Object.assign(
  defineRequest({
    verb: 'task_report',
    request: z.union([taskReportBatch, taskReport]),
    response: z.union([taskReportBatchReply, taskReportOutcome]),
  }),
  {
    forms: {
      single: { request: taskReport, response: taskReportOutcome },
      batch: { request: taskReportBatch, response: taskReportBatchReply },
    },
  },
);

/** `<prefix>.scheduler.timer_set`: wake an execution's step at `fire_at`. Idempotent per (execution_id, step_id). */
export const timerSetRequest = defineRequest({
  verb: 'timer_set',
  request: z.object({
    tenant_id: z.string().min(1),
    execution_id: z.string().min(1).max(200),
    step_id: z.string().min(1).max(200),
    /** RFC 3339 with an offset; a past time fires at once. Millisecond precision. */
    fire_at: z.iso.datetime({ offset: true }),
  }),
  response: z.object({
    timer_id: z.string(),
    fire_at: z.string(),
    status: z.enum(taskStatuses),
  }),
});

/** `<prefix>.scheduler.timer_cancel`: cancels the pending timers of an execution (or of one of its steps). */
export const timerCancelRequest = defineRequest({
  verb: 'timer_cancel',
  request: z.object({
    tenant_id: z.string().min(1),
    execution_id: z.string().min(1).max(200),
    step_id: z.string().min(1).max(200).optional(),
  }),
  response: z.object({ cancelled: z.number().int().nonnegative() }),
});

/** `<prefix>.tasks.engine.timer`: the engine's durable consumer on it resumes the waiting step. */
export function timerFiredSubject(prefix: string): string {
  return taskSubject(prefix, builtInTaskTypes.engineTimer);
}

export const timerFiredMessage = z.object({
  v: z.literal(1),
  timer_id: z.string(),
  tenant_id: z.string(),
  execution_id: z.string(),
  step_id: z.string(),
  fire_at: z.string(),
  fired_at: z.string(),
});
export type TimerFiredMessage = z.infer<typeof timerFiredMessage>;

/** The documented task JSON (`001_*.txt`) plus `last_error`. */
export const taskJsonSchema = z.object({
  id: z.number().int(),
  execute_at: z.string(),
  task_type: z.string(),
  payload: z.unknown(),
  status: z.enum(taskStatuses),
  attempts: z.number().int(),
  max_attempts: z.number().int(),
  created_at: z.string(),
  updated_at: z.string(),
  completed_at: z.string().optional(),
  last_error: z.string().optional(),
});

export const taskUpdatedEvent = defineEvent({
  service: 'scheduler',
  entity: 'task',
  verb: 'updated',
  data: z.object({
    id: z.number().int(),
    task_type: z.string(),
    status: z.enum(taskStatuses),
    attempts: z.number().int(),
    max_attempts: z.number().int(),
    execute_at: z.string(),
    updated_at: z.string(),
    completed_at: z.string().nullable(),
    last_error: z.string().nullable(),
  }),
});

export const triggerStatuses = ['active', 'disabled'] as const;

const triggerEventData = z.object({
  trigger_id: z.string(),
  name: z.string(),
  pipeline_id: z.string(),
  status: z.enum(triggerStatuses),
  cron_expression: z.string(),
  timezone: z.string(),
  next_run: z.string().nullable(),
});

export const triggerCreatedEvent = defineEvent({ service: 'scheduler', entity: 'trigger', verb: 'created', data: triggerEventData });
export const triggerUpdatedEvent = defineEvent({ service: 'scheduler', entity: 'trigger', verb: 'updated', data: triggerEventData });
export const triggerDeletedEvent = defineEvent({ service: 'scheduler', entity: 'trigger', verb: 'deleted', data: triggerEventData });

/** A cron occurrence: either a run was started (`run_id` is its task id) or it was skipped because the previous run still runs. */
export const triggerFiredEvent = defineEvent({
  service: 'scheduler',
  entity: 'trigger',
  verb: 'fired',
  data: z.object({
    trigger_id: z.string(),
    pipeline_id: z.string(),
    outcome: z.enum(['started', 'skipped']),
    run_id: z.string().nullable(),
    scheduled_for: z.string(),
    fired_at: z.string(),
  }),
});
