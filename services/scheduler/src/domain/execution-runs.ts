import type { Logger } from '@conveyor/service-runtime';
import type pg from 'pg';
import { withTransaction } from '@conveyor/service-runtime';
import type { TaskReport } from '../db/record-task-reports';
import type { ReportBatcher } from './report-batcher';
import { statusIsSql } from '../db/status-sql';

const finalStatuses = new Set(['completed', 'failed', 'stopped']);

export const isFinalExecutionStatus = (status: string) => finalStatuses.has(status);

/** A finished execution as the outcome of the `schema.execute` attempt that started it; a failed execution is not retried. */
export function outcomeOfExecution(executionId: string, status: string, error: string | null): Omit<TaskReport, 'taskId' | 'attempt'> {
  if (status === 'completed') return { outcome: 'completed' };
  return { outcome: 'failed', retry: false, error: `execution ${executionId} ${status}${error ? `: ${error}` : ''}` };
}

export interface FinishedExecution {
  executionId: string;
  status: string;
  error: string | null;
}

export interface ExecutionRuns {
  /** The attempt started this execution: its task stays processing until the execution ends. */
  attach(taskId: number, attempt: number, executionId: string): Promise<void>;
  /** The engine announced final statuses: recorded together in one transaction. */
  finished(executions: FinishedExecution[]): Promise<void>;
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
           where id = $1 and attempts = $2 and ${statusIsSql('scheduler.tasks', 'processing')}`,
          [taskId, attempt, executionId, deps.runTimeoutMs],
        );
        const { rows } = await client.query<{ status: string; error: string | null }>('select status, error from scheduler.finished_executions where execution_id = $1', [executionId]);
        return rows[0];
      });
      if (finished) await deps.reports.submit({ taskId, attempt, ...outcomeOfExecution(executionId, finished.status, finished.error) });
    },
    async finished(executions) {
      if (executions.length === 0) return;
      // The engine finishes every execution, most of them not started by a task: one transaction
      // per batch of events, not per execution. The locks are taken in a fixed order, so two
      // replicas handling overlapping batches cannot deadlock (attach holds only one).
      const byId = new Map(executions.map((e) => [e.executionId, e]));
      const ids = [...byId.keys()];
      const runs = await withTransaction(deps.pool, async (client) => {
        await client.query(
          `select pg_advisory_xact_lock(key) from (select distinct hashtext('execution:' || id) as key from unnest($1::text[]) as id order by 1) as keys`,
          [ids],
        );
        await client.query(
          `insert into scheduler.finished_executions (execution_id, status, error)
           select * from unnest($1::text[], $2::text[], $3::text[]) on conflict do nothing`,
          [ids, ids.map((id) => byId.get(id)!.status), ids.map((id) => byId.get(id)!.error)],
        );
        const { rows } = await client.query<{ id: string; attempts: number; execution_id: string }>(
          `select id, attempts, execution_id from scheduler.tasks where execution_id = any($1::text[]) and status = 'processing'`,
          [ids],
        );
        return rows;
      });
      await Promise.all(
        runs.map((run) => {
          const finished = byId.get(run.execution_id)!;
          return deps.reports.submit({ taskId: Number(run.id), attempt: run.attempts, ...outcomeOfExecution(finished.executionId, finished.status, finished.error) });
        }),
      );
    },
    async prune() {
      await deps.pool.query(`delete from scheduler.finished_executions where finished_at < now() - interval '1 hour'`);
    },
  };
}
