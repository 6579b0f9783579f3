import { subjectOfEvent, taskUpdatedEvent } from '@conveyor/contracts';

/**
 * `scheduler.task.updated` events written by the statement that changes the tasks, as a
 * data-modifying CTE: `with u as (update … returning …) insert into outbox select … from u`.
 *
 * Why in SQL: building the envelopes in Node and passing them as a `jsonb[]` parameter cost
 * 57–80 ms per 1,000 events on the 2-core bench machine (zod, JSON.stringify, node-pg escaping
 * every character of every array element, PostgreSQL parsing the array literal), more than the
 * claim statement itself (27–52 ms per 1,000). Built by `jsonb_build_object` from the returned
 * rows, claim and events together take 33–50 ms per 1,000, with no extra round trip. (Since
 * 2026-11-30 the envelope is JSON text, see `taskEventsInsertSql`.)
 *
 * The envelope and data are exactly what `taskUpdated` + `appendEvents` build: same fields, `formatTimestamp`'s
 * RFC 3339 (milliseconds only when not zero), a reserved task presented as `pending` with its
 * previous attempts. `test/task-events.test.ts` checks the two against each other and the contract.
 */

/** `YYYY-MM-DDTHH:MM:SS.mmmZ` of a timestamptz: `occurred_at`'s form (always with milliseconds). */
const millisecondsSql = (expr: string) => `to_char((${expr}) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * The columns an update must return for `taskEventsInsertSql` (qualified by the updated table's
 * alias): the task's, and its `updated_at` rendered once, which is both the event's `occurred_at`
 * and (without `.000`) its `data.updated_at`.
 */
export const taskEventColumns = (alias: string) =>
  ['id', 'tenant_id', 'task_type', 'status', 'dispatched', 'attempts', 'max_attempts', 'execute_at', 'updated_at', 'completed_at', 'last_error', 'complete_on_dispatch']
    .map((c) => `${alias}.${c}`)
    .concat(`${millisecondsSql(`${alias}.updated_at`)} as updated_at_text`)
    .join(', ');

/**
 * SQL for `formatTimestamp` of a timestamptz with millisecond precision: one `to_char` with the
 * milliseconds, dropped when they are `.000` (the only place that text can occur). It was three
 * `to_char` calls per timestamp; with three timestamps per event that was about a fifth of the
 * cost of building 1,000 events (probe: 10.0 → 9.2 ms per 1,000 inserted events).
 */
export function rfc3339Sql(expr: string): string {
  return withoutZeroMillisecondsSql(millisecondsSql(expr));
}

const withoutZeroMillisecondsSql = (text: string) => `replace(${text}, '.000Z', 'Z')`;

/**
 * An `insert into scheduler.outbox … select … from <alias>` writing one `scheduler.task.updated`
 * per row of `alias` (a CTE returning `taskEventColumns`).
 * `subjectParam` is the caller's parameter position for `taskEventParams`.
 *
 * - `occurred_at` is the task's `updated_at`: the event is the update, so it is never announced
 *   before the change it reports.
 * - Event ids are UUIDs (version 4 layout) made of one random UUID per statement whose last group
 *   is the task's id in hex: unique, since one statement writes one event per task (a report
 *   statement that writes two takes a second random part for the first, see
 *   `reportEventsInsertSql`), at a seventh of the cost of a `gen_random_uuid()` per event (0.14
 *   against 0.93 µs here). They serve as JetStream's `Nats-Msg-Id`, which only needs them unique.
 * - The envelope is JSON text, stored as written (the outbox's payload is `json`, migration
 *   0005), opening with `{"v":1,"id":"…"` as the relay expects. Strings go through `to_json(text)`
 *   (JSON escaping); ids, counts, uuids and the fixed-format times need none. Text costs
 *   PostgreSQL less than nested `jsonb_build_object` calls (each builds a jsonb value that the
 *   enclosing call takes apart again): probe 9.3 → 7.5 ms per 1,000 inserted events as one cast
 *   to jsonb; as `json`, which only checks the text, 2.6 µs less per event than that cast.
 * - One outbox row per event. A batch row per statement (`{"batch": [...]}`, which the relay
 *   splits) made the statements and the relay's PostgreSQL work cheaper in isolation (probe-
 *   statements: relay 14.4 → 5.8 ms per 1,000 tasks) but the drain slower: the relay then
 *   published thousands of events per cycle in one burst, and bench:scheduler's cold drain fell
 *   from 15,823–16,835 to 10,593–12,821 tasks/s (scheduler and NATS CPU per task up by a third).
 */
export function taskEventsInsertSql(alias: string, subjectParam: string, where = 'true'): string {
  const reserved = `(${alias}.status = 'processing' and not ${alias}.dispatched)`;
  return `insert into scheduler.outbox (subject, payload)
     select ${subjectParam}::text, (${envelopeSql(alias, subjectParam, {
       idPrefix: '(select left(gen_random_uuid()::text, 24))',
       status: `case when ${reserved} then 'pending' else ${alias}.status end`,
       attempts: `case when ${reserved} then ${alias}.attempts - 1 else ${alias}.attempts end`,
       completedAt: `${alias}.completed_at`,
       lastError: `${alias}.last_error`,
     })})::json from ${alias} where ${where}`;
}

/**
 * The events of a report statement (`recordTaskReports`), in task id order: one per reported
 * task, two for a task whose reservation's marking the report overtook.
 * A report can reach the scheduler before the marking of its reservation commits: the task's
 * message went out at its due instant, and a fast handler answers before the marking's
 * transaction ends. The marking then finds the task finished and writes nothing, so the report
 * also writes the `processing` event the marking would have written, just before its own. The
 * report statement leaves `dispatched` false for such a task (`in_progress` excepted, whose own
 * event is that `processing`), which is how this insert tells them apart. The `processing` event
 * carries the task's `last_error` as it was before the report (the statement's snapshot).
 */
export function reportEventsInsertSql(alias: string, subjectParam: string): string {
  const first = 'k.n = 1';
  return `insert into scheduler.outbox (subject, payload)
     select ${subjectParam}::text, (${envelopeSql(alias, subjectParam, {
       // Two events of one task in one statement: each kind gets its own random part.
       idPrefix: `case when ${first} then (select left(gen_random_uuid()::text, 24)) else (select left(gen_random_uuid()::text, 24)) end`,
       status: `case when ${first} then 'processing' else ${alias}.status end`,
       attempts: `${alias}.attempts`,
       completedAt: `case when ${first} then null else ${alias}.completed_at end`,
       lastError: `case when ${first} then (select o.last_error from scheduler.tasks o where o.id = ${alias}.id) else ${alias}.last_error end`,
     })})::json
     from ${alias} cross join lateral (values (1), (2)) as k(n)
     where k.n = 2 or not ${alias}.dispatched
     order by ${alias}.id, k.n`;
}

/** The envelope's JSON text for a row of `alias`, with the given SQL for the varying fields. */
function envelopeSql(
  alias: string,
  subjectParam: string,
  fields: { idPrefix: string; status: string; attempts: string; completedAt: string; lastError: string },
): string {
  const json = (expr: string) => `coalesce(to_json(${expr})::text, 'null')`;
  return `'{"v":1,"id":"' || ${fields.idPrefix} || right(lpad(to_hex(${alias}.id), 12, '0'), 12) ||
       '","type":' || ${json(`${subjectParam}::text`)} ||
       ',"occurred_at":"' || ${alias}.updated_at_text ||
       '","tenant_id":' || ${json(`${alias}.tenant_id`)} ||
       ',"entity":{"typename":"Task","id":"' || ${alias}.id || '"}' ||
       ',"data":{"id":' || ${alias}.id ||
       ',"task_type":' || ${json(`${alias}.task_type`)} ||
       ',"status":' || ${json(fields.status)} ||
       ',"attempts":' || ${fields.attempts} ||
       ',"max_attempts":' || ${alias}.max_attempts ||
       ',"execute_at":"' || ${rfc3339Sql(`${alias}.execute_at`)} ||
       '","updated_at":"' || ${withoutZeroMillisecondsSql(`${alias}.updated_at_text`)} ||
       '","completed_at":' || coalesce('"' || ${rfc3339Sql(fields.completedAt)} || '"', 'null') ||
       ',"last_error":' || ${json(fields.lastError)} || '}}'`;
}

/** The parameter of `taskEventsInsertSql`: the events' subject. */
export function taskEventParams(prefix: string): [string] {
  return [subjectOfEvent(prefix, taskUpdatedEvent)];
}
