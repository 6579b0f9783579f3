import type pg from 'pg';
import type { Task } from '../domain/task';
import { taskColumnsOf, taskFromRow, type TaskRow } from './task-row';

type Queryable = Pick<pg.PoolClient, 'query'>;

export interface Reservation {
  task: Task;
  /** When to publish it: the task's due time. */
  dueMs: number;
}

/**
 * Claims pending tasks due in `(now, until]` ahead of time, so that at the due instant only a
 * publish remains (no database round trip on the critical path). Marked `processing` with
 * `dispatched = false` and a deadline `graceMs` after the due time: if this replica dies before
 * marking it dispatched, `claimStaleReservations` lets any replica publish the same attempt again
 * (JetStream drops it if the first publish did happen), so a handler's report for it still counts.
 */
export async function reserveUpcomingTasks(client: Queryable, now: Date, until: Date, limit: number, graceMs: number): Promise<Reservation[]> {
  const { rows } = await client.query<TaskRow & { reserved_due_at: Date }>(
    `with due as (
       select id, due_at from scheduler.tasks
       where status = 'pending' and due_at > $1 and due_at <= $2
       order by due_at limit $3
       for update skip locked
     )
     update scheduler.tasks t
     set status = 'processing', attempts = t.attempts + 1, dispatched = false, updated_at = clock_timestamp(),
         due_at = due.due_at + $4::float8 * interval '1 millisecond'
     from due where t.id = due.id
     returning ${taskColumnsOf('t')}, due.due_at as reserved_due_at`,
    [now, until, limit, graceMs],
  );
  return rows.map((row) => ({ task: taskFromRow(row), dueMs: row.reserved_due_at.getTime() }));
}

/** After the publish: the attempt is out, its report deadline starts now. */
export async function markReservationsDispatched(client: Queryable, tasks: Task[], reportTimeoutMs: number): Promise<Task[]> {
  if (tasks.length === 0) return [];
  const { rows } = await client.query<TaskRow>(
    `update scheduler.tasks t set dispatched = true, updated_at = clock_timestamp(),
       due_at = clock_timestamp() + $3::float8 * interval '1 millisecond'
     from unnest($1::bigint[], $2::int[]) as r(id, attempt)
     where t.id = r.id and t.attempts = r.attempt and t.status = 'processing' and not t.dispatched
     returning ${taskColumnsOf('t', { payload: false })}`,
    [tasks.map((t) => t.id), tasks.map((t) => t.attempts), reportTimeoutMs],
  );
  return rows.map(taskFromRow);
}

/** Hands unpublished reservations back (graceful shutdown). */
export async function releaseReservations(client: Queryable, tasks: Task[], graceMs: number): Promise<void> {
  if (tasks.length === 0) return;
  await client.query(
    `update scheduler.tasks t set status = 'pending', attempts = t.attempts - 1, dispatched = true, updated_at = clock_timestamp(),
       due_at = t.due_at - $3::float8 * interval '1 millisecond'
     from unnest($1::bigint[], $2::int[]) as r(id, attempt)
     where t.id = r.id and t.attempts = r.attempt and t.status = 'processing' and not t.dispatched`,
    [tasks.map((t) => t.id), tasks.map((t) => t.attempts), graceMs],
  );
}

/**
 * Reservations past their grace deadline and never marked dispatched (their replica died):
 * claimed for a re-publish of the same attempt, inside the caller's publish transaction.
 */
export async function claimStaleReservations(client: Queryable, now: Date, limit: number, reportTimeoutMs: number): Promise<Task[]> {
  const { rows } = await client.query<TaskRow>(
    `with stale as (
       select id from scheduler.tasks where status = 'processing' and not dispatched and due_at <= $1
       order by due_at limit $2 for update skip locked
     )
     update scheduler.tasks t set dispatched = true, updated_at = clock_timestamp(),
       due_at = clock_timestamp() + $3::float8 * interval '1 millisecond'
     from stale where t.id = stale.id
     returning ${taskColumnsOf('t')}`,
    [now, limit, reportTimeoutMs],
  );
  return rows.map(taskFromRow);
}
