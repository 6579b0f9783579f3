import type pg from 'pg';
import type { DispatchTask } from '../domain/task';
import { dispatchColumnsOf, dispatchTaskFromRow, type DispatchTaskRow } from './dispatch-task-row';
import { namedStatement, withValues, type NamedStatement } from './named-statement';
import { taskEventColumns, taskEventParams, taskEventsInsertSql } from './task-events-sql';

type Queryable = Pick<pg.PoolClient, 'query'>;

/**
 * Claims up to `limit` pending tasks due at `now`, marks them `processing` with a report
 * deadline and writes their `scheduler.task.updated` events: one statement. `for update skip
 * locked` lets any number of replicas claim at once, each getting different rows, none waiting
 * on another (graphile-worker's getJobs shape). Must run inside the transaction that also
 * publishes the claimed tasks, so a crash before commit leaves them pending (and the re-publish
 * of the same attempt is dropped by JetStream) and their events unwritten.
 * Timers get their one event (`completed`) from `completeDispatchedTimers` instead.
 */
export function claimDueTasks(client: Queryable, prefix: string, now: Date, limit: number, reportTimeoutMs: number): Promise<DispatchTask[]> {
  return claimForDispatch(client, prefix, claimDue, [now, limit, reportTimeoutMs]);
}

/**
 * The claim statement: locks up to `$2` rows matching `where` (oldest due first, skipping rows
 * other replicas hold), applies `set` (may be empty), marks them dispatched with a report deadline `$3` ms from
 * now, and writes their events (not for timers, see `completeDispatchedTimers`).
 */
export function claimStatement(name: string, where: string, set: string): NamedStatement {
  return namedStatement(
    name,
    `with picked as (
       select id from scheduler.tasks
       where ${where}
       order by due_at
       limit $2
       for update skip locked
     ), u as (
       update scheduler.tasks t
       set ${set ? `${set}, ` : ''}dispatched = true, updated_at = clock_timestamp(),
           due_at = clock_timestamp() + $3::float8 * interval '1 millisecond'
       from picked where t.id = picked.id
       returning ${taskEventColumns('t')}, t.source, t.payload, t.due_at
     ), e as (${taskEventsInsertSql('u', '$4', 'not u.complete_on_dispatch')})
     select ${dispatchColumnsOf('u')} from u`,
  );
}

const claimDue = claimStatement('claim_due', `status = 'pending' and due_at <= $1`, `status = 'processing', attempts = t.attempts + 1`);

/** Runs a claim statement (`claimStatement`) for `now`, at most `limit` tasks. */
export async function claimForDispatch(
  client: Queryable,
  prefix: string,
  statement: NamedStatement,
  [now, limit, reportTimeoutMs]: [Date, number, number],
): Promise<DispatchTask[]> {
  const { rows } = await client.query<DispatchTaskRow>(withValues(statement, [now, limit, reportTimeoutMs, ...taskEventParams(prefix)]));
  return rows.map(dispatchTaskFromRow);
}

/** Timers are finished once JetStream holds their message (the engine's consumer acks them). */
export async function completeDispatchedTimers(client: Queryable, prefix: string, tasks: DispatchTask[]): Promise<void> {
  const ids = tasks.filter((t) => t.completeOnDispatch).map((t) => t.id);
  if (ids.length === 0) return;
  await client.query(
    `with u as (
       update scheduler.tasks t set status = 'completed', completed_at = clock_timestamp(), updated_at = clock_timestamp()
       where t.id = any($1::bigint[]) returning ${taskEventColumns('t')}
     ) ${taskEventsInsertSql('u', '$2')}`,
    [ids, ...taskEventParams(prefix)],
  );
}
