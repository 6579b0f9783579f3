import { builtInTaskTypes } from '@conveyor/contracts';
import { ValidationError } from '@conveyor/errors';
import type pg from 'pg';
import { appendEvents, taskUpdated } from '../db/append-events';
import { insertTask } from '../db/insert-task';
import { taskColumns, taskFromRow, type TaskRow } from '../db/task-row';
import { withTransaction } from '@conveyor/service-runtime';
import { parseRfc3339 } from './rfc3339';
import type { Task } from './task';

export interface TimerService {
  set(input: { tenantId: string; executionId: string; stepId: string; fireAt: string }): Promise<Task>;
  cancel(input: { tenantId: string; executionId: string; stepId?: string }): Promise<number>;
}

const keyOf = (executionId: string, stepId: string) => `${executionId}/${stepId}`;

/**
 * Engine timers (`delay`, `wait.until`): rows of the task table with `source = 'timer'`, so they
 * get the same millisecond dispatch, crash safety and replica safety as tasks. One live timer
 * per (execution, step): setting it again moves it, so a retried request is harmless.
 */
export function createTimerService(deps: { pool: pg.Pool; prefix: string; onTaskScheduled: (dueMs: number) => void; onEventsWritten: () => void }): TimerService {
  async function setOnce(input: Parameters<TimerService['set']>[0], fireAt: Date): Promise<Task> {
    return withTransaction(deps.pool, async (client) => {
      const key = keyOf(input.executionId, input.stepId);
      const moved = await client.query<TaskRow>(
        `update scheduler.tasks set execute_at = $3, due_at = $3, updated_at = clock_timestamp(), status = 'pending',
           attempts = case when status = 'processing' then attempts - 1 else attempts end, dispatched = true
         where tenant_id = $1 and timer_key = $2 and (status = 'pending' or (status = 'processing' and not dispatched))
         returning ${taskColumns}`,
        [input.tenantId, key, fireAt],
      );
      if (moved.rows[0]) {
        // A replica may hold it reserved for the old time: it drops it, then learns the new one.
        await client.query('select pg_notify($1, $2)', ['scheduler_due', `c${moved.rows[0].id}`]);
        await client.query('select pg_notify($1, $2)', ['scheduler_due', String(fireAt.getTime())]);
        return taskFromRow(moved.rows[0]);
      }
      const task = await insertTask(client, {
        tenantId: input.tenantId,
        source: 'timer',
        taskType: builtInTaskTypes.engineTimer,
        payload: { execution_id: input.executionId, step_id: input.stepId },
        executeAt: fireAt,
        maxAttempts: 1,
        completeOnDispatch: true,
        timerKey: key,
      });
      await appendEvents(client, deps.prefix, [taskUpdated(task)]);
      return task;
    });
  }

  return {
    async set(input) {
      const fireAt = parseRfc3339(input.fireAt);
      if (!fireAt) throw new ValidationError('fire_at is not an RFC 3339 date-time');
      let task: Task;
      try {
        task = await setOnce(input, fireAt);
      } catch (error) {
        // Two identical requests raced past the update; the unique index kept one. Move it.
        if ((error as { code?: string }).code !== '23505') throw error;
        task = await setOnce(input, fireAt);
      }
      deps.onTaskScheduled(task.dueAt.getTime());
      deps.onEventsWritten();
      return task;
    },
    async cancel(input) {
      const prefix = input.stepId === undefined ? `${input.executionId}/` : keyOf(input.executionId, input.stepId);
      const exact = input.stepId !== undefined;
      return withTransaction(deps.pool, async (client) => {
        const { rows } = await client.query<TaskRow>(
          `update scheduler.tasks set status = 'cancelled', updated_at = clock_timestamp()
           where tenant_id = $1 and source = 'timer' and (status = 'pending' or (status = 'processing' and not dispatched))
             and (case when $3 then timer_key = $2 else left(timer_key, length($2)) = $2 end)
           returning ${taskColumns}`,
          [input.tenantId, prefix, exact],
        );
        await appendEvents(client, deps.prefix, rows.map((row) => taskUpdated(taskFromRow(row))));
        for (const row of rows) await client.query('select pg_notify($1, $2)', ['scheduler_due', `c${row.id}`]);
        return rows.length;
      });
    },
  };
}
