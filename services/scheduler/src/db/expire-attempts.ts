import type pg from 'pg';
import type { Task } from '../domain/task';
import { namedStatement, withValues } from './named-statement';
import { retryDueAtSql, type RetryPolicy } from './retry-delay';
import { taskColumnsOf, taskFromRow, type TaskRow } from './task-row';

const expire = namedStatement(
  'expire_attempts',
  `with expired as (
     select id from scheduler.tasks where status = 'processing' and dispatched and due_at <= $1
     order by due_at limit $2 for update skip locked
   )
   update scheduler.tasks t set
     status = case when t.attempts >= t.max_attempts then 'failed' else 'pending' end,
     last_error = 'no report from a handler before the deadline (attempt ' || t.attempts || ')',
     due_at = case when t.attempts >= t.max_attempts then t.due_at else ${retryDueAtSql('t', '$3', '$4')} end,
     updated_at = clock_timestamp()
   from expired where t.id = expired.id
   returning ${taskColumnsOf('t', { payload: false })}`,
);

/**
 * Attempts whose report deadline passed (the handler crashed, never ran, or lost its report)
 * count as failed: retried with backoff, or failed for good at `max_attempts`. Reservations that
 * were never marked dispatched are not attempts that failed: `claimStaleReservations` re-publishes them.
 */
export async function expireAttempts(client: Pick<pg.PoolClient, 'query'>, now: Date, limit: number, retry: RetryPolicy): Promise<Task[]> {
  const { rows } = await client.query<TaskRow>(withValues(expire, [now, limit, retry.baseMs, retry.maxMs]));
  return rows.map(taskFromRow);
}
