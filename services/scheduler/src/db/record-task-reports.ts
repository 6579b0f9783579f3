import type { TaskStatus } from '@conveyor/contracts';
import type pg from 'pg';
import { namedStatement, withValues } from './named-statement';
import { retryDueAtSql, type RetryPolicy } from './retry-delay';
import { reportEventsInsertSql, taskEventColumns, taskEventParams } from './task-events-sql';
import { statusIsSql } from './status-sql';

type Queryable = Pick<pg.PoolClient, 'query'>;

export interface TaskReport {
  taskId: number;
  attempt: number;
  outcome: 'completed' | 'failed' | 'in_progress';
  error?: string;
  /** `false` with `failed`: no retry, whatever `max_attempts` says. */
  retry?: boolean;
}

/** A task a report was applied to, in its new state. */
export interface ReportedTask {
  id: number;
  status: TaskStatus;
  /** For `pending` (a retry): when the next attempt is due. */
  dueAtMs: number;
}

export interface RecordedReports {
  applied: ReportedTask[];
  /** Current status of the tasks whose report was refused (null: no such task). */
  refused: Map<number, TaskStatus | null>;
}

/**
 * Applies many handler reports, writing their `scheduler.task.updated` events in the same
 * statement. A report counts only for the current attempt of a `processing` task, so a late or
 * repeated report (a redelivered message, an attempt that already timed out) changes nothing: a
 * task is completed at most once.
 *
 * A report may overtake the commit of its own claim (the dispatcher publishes before it commits):
 * the first statement's snapshot still shows the task pending and skips it without waiting. Only
 * such refused reports pay for a second round: their rows are locked in id order (waiting for the
 * claim to commit, and so that two replicas cannot deadlock on them) and the update runs again
 * for them in a fresh snapshot. In a drain almost every report finds its claim committed, so the
 * common case is one statement instead of the lock-then-update pair of before (a `for update`
 * of 1,000 rows writes 1,000 tuple locks to the WAL).
 */
export async function recordTaskReports(client: Queryable, prefix: string, reports: TaskReport[], retry: RetryPolicy, reportTimeoutMs: number): Promise<RecordedReports> {
  if (reports.length === 0) return { applied: [], refused: new Map() };
  // Sorted by id: concurrent batches of two replicas then lock shared rows in the same order.
  const sorted = [...reports].sort((a, b) => a.taskId - b.taskId);
  const applied = await applyReports(client, prefix, sorted, retry, reportTimeoutMs);
  const done = new Set(applied.map((t) => t.id));
  const missing = sorted.filter((r) => !done.has(r.taskId));
  const refused = new Map<number, TaskStatus | null>();
  if (missing.length === 0) return { applied, refused };
  const { rows } = await client.query<{ id: string; status: TaskStatus }>(
    'select id, status from scheduler.tasks where id = any($1::bigint[]) order by id for update',
    [missing.map((r) => r.taskId)],
  );
  const live = new Set(rows.filter((row) => row.status === 'processing').map((row) => Number(row.id)));
  const retried = await applyReports(client, prefix, missing.filter((r) => live.has(r.taskId)), retry, reportTimeoutMs);
  applied.push(...retried);
  const late = new Set(retried.map((t) => t.id));
  const statuses = new Map(rows.map((row) => [Number(row.id), row.status]));
  // The rows are locked by this transaction now: the statuses read are still current.
  for (const report of missing) if (!late.has(report.taskId)) refused.set(report.taskId, statuses.get(report.taskId) ?? null);
  return { applied, refused };
}

/**
 * A PostgreSQL array literal of elements that need no quoting (integers, the outcome names,
 * `t`/`f`, `NULL`). node-pg builds array parameters element by element, escaping each one: for
 * the five arrays of a 1,000-report batch that was about 4 % of the scheduler's CPU in
 * bench:scheduler's drain.
 */
function arrayLiteral<T>(items: T[], element: (item: T) => string): string {
  return `{${items.map(element).join(',')}}`;
}

function integerElement(value: number): string {
  if (!Number.isSafeInteger(value)) throw new Error(`not an integer: ${value}`);
  return String(value);
}

const applyStatement = namedStatement(
  'apply_reports',
  `with r as (
     select * from unnest($1::bigint[], $2::int[], $3::text[], $4::text[], $8::boolean[]) as r(id, attempt, outcome, error, retry)
   ), u as (
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
       -- A reservation whose marking this report overtook stays unmarked (see reportEventsInsertSql),
       -- unless the task goes on processing: then the report's deadline replaces the marking's.
       dispatched = t.dispatched or r.outcome = 'in_progress',
       updated_at = clock_timestamp()
     from r
     where t.id = r.id and r.attempt = t.attempts and ${statusIsSql('t', 'processing')}
     returning ${taskEventColumns('t')}, t.due_at
   ), e as (${reportEventsInsertSql('u', '$9')})
   select id, status, extract(epoch from due_at)::float8 * 1000 as due_at_ms from u`,
);

async function applyReports(client: Queryable, prefix: string, reports: TaskReport[], retry: RetryPolicy, reportTimeoutMs: number): Promise<ReportedTask[]> {
  if (reports.length === 0) return [];
  const { rows } = await client.query<{ id: string; status: TaskStatus; due_at_ms: number }>(
    withValues(applyStatement, [
      arrayLiteral(reports, (r) => integerElement(r.taskId)),
      arrayLiteral(reports, (r) => integerElement(r.attempt)),
      arrayLiteral(reports, (r) => r.outcome),
      // Error texts are the handler's: node-pg escapes them (only when there is one).
      reports.some((r) => r.error !== undefined) ? reports.map((r) => r.error ?? null) : arrayLiteral(reports, () => 'NULL'),
      reportTimeoutMs,
      retry.baseMs,
      retry.maxMs,
      arrayLiteral(reports, (r) => (r.retry === false ? 'f' : 't')),
      ...taskEventParams(prefix),
    ]),
  );
  return rows.map((row) => ({ id: Number(row.id), status: row.status, dueAtMs: Math.round(row.due_at_ms) }));
}
