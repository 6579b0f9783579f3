import { randomUUID } from 'node:crypto';
import { executionUpdatedEvent, logAppendedEvent, stepUpdatedEvent, type ExecutionTrigger, type StepReadyMessage } from '@conveyor/contracts';
import type { LogLevel } from '@conveyor/nodes';
import type pg from 'pg';
import type { ExecutionRow } from '../db/execution-rows';
import { type NewLog } from '../db/log-rows';
import { insertLogsAndOutbox } from '../db/insert-logs-and-outbox';
import { eventRow, type OutboxRow } from '../db/outbox-rows';
import type { StepRow } from '../db/step-rows';
import { withTransaction } from '@conveyor/service-runtime';
import type { EngineDeps } from './engine-deps';
import { toExecutionJson } from './execution-json';

/**
 * One transaction of the engine and what it produces besides row changes: logs, outbox rows
 * (events and step dispatches, written just before commit in one statement each) and the
 * signals to send once it has committed.
 */
export interface Transition {
  client: pg.PoolClient;
  deps: EngineDeps;
  outbox: OutboxRow[];
  logs: NewLog[];
  /** Ready steps to publish once committed. */
  dispatches: StepReadyMessage[];
  aborted: Set<string>;
  /** Executions that reached a final status, as committed (their end signal carries the row). */
  finished: Map<string, ExecutionRow>;
  timersToCancel: Map<string, string>;
  /** Runs once the transaction has committed (cache fills). */
  afterCommit: Array<() => void>;
}

/** What a transition writes besides row changes; the fast path builds these without a transaction. */
export type Effects = Pick<Transition, 'deps' | 'outbox' | 'logs' | 'dispatches'>;

/** Runs `work` as one transition: rows, logs and outbox commit together; signals go out after. */
export async function runTransition<T>(deps: EngineDeps, work: (t: Transition) => Promise<T>): Promise<T> {
  let transition: Transition | undefined;
  const result = await withTransaction(deps.pool, async (client) => {
    transition = { client, deps, outbox: [], logs: [], dispatches: [], aborted: new Set(), finished: new Map(), timersToCancel: new Map(), afterCommit: [] };
    const value = await work(transition);
    await insertLogsAndOutbox(client, transition.logs, transition.outbox);
    return value;
  });
  const t = transition!;
  for (const run of t.afterCommit) run();
  if (t.dispatches.length > 0) await deps.signals.dispatch(t.dispatches);
  if (t.outbox.length > 0) deps.signals.outboxWritten();
  if (t.aborted.size > 0) deps.signals.abort([...t.aborted]);
  if (t.finished.size > 0) deps.signals.finished([...t.finished.values()]);
  for (const [executionId, tenantId] of t.timersToCancel) {
    deps.timers.cancel({ tenantId, executionId }).catch((error: unknown) => deps.logger.warn({ err: error, execution_id: executionId }, 'timer cancel failed'));
  }
  return result;
}

export function emitExecution(t: Effects, execution: ExecutionRow): void {
  t.outbox.push(
    eventRow(t.deps.prefix, executionUpdatedEvent, execution.tenantId, { typename: 'Execution', id: execution.id }, {
      ...toExecutionJson(execution),
      trigger: execution.trigger as ExecutionTrigger,
      parent_execution_id: execution.parentExecutionId,
    }),
  );
}

export function emitStep(t: Effects, tenantId: string, step: Pick<StepRow, 'id' | 'executionId' | 'nodeId' | 'attempt' | 'status' | 'error'>): void {
  t.outbox.push(
    eventRow(t.deps.prefix, stepUpdatedEvent, tenantId, { typename: 'ExecutionStep', id: step.id }, {
      id: step.id,
      execution_id: step.executionId,
      node_id: step.nodeId,
      attempt: step.attempt,
      status: step.status,
      error: step.error,
    }),
  );
}

/** Appends a log row and its event. */
export function appendLog(
  t: Effects,
  tenantId: string,
  log: { executionId: string; stepId: string | null; nodeId: string | null; level: LogLevel; message: string; data?: Record<string, unknown> | null; time?: Date },
): void {
  const row: NewLog = { id: randomUUID(), executionId: log.executionId, stepId: log.stepId, nodeId: log.nodeId, level: log.level, message: log.message, data: log.data ?? null, time: log.time ?? new Date() };
  t.logs.push(row);
  t.outbox.push(
    eventRow(t.deps.prefix, logAppendedEvent, tenantId, { typename: 'ExecutionLog', id: row.id }, {
      id: row.id,
      execution_id: row.executionId,
      step_id: row.stepId,
      node_id: row.nodeId,
      level: row.level,
      message: row.message,
      time: row.time.toISOString(),
    }),
  );
}

/**
 * Queues a step's dispatch message, published right after commit (not through the outbox: the
 * relay's poll-and-batch cycle would sit on every hop of every execution). A dispatch lost to a
 * crash between commit and publish is re-sent by the sweeper (`sweepStuckSteps`), with the step
 * id as `Nats-Msg-Id`, so JetStream drops it when the first one did arrive. `again` marks a
 * re-dispatch (resume), which needs an id of its own.
 */
export function dispatchStep(t: Effects, step: Pick<StepRow, 'id' | 'executionId'>, notBefore: Date | null = null, again = false): void {
  t.dispatches.push({
    v: 1,
    id: again ? `${step.id}.${randomUUID().slice(0, 8)}` : step.id,
    step_id: step.id,
    execution_id: step.executionId,
    not_before: notBefore?.toISOString() ?? null,
  });
}
