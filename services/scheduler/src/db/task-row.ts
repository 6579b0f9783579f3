import type { Task } from '../domain/task';

/** The column list every task query returns, in the order `taskFromRow` reads. */
export const taskColumns = `id, tenant_id, source, task_type, payload, execute_at, due_at, status, attempts, max_attempts,
  last_error, complete_on_dispatch, dispatched, trigger_id, timer_key, execution_id, created_at, updated_at, completed_at`;

/**
 * Same columns qualified by an alias, for `update … from … returning`. Without the payload
 * (`null` instead) where the caller only needs the state: decoding up to 64 KiB of jsonb per row
 * is the largest part of a 1,000-row report batch.
 */
export const taskColumnsOf = (alias: string, options: { payload?: boolean } = {}) =>
  taskColumns
    .split(',')
    .map((c) => c.trim())
    .map((c) => (c === 'payload' && options.payload === false ? 'null::jsonb as payload' : `${alias}.${c}`))
    .join(', ');

export interface TaskRow {
  id: string;
  tenant_id: string;
  source: Task['source'];
  task_type: string;
  payload: unknown;
  execute_at: Date;
  due_at: Date;
  status: Task['status'];
  attempts: number;
  max_attempts: number;
  last_error: string | null;
  complete_on_dispatch: boolean;
  dispatched: boolean;
  trigger_id: string | null;
  timer_key: string | null;
  execution_id: string | null;
  created_at: Date;
  updated_at: Date;
  completed_at: Date | null;
}

export function taskFromRow(row: TaskRow): Task {
  return {
    id: Number(row.id),
    tenantId: row.tenant_id,
    source: row.source,
    taskType: row.task_type,
    payload: row.payload,
    executeAt: row.execute_at,
    dueAt: row.due_at,
    status: row.status,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    lastError: row.last_error,
    completeOnDispatch: row.complete_on_dispatch,
    dispatched: row.dispatched,
    triggerId: row.trigger_id,
    timerKey: row.timer_key,
    executionId: row.execution_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    completedAt: row.completed_at,
  };
}
