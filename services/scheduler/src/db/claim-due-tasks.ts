import type pg from 'pg';
import type { Task } from '../domain/task';
import { taskColumnsOf, taskFromRow, type TaskRow } from './task-row';

/**
 * Claims up to `limit` pending tasks due at `now` and marks them `processing` with a report
 * deadline. One statement: `for update skip locked` lets any number of replicas claim at once,
 * each getting different rows, none waiting on another (graphile-worker's getJobs shape).
 * Must run inside the transaction that also publishes the claimed tasks, so a crash before
 * commit leaves them pending (and the re-publish of the same attempt is dropped by JetStream).
 */
export async function claimDueTasks(client: Pick<pg.PoolClient, 'query'>, now: Date, limit: number, reportTimeoutMs: number): Promise<Task[]> {
  const { rows } = await client.query<TaskRow>(
    `with due as (
       select id from scheduler.tasks
       where status = 'pending' and due_at <= $1
       order by due_at
       limit $2
       for update skip locked
     )
     update scheduler.tasks t
     set status = 'processing', attempts = t.attempts + 1, dispatched = true, updated_at = clock_timestamp(),
         due_at = clock_timestamp() + $3::float8 * interval '1 millisecond'
     from due where t.id = due.id
     returning ${taskColumnsOf('t')}`,
    [now, limit, reportTimeoutMs],
  );
  return rows.map(taskFromRow);
}

/** Timers are finished once JetStream holds their message (the engine's consumer acks them). */
export async function completeDispatchedTimers(client: Pick<pg.PoolClient, 'query'>, ids: number[]): Promise<Task[]> {
  if (ids.length === 0) return [];
  const { rows } = await client.query<TaskRow>(
    `update scheduler.tasks t set status = 'completed', completed_at = clock_timestamp(), updated_at = clock_timestamp()
     where t.id = any($1::bigint[]) returning ${taskColumnsOf('t', { payload: false })}`,
    [ids],
  );
  return rows.map(taskFromRow);
}
