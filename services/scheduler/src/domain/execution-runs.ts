import type { Logger } from '@conveyor/service-runtime';
import type pg from 'pg';
import { withTransaction } from '@conveyor/service-runtime';
import type { TaskReport } from '../db/record-task-reports';
import type { ReportBatcher } from './report-batcher';

const finalStatuses = new Set(['completed', 'failed', 'stopped']);

export const isFinalExecutionStatus = (status: string) => finalStatuses.has(status);

/** A finished execution as the outcome of the `schema.execute` attempt that started it; a failed execution is not retried. */
export function outcomeOfExecution(executionId: string, status: string, error: string | null): Omit<TaskReport, 'taskId' | 'attempt'> {
  if (status === 'completed') return { outcome: 'completed' };
  return { outcome: 'failed', retry: false, error: `execution ${executionId} ${status}${error ? `: ${error}` : ''}` };
}

export interface ExecutionRuns {
  /** The attempt started this execution: its task stays processing until the execution ends. */
  attach(taskId: number, attempt: number, executionId: string): Promise<void>;
  /** The engine announced a final status. */
  finished(executionId: string, status: string, error: string | null): Promise<void>;
  /** Forgets finished executions older than an hour. */
  prune(): Promise<void>;
}

/**
 * A `schema.execute` run lasts as long as its execution, so "skip while the previous run still
 * runs" means the execution, not just the request that started it. Both sides take the same
 * advisory lock on the execution id: whichever commits second sees the other's row, so an
 * execution that finishes before its id is recorded is still matched with its task.
 */
export function createExecutionRuns(deps: { pool: pg.Pool; logger: Logger; reports: ReportBatcher; runTimeoutMs: number }): ExecutionRuns {
  const lock = (client: pg.PoolClient, executionId: string) => client.query('select pg_advisory_xact_lock(hashtext($1))', [`execution:${executionId}`]);
  return {
    async attach(taskId, attempt, executionId) {
      const finished = await withTransaction(deps.pool, async (client) => {
        await lock(client, executionId);
        await client.query(
          `update scheduler.tasks set execution_id = $3, due_at = clock_timestamp() + $4::float8 * interval '1 millisecond', updated_at = clock_timestamp()
           where id = $1 and attempts = $2 and status = 'processing'`,
          [taskId, attempt, executionId, deps.runTimeoutMs],
        );
        const { rows } = await client.query<{ status: string; error: string | null }>('select status, error from scheduler.finished_executions where execution_id = $1', [executionId]);
        return rows[0];
      });
      if (finished) await deps.reports.submit({ taskId, attempt, ...outcomeOfExecution(executionId, finished.status, finished.error) });
    },
    async finished(executionId, status, error) {
      const runs = await withTransaction(deps.pool, async (client) => {
        await lock(client, executionId);
        await client.query('insert into scheduler.finished_executions (execution_id, status, error) values ($1, $2, $3) on conflict do nothing', [executionId, status, error]);
        const { rows } = await client.query<{ id: string; attempts: number }>(
          `select id, attempts from scheduler.tasks where execution_id = $1 and status = 'processing'`,
          [executionId],
        );
        return rows;
      });
      for (const run of runs) await deps.reports.submit({ taskId: Number(run.id), attempt: run.attempts, ...outcomeOfExecution(executionId, status, error) });
    },
    async prune() {
      await deps.pool.query(`delete from scheduler.finished_executions where finished_at < now() - interval '1 hour'`);
    },
  };
}
