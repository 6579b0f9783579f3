import { streamName, subjectOfEvent, taskUpdatedEvent } from '@conveyor/contracts';
import type { NatsConnection } from 'nats';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';

export interface TaskEventFigures {
  tasks: number;
  events: number;
  /** Tasks whose events are not one `processing` then one `completed` (after `pending` if created through the API). */
  tasks_not_processing_then_completed: number;
  /** JetStream's stored-at time minus the event's `occurred_at` (the change it reports), in ms. */
  stored_after_change_p50_ms: number;
  stored_after_change_p99_ms: number;
  stored_after_change_max_ms: number;
}

/** The nearest-rank percentile of ascending `sorted` (0 when empty): the bench's one definition. */
export const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;

/** The figures as the bench prints them, under a run's other lines. */
export function describeTaskEvents(events: TaskEventFigures): string {
  return (
    `    task events: ${events.events} for ${events.tasks} tasks, ${events.tasks_not_processing_then_completed} tasks not shown processing then completed; ` +
    `stored in JetStream p50 ${events.stored_after_change_p50_ms} ms, p99 ${events.stored_after_change_p99_ms} ms, max ${events.stored_after_change_max_ms} ms after the change`
  );
}

/**
 * The `scheduler.task.updated` events of one task type's drain, read from the EVENTS stream once
 * the scheduler's outbox is empty (after the drain, so reading them costs the measured drain
 * nothing). Live status consumes these events: the figures say whether each task showed each
 * status once and in order, and how long after a change its event was stored during a burst.
 */
export async function readTaskEvents(nc: NatsConnection, sql: pg.Pool, prefix: string, taskType: string): Promise<TaskEventFigures> {
  for (let waited = 0; (await sql.query<{ n: number }>('select count(*)::int as n from scheduler.outbox')).rows[0]!.n > 0; waited += 50) {
    if (waited > 60_000) throw new Error('the scheduler outbox did not empty within a minute');
    await sleep(50);
  }
  const ids = new Set((await sql.query<{ id: string }>('select id from scheduler.tasks where task_type = $1', [taskType])).rows.map((row) => row.id));
  const statuses = new Map<string, string[]>();
  const lags: number[] = [];
  const consumer = await nc.jetstream().consumers.get(streamName(prefix, 'EVENTS'), {
    // One subject as a string: a list is sent as `filter_subjects`, which NATS before 2.10 ignores.
    filterSubjects: subjectOfEvent(prefix, taskUpdatedEvent),
  });
  const messages = await consumer.consume({ max_messages: 5_000 });
  let idle: ReturnType<typeof setTimeout> | undefined;
  const stopWhenIdle = () => {
    clearTimeout(idle);
    idle = setTimeout(() => messages.stop(), 1_000);
  };
  stopWhenIdle();
  for await (const msg of messages) {
    stopWhenIdle();
    const event = msg.json<{ occurred_at: string; entity: { id: string }; data: { status: string } }>();
    if (ids.has(event.entity.id)) {
      const shown = statuses.get(event.entity.id) ?? [];
      shown.push(event.data.status);
      statuses.set(event.entity.id, shown);
      lags.push(msg.info.timestampNanos / 1e6 - Date.parse(event.occurred_at));
    }
    if (msg.info.pending === 0) break;
  }
  clearTimeout(idle);
  messages.stop();
  lags.sort((a, b) => a - b);
  let wrong = 0;
  // A task created through the API is announced `pending` first; the bench's drains insert theirs in SQL.
  for (const id of ids) if (!['processing,completed', 'pending,processing,completed'].includes(statuses.get(id)?.join(',') ?? '')) wrong += 1;
  return {
    tasks: ids.size,
    events: lags.length,
    tasks_not_processing_then_completed: wrong,
    stored_after_change_p50_ms: Math.round(percentile(lags, 50)),
    stored_after_change_p99_ms: Math.round(percentile(lags, 99)),
    stored_after_change_max_ms: Math.round(lags.at(-1) ?? 0),
  };
}
