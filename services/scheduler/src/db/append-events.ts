import { randomUUID } from 'node:crypto';
import { subjectOfEvent, taskUpdatedEvent, type EventContract, type EventEnvelope } from '@conveyor/contracts';
import type pg from 'pg';
import type { z } from 'zod';
import { formatTimestamp } from '../domain/rfc3339';
import { presentedState, type Task } from '../domain/task';

type Queryable = Pick<pg.PoolClient, 'query'>;

export interface PendingEvent<Data extends z.ZodType> {
  contract: EventContract<Data>;
  tenantId: string | null;
  entity: { typename: string; id: string };
  data: z.input<Data>;
}

/**
 * Writes events into the outbox inside the caller's transaction, many rows in one statement (the
 * runtime's `appendEvent` inserts one row per call; a claim of 500 tasks would cost 500 round
 * trips). Envelopes are built and validated exactly as `appendEvent` does.
 */
export async function appendEvents(client: Queryable, prefix: string, events: PendingEvent<z.ZodType>[]): Promise<void> {
  if (events.length === 0) return;
  const subjects: string[] = [];
  const payloads: string[] = [];
  const occurredAt = new Date().toISOString();
  for (const event of events) {
    const subject = subjectOfEvent(prefix, event.contract);
    const envelope: EventEnvelope = {
      v: 1,
      id: randomUUID(),
      type: subject,
      occurred_at: occurredAt,
      tenant_id: event.tenantId,
      entity: event.entity,
      data: event.contract.data.parse(event.data) as Record<string, unknown>,
    };
    subjects.push(subject);
    payloads.push(JSON.stringify(envelope));
  }
  await client.query('insert into scheduler.outbox (subject, payload) select * from unnest($1::text[], $2::json[])', [subjects, payloads]);
}

/** `scheduler.task.updated` for a task's current state. */
export function taskUpdated(task: Task): PendingEvent<typeof taskUpdatedEvent.data> {
  return {
    contract: taskUpdatedEvent,
    tenantId: task.tenantId,
    entity: { typename: 'Task', id: String(task.id) },
    data: {
      id: task.id,
      task_type: task.taskType,
      ...presentedState(task),
      max_attempts: task.maxAttempts,
      execute_at: formatTimestamp(task.executeAt),
      updated_at: formatTimestamp(task.updatedAt),
      completed_at: task.completedAt ? formatTimestamp(task.completedAt) : null,
      last_error: task.lastError,
    },
  };
}
