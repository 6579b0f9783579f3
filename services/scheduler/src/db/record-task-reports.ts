import type pg from 'pg';
import type { Task } from '../domain/task';
import { retryDueAtSql, type RetryPolicy } from './retry-delay';
import { taskColumnsOf, taskFromRow, type TaskRow } from './task-row';

export interface TaskReport {
  taskId: number;
  attempt: number;
  outcome: 'completed' | 'failed' | 'in_progress';
  error?: string;
  /** `false` with `failed`: no retry, whatever `max_attempts` says. */
  retry?: boolean;
}

/**
 * Applies many handler reports in one statement. A report counts only for the current attempt
 * of a `processing` task, so a late or repeated report (a redelivered message, an attempt that
 * already timed out) changes nothing: a task is completed at most once.
 * Rows are locked in id order first, in a statement of their own: so two replicas applying
 * overlapping batches cannot deadlock, and a report that overtakes the commit of its own claim
 * (the dispatcher publishes before it commits) waits for that commit and then, in the next
 * statement's fresh snapshot, sees the claimed attempt instead of being refused.
 */
export async function recordTaskReports(
  client: Pick<pg.PoolClient, 'query'>,
  reports: TaskReport[],
  retry: RetryPolicy,
  reportTimeoutMs: number,
): Promise<Task[]> {
  if (reports.length === 0) return [];
  await client.query('select id from scheduler.tasks where id = any($1::bigint[]) order by id for update', [reports.map((r) => r.taskId)]);
  const { rows } = await client.query<TaskRow>(
    `with r as (
       select * from unnest($1::bigint[], $2::int[], $3::text[], $4::text[], $8::boolean[]) as r(id, attempt, outcome, error, retry)
     )
     update scheduler.tasks t set
       status = case
         when r.outcome = 'completed' then 'completed'
         when r.outcome = 'in_progress' then 'processing'
         when t.attempts >= t.max_attempts or not r.retry then 'failed'
         else 'pending' end,
       due_at = case
         when r.outcome = 'in_progress' then clock_timestamp() + $5::float8 * interval '1 millisecond'
         when r.outcome = 'failed' and r.retry and t.attempts < t.max_attempts then ${retryDueAtSql('t', '$6', '$7')}
         else t.due_at end,
       last_error = case when r.outcome = 'failed' then coalesce(r.error, 'the handler reported a failure') else t.last_error end,
       completed_at = case when r.outcome = 'completed' then clock_timestamp() else t.completed_at end,
       updated_at = clock_timestamp()
     from r
     where t.id = r.id and r.attempt = t.attempts and t.status = 'processing'
     returning ${taskColumnsOf('t', { payload: false })}`,
    [
      reports.map((r) => r.taskId),
      reports.map((r) => r.attempt),
      reports.map((r) => r.outcome),
      reports.map((r) => r.error ?? null),
      reportTimeoutMs,
      retry.baseMs,
      retry.maxMs,
      reports.map((r) => r.retry ?? true),
    ],
  );
  return rows.map(taskFromRow);
}
