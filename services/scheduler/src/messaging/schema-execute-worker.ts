import {
  builtInTaskTypes,
  executionStartRequest,
  streamName,
  subjectOfRequest,
  taskDispatchMessage,
  taskSubject,
} from '@conveyor/contracts';
import { AppError } from '@conveyor/errors';
import { requestOverNats, type Logger } from '@conveyor/service-runtime';
import { AckPolicy, DeliverPolicy, type JsMsg, type NatsConnection } from 'nats';
import { isFinalExecutionStatus, outcomeOfExecution, type ExecutionRuns } from '../domain/execution-runs';
import type { ReportBatcher } from '../domain/report-batcher';

const decoder = new TextDecoder();

/**
 * The built-in handler of `schema.execute` tasks (cron triggers, manual runs, API tasks of that
 * type): asks the engine to start an execution (`executions.start`) and reports the outcome like
 * any other handler. The idempotency key is the task id, so a retried attempt or a redelivered
 * message returns the execution that was already started instead of starting a second one.
 * The task completes (or fails, without retry) when the execution ends: a run lasts as long as
 * its execution. A start that fails (engine unavailable, schema missing) is retried with backoff.
 */
export async function startSchemaExecuteWorker(deps: {
  nc: NatsConnection;
  prefix: string;
  logger: Logger;
  reports: ReportBatcher;
  runs: ExecutionRuns;
}): Promise<{ stop(): Promise<void> }> {
  const stream = streamName(deps.prefix, 'TASKS');
  const durable = 'scheduler-schema-execute';
  const jsm = await deps.nc.jetstreamManager();
  await jsm.consumers.add(stream, {
    durable_name: durable,
    filter_subject: taskSubject(deps.prefix, builtInTaskTypes.schemaExecute),
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: 30_000_000_000,
    max_ack_pending: 256,
  });
  const consumer = await deps.nc.jetstream().consumers.get(stream, durable);
  const messages = await consumer.consume({ max_messages: 64 });
  const subject = subjectOfRequest(deps.prefix, 'executions', executionStartRequest);

  async function handle(msg: JsMsg): Promise<void> {
    const parsed = taskDispatchMessage.safeParse(JSON.parse(decoder.decode(msg.data)));
    if (!parsed.success) {
      deps.logger.warn({ subject: msg.subject }, 'malformed task message dropped');
      msg.term();
      return;
    }
    const task = parsed.data;
    const payload = (task.payload ?? {}) as { schema_id?: unknown; input?: unknown; start_step?: unknown };
    let outcome: { outcome: 'completed' | 'failed'; error?: string; retry?: boolean } | null;
    try {
      if (typeof payload.schema_id !== 'string') throw new AppError('VALIDATION_ERROR', 'payload.schema_id must be a string');
      const execution = await requestOverNats({
        nc: deps.nc,
        subject,
        contract: executionStartRequest,
        payload: {
          tenant_id: task.tenant_id,
          schema_id: payload.schema_id,
          input: payload.input,
          ...(typeof payload.start_step === 'string' ? { start_step: payload.start_step } : {}),
          trigger: 'schedule',
          idempotency_key: `task-${task.task_id}`,
        },
        timeoutMs: 10_000,
      });
      // Still running: the task stays processing until the engine announces the end.
      outcome = isFinalExecutionStatus(execution.status) ? (outcomeOfExecution(execution.id, execution.status, execution.error) as typeof outcome) : null;
      if (!outcome) await deps.runs.attach(task.task_id, task.attempt, execution.id);
    } catch (error) {
      // A refused start (missing schema, invalid input) will not succeed later: no retry. An
      // unavailable or failing engine is retried with backoff.
      outcome =
        error instanceof AppError
          ? { outcome: 'failed', error: `${error.code}: ${error.message}`, retry: error.status >= 500 }
          : { outcome: 'failed', error: 'the execution could not be started' };
      if (!(error instanceof AppError)) deps.logger.warn({ err: error, task_id: task.task_id }, 'schema.execute failed');
    }
    try {
      if (outcome) await deps.reports.submit({ taskId: task.task_id, attempt: task.attempt, ...outcome });
      msg.ack();
    } catch (error) {
      deps.logger.warn({ err: error, task_id: task.task_id }, 'schema.execute report failed; the message will be redelivered');
      msg.nak(1_000);
    }
  }

  const inFlight = new Set<Promise<void>>();
  const loop = (async () => {
    for await (const msg of messages) {
      const work = handle(msg).finally(() => inFlight.delete(work));
      inFlight.add(work);
    }
  })();

  return {
    async stop() {
      await messages.close();
      await loop;
      await Promise.all(inFlight);
    },
  };
}
