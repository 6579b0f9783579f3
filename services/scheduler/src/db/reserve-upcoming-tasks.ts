import type pg from 'pg';
import type { DispatchTask } from '../domain/task';
import { claimForDispatch, claimStatement } from './claim-due-tasks';
import { dispatchColumnsOf, dispatchTaskFromRow, type DispatchTaskRow } from './dispatch-task-row';
import { namedStatement, withValues } from './named-statement';
import { taskEventColumns, taskEventParams, taskEventsInsertSql } from './task-events-sql';
import { statusIsSql } from './status-sql';

type Queryable = Pick<pg.PoolClient, 'query'>;

export interface Reservation {
  task: DispatchTask;
  /** When to publish it: the task's due time. */
  dueMs: number;
}

const reserve = namedStatement(
  'reserve',
  `with due as (
     select id, due_at from scheduler.tasks
     where status = 'pending' and due_at > $1 and due_at <= $2
     order by due_at limit $3
     for update skip locked
   ), u as (
     update scheduler.tasks t
     set status = 'processing', attempts = t.attempts + 1, dispatched = false, updated_at = clock_timestamp(),
         due_at = due.due_at + $4::float8 * interval '1 millisecond'
     from due where t.id = due.id
     returning t.*, due.due_at as reserved_due_at
   )
   select ${dispatchColumnsOf('u')}, extract(epoch from u.reserved_due_at)::float8 * 1000 as reserved_due_at_ms from u`,
);

/**
 * Claims pending tasks due in `(now, until]` ahead of time, so that at the due instant only a
 * publish remains (no database round trip on the critical path). Marked `processing` with
 * `dispatched = false` and a deadline `graceMs` after the due time: if this replica dies before
 * marking it dispatched, `claimStaleReservations` lets any replica publish the same attempt again
 * (JetStream drops it if the first publish did happen), so a handler's report for it still counts.
 */
export async function reserveUpcomingTasks(client: Queryable, now: Date, until: Date, limit: number, graceMs: number): Promise<Reservation[]> {
  const { rows } = await client.query<DispatchTaskRow & { reserved_due_at_ms: number }>(withValues(reserve, [now, until, limit, graceMs]));
  return rows.map((row) => ({ task: dispatchTaskFromRow(row), dueMs: Math.round(row.reserved_due_at_ms) }));
}

/**
 * Ids in ascending order, the order in which a by-id update locks its rows (a nested loop over
 * the array). Report batches lock in that order too (`recordTaskReports`). A marking in
 * reservation order (by due time) could hold a later id while a report batch waits on it,
 * holding an earlier one the marking waits on: a deadlock, which PostgreSQL breaks only after
 * `deadlock_timeout` by failing one of them.
 */
function byId(tasks: DispatchTask[]): DispatchTask[] {
  return [...tasks].sort((a, b) => a.id - b.id);
}

const mark = namedStatement(
  'mark_dispatched',
  `with u as (
     update scheduler.tasks t set dispatched = true, updated_at = clock_timestamp(),
       due_at = clock_timestamp() + $3::float8 * interval '1 millisecond'
     from unnest($1::bigint[], $2::int[]) as r(id, attempt)
     where t.id = r.id and t.attempts = r.attempt and ${statusIsSql('t', 'processing')} and not t.dispatched
     returning ${taskEventColumns('t')}
   ), e as (${taskEventsInsertSql('u', '$4', 'not u.complete_on_dispatch')})
   select id from u`,
);

/**
 * After the publish: the attempt is out, its report deadline starts now; writes the events
 * (timers excepted: `completeDispatchedTimers` writes theirs). Returns the tasks still held
 * (not cancelled meanwhile). Rows are updated in id order (see `byId`).
 */
export async function markReservationsDispatched(client: Queryable, prefix: string, tasks: DispatchTask[], reportTimeoutMs: number): Promise<DispatchTask[]> {
  if (tasks.length === 0) return [];
  const ordered = byId(tasks);
  const { rows } = await client.query<{ id: string }>(
    withValues(mark, [ordered.map((t) => t.id), ordered.map((t) => t.attempts), reportTimeoutMs, ...taskEventParams(prefix)]),
  );
  const marked = new Set(rows.map((row) => Number(row.id)));
  return tasks.filter((t) => marked.has(t.id));
}

/** Hands unpublished reservations back (graceful shutdown), in id order (see `byId`). */
export async function releaseReservations(client: Queryable, tasks: DispatchTask[], graceMs: number): Promise<void> {
  if (tasks.length === 0) return;
  const ordered = byId(tasks);
  await client.query(
    `update scheduler.tasks t set status = 'pending', attempts = t.attempts - 1, dispatched = true, updated_at = clock_timestamp(),
       due_at = t.due_at - $3::float8 * interval '1 millisecond'
     from unnest($1::bigint[], $2::int[]) as r(id, attempt)
     where t.id = r.id and t.attempts = r.attempt and ${statusIsSql('t', 'processing')} and not t.dispatched`,
    [ordered.map((t) => t.id), ordered.map((t) => t.attempts), graceMs],
  );
}

const claimStale = claimStatement('claim_stale', `status = 'processing' and not dispatched and due_at <= $1`, '');

/**
 * Reservations past their grace deadline and never marked dispatched (their replica died):
 * claimed for a re-publish of the same attempt, inside the caller's publish transaction.
 */
export function claimStaleReservations(client: Queryable, prefix: string, now: Date, limit: number, reportTimeoutMs: number): Promise<DispatchTask[]> {
  return claimForDispatch(client, prefix, claimStale, [now, limit, reportTimeoutMs]);
}
