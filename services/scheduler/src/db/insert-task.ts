import type pg from 'pg';
import type { Task } from '../domain/task';
import { taskColumns, taskFromRow, type TaskRow } from './task-row';

/**
 * The channel the dispatchers LISTEN on. Payloads: a task's new due time in epoch milliseconds,
 * `t<ms>` a trigger's next run, `c<id>` a cancelled task.
 */
export const dueChannel = 'scheduler_due';

/** Tells every dispatcher of a trigger's next run (delivered on commit). */
export async function notifyTriggerDue(client: Pick<pg.PoolClient, 'query'>, nextRun: Date): Promise<void> {
  await client.query('select pg_notify($1, $2)', [dueChannel, `t${nextRun.getTime()}`]);
}

export interface TaskInsert {
  tenantId: string;
  source: Task['source'];
  taskType: string;
  payload: unknown;
  executeAt: Date;
  maxAttempts: number;
  completeOnDispatch?: boolean;
  triggerId?: string | null;
  timerKey?: string | null;
}

/**
 * Inserts a task and notifies every dispatcher of its due time. NOTIFY is transactional: the
 * wake-up is delivered on commit, never for a task that was rolled back.
 */
export async function insertTask(client: Pick<pg.PoolClient, 'query'>, task: TaskInsert): Promise<Task> {
  const { rows } = await client.query<TaskRow>(
    `insert into scheduler.tasks (tenant_id, source, task_type, payload, execute_at, due_at, max_attempts, complete_on_dispatch, trigger_id, timer_key)
     values ($1, $2, $3, $4::jsonb, $5, $5, $6, $7, $8, $9)
     returning ${taskColumns}`,
    [
      task.tenantId,
      task.source,
      task.taskType,
      JSON.stringify(task.payload),
      task.executeAt,
      task.maxAttempts,
      task.completeOnDispatch ?? false,
      task.triggerId ?? null,
      task.timerKey ?? null,
    ],
  );
  const inserted = taskFromRow(rows[0]!);
  await client.query('select pg_notify($1, $2)', [dueChannel, String(inserted.dueAt.getTime())]);
  return inserted;
}
