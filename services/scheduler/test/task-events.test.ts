import { eventEnvelopeSchema, taskUpdatedEvent } from '@conveyor/contracts';
import { envelopeId, outboxReadSql } from '@conveyor/service-runtime';
import { createTestDatabase, migrateServices, type TestDatabase } from '@conveyor/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taskUpdated } from '../src/db/append-events';
import { claimDueTasks } from '../src/db/claim-due-tasks';
import { recordTaskReports, type TaskReport } from '../src/db/record-task-reports';
import { markReservationsDispatched, reserveUpcomingTasks } from '../src/db/reserve-upcoming-tasks';
import { taskColumns, taskFromRow, type TaskRow } from '../src/db/task-row';

/**
 * The `scheduler.task.updated` events that the claim, reservation and report statements write in
 * SQL (`task-events-sql.ts`) must be exactly the events `taskUpdated` builds in Node from the
 * same rows, and valid against the contract: live status consumes them.
 */
let db: TestDatabase;
let pool: pg.Pool;
const prefix = 'events_test';
const retry = { baseMs: 1_000, maxMs: 5_000 };

beforeAll(async () => {
  db = await createTestDatabase('scheduler_events');
  await migrateServices(db.url, ['scheduler']);
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

async function insertTask(executeAt: string, maxAttempts = 3): Promise<number> {
  const { rows } = await pool.query<{ id: string }>(
    `insert into scheduler.tasks (tenant_id, task_type, payload, execute_at, due_at, max_attempts) values ('tenant-a', 'send_email', '{"to": "a@example.com", "n": [1, 2]}', $1, $1, $2) returning id`,
    [executeAt, maxAttempts],
  );
  return Number(rows[0]!.id);
}

/** Runs `work` in a transaction and returns the events it wrote, with the tasks' rows as committed. */
async function eventsOf(work: (client: pg.PoolClient) => Promise<unknown>) {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const max = (await client.query<{ max: string | null }>('select max(id) from scheduler.outbox')).rows[0]!.max;
    await work(client);
    await client.query('commit');
    // Read as the relay reads them: one message per event, the envelope's text as written.
    const { rows } = await client.query<{ id: string; subject: string; data: string }>(
      `select * from (${outboxReadSql('scheduler.outbox', 1_000_000, 'json')}) m where m.id > $1`,
      [max ?? 0],
    );
    return rows.map((row) => {
      const payload = JSON.parse(row.data) as Record<string, unknown>;
      // The message id JetStream deduplicates on is the event's id.
      expect(envelopeId(row.data)).toBe(payload.id);
      return { subject: row.subject, payload };
    });
  } finally {
    client.release();
  }
}

async function expectEventsOfTasks(events: { subject: string; payload: Record<string, unknown> }[], ids: number[]) {
  expect(events.map((e) => Number((e.payload.entity as { id: string }).id)).sort()).toEqual([...ids].sort());
  const { rows } = await pool.query<TaskRow>(`select ${taskColumns} from scheduler.tasks where id = any($1::bigint[])`, [ids]);
  const tasks = new Map(rows.map((row) => [Number(row.id), taskFromRow(row)]));
  for (const event of events) {
    const envelope = eventEnvelopeSchema.parse(event.payload);
    const task = tasks.get(Number(envelope.entity.id))!;
    const expected = taskUpdated(task);
    expect(event.subject).toBe(`${prefix}.scheduler.task.updated`);
    expect(envelope).toEqual({
      v: 1,
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      type: `${prefix}.scheduler.task.updated`,
      occurred_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      tenant_id: 'tenant-a',
      entity: { typename: 'Task', id: String(task.id) },
      data: taskUpdatedEvent.data.parse(expected.data),
    });
    // Announced after the change, never before it.
    expect(Date.parse(envelope.occurred_at)).toBeGreaterThanOrEqual(task.updatedAt.getTime());
  }
}

describe('task events written in SQL', () => {
  it('match taskUpdated for a claim, a completion, a retry and a final failure', async () => {
    // A whole-second execute_at is shown without milliseconds, as documented.
    const ids = [await insertTask('2026-01-01T00:00:00Z'), await insertTask('2026-01-01T00:00:00.250Z'), await insertTask('2026-01-01T00:00:01Z', 1)];
    let claimed: Awaited<ReturnType<typeof claimDueTasks>> = [];
    const claimEvents = await eventsOf(async (client) => (claimed = await claimDueTasks(client, prefix, new Date(), 100, 60_000)));
    expect(claimed.map((t) => t.id).sort()).toEqual([...ids].sort());
    await expectEventsOfTasks(claimEvents, ids);
    expect(claimEvents.map((e) => (e.payload.data as { status: string }).status)).toEqual(['processing', 'processing', 'processing']);
    expect(claimEvents.map((e) => (e.payload.data as { execute_at: string }).execute_at).sort()).toEqual([
      '2026-01-01T00:00:00.250Z',
      '2026-01-01T00:00:00Z',
      '2026-01-01T00:00:01Z',
    ]);

    const reports: TaskReport[] = [
      { taskId: ids[0]!, attempt: 1, outcome: 'completed' },
      { taskId: ids[1]!, attempt: 1, outcome: 'failed', error: 'smtp refused' },
      { taskId: ids[2]!, attempt: 1, outcome: 'failed', error: 'gone for good' },
    ];
    const reportEvents = await eventsOf((client) => recordTaskReports(client, prefix, reports, retry, 60_000));
    await expectEventsOfTasks(reportEvents, ids);
    const byId = new Map(reportEvents.map((e) => [Number((e.payload.entity as { id: string }).id), e.payload.data as Record<string, unknown>]));
    expect(byId.get(ids[0]!)).toMatchObject({ status: 'completed', completed_at: expect.any(String), last_error: null });
    expect(byId.get(ids[1]!)).toMatchObject({ status: 'pending', attempts: 1, completed_at: null, last_error: 'smtp refused' });
    expect(byId.get(ids[2]!)).toMatchObject({ status: 'failed', attempts: 1, last_error: 'gone for good' });

    // Every event has its own id (one random prefix per statement, the task id in the last group).
    const eventIds = [...claimEvents, ...reportEvents].map((e) => e.payload.id);
    expect(new Set(eventIds).size).toBe(eventIds.length);
    // occurred_at is the moment of the update the event reports.
    for (const event of reportEvents) {
      expect(Date.parse(event.payload.occurred_at as string)).toBe(Date.parse((event.payload.data as { updated_at: string }).updated_at));
    }

    // A refused report (stale attempt) writes no event.
    expect(await eventsOf((client) => recordTaskReports(client, prefix, [reports[0]!], retry, 60_000))).toEqual([]);
  });

  it('carry any text exactly: quotes, backslashes, control characters and non-ASCII in the error', async () => {
    // The envelope is JSON text built in SQL (task-events-sql.ts): strings must be escaped right.
    const error = 'he said "no" \\ C:\\path\nnext line\ttab \u0001 ünïcödé 😀 </script>';
    const [id] = [await insertTask('2026-01-01T00:00:00.001Z')];
    await eventsOf((client) => claimDueTasks(client, prefix, new Date(), 100, 60_000));
    const events = await eventsOf((client) => recordTaskReports(client, prefix, [{ taskId: id!, attempt: 1, outcome: 'failed', error }], retry, 60_000));
    await expectEventsOfTasks(events, [id!]);
    expect(events[0]!.payload.data).toMatchObject({ last_error: error, status: 'pending', execute_at: '2026-01-01T00:00:00.001Z' });
  });

  it('write none for a reservation and one when it is marked dispatched', async () => {
    const id = await insertTask(new Date(Date.now() + 600_000).toISOString());
    // A window around this task only (the retry of the previous test is due much sooner).
    const window = [new Date(Date.now() + 300_000), new Date(Date.now() + 900_000)] as const;
    let reserved: Awaited<ReturnType<typeof reserveUpcomingTasks>> = [];
    const reserveEvents = await eventsOf(async (client) => (reserved = await reserveUpcomingTasks(client, window[0], window[1], 10, 3_000)));
    expect(reserved.map((r) => r.task.id)).toEqual([id]);
    expect(reserveEvents).toEqual([]);
    const marked = await eventsOf((client) => markReservationsDispatched(client, prefix, reserved.map((r) => r.task), 60_000));
    await expectEventsOfTasks(marked, [id]);
    expect(marked[0]!.payload.data).toMatchObject({ status: 'processing', attempts: 1 });
  });
  /** A task due in ten minutes, reserved (processing, not yet marked dispatched); `lastError` as a previous attempt left it. */
  async function reservedTask(lastError: string | null = null) {
    const id = await insertTask(new Date(Date.now() + 600_000).toISOString());
    if (lastError) await pool.query('update scheduler.tasks set last_error = $2 where id = $1', [id, lastError]);
    const window = [new Date(Date.now() + 300_000), new Date(Date.now() + 900_000)] as const;
    const reserved = await reserveUpcomingTasks(pool, window[0], window[1], 10, 3_000);
    expect(reserved.map((r) => r.task.id)).toEqual([id]);
    return reserved[0]!.task;
  }

  it('write the processing event before their own when a report overtakes the marking of its reservation', async () => {
    // The message went out at the due instant; the handler answered before the marking committed.
    const task = await reservedTask();
    const events = await eventsOf((client) => recordTaskReports(client, prefix, [{ taskId: task.id, attempt: 1, outcome: 'completed' }], retry, 60_000));
    expect(events.map((e) => (e.payload.data as { status: string }).status)).toEqual(['processing', 'completed']);
    expect(events[0]!.payload.data).toMatchObject({ id: task.id, status: 'processing', attempts: 1, completed_at: null, last_error: null });
    eventEnvelopeSchema.parse(events[0]!.payload);
    await expectEventsOfTasks([events[1]!], [task.id]);
    // Two events of one task in one statement, each with its own id.
    expect(events[0]!.payload.id).not.toBe(events[1]!.payload.id);
    expect(Date.parse(events[0]!.payload.occurred_at as string)).toBeLessThanOrEqual(Date.parse(events[1]!.payload.occurred_at as string));
    // The marking, when it commits, finds the task finished: no task held, no event.
    let marked: Awaited<ReturnType<typeof markReservationsDispatched>> = [];
    expect(await eventsOf(async (client) => (marked = await markReservationsDispatched(client, prefix, [task], 60_000)))).toEqual([]);
    expect(marked).toEqual([]);
  });

  it('show the previous attempt\'s error on that processing event, the new one after it', async () => {
    const task = await reservedTask('timeout on attempt 1');
    const events = await eventsOf((client) => recordTaskReports(client, prefix, [{ taskId: task.id, attempt: task.attempts, outcome: 'failed', error: 'refused' }], retry, 60_000));
    expect(events.map((e) => e.payload.data)).toMatchObject([
      { status: 'processing', last_error: 'timeout on attempt 1' },
      { status: 'pending', last_error: 'refused' },
    ]);
  });

  it('write one processing event for an in_progress report that overtakes the marking, and the marking then none', async () => {
    const task = await reservedTask();
    const events = await eventsOf((client) => recordTaskReports(client, prefix, [{ taskId: task.id, attempt: 1, outcome: 'in_progress' }], retry, 60_000));
    await expectEventsOfTasks(events, [task.id]);
    expect(events.map((e) => e.payload.data)).toMatchObject([{ status: 'processing', attempts: 1 }]);
    // The report's deadline stands: the marking neither moves it nor announces the task again.
    const before = (await pool.query<{ due_at: Date; dispatched: boolean }>('select due_at, dispatched from scheduler.tasks where id = $1', [task.id])).rows[0]!;
    expect(before.dispatched).toBe(true);
    expect(await eventsOf((client) => markReservationsDispatched(client, prefix, [task], 60_000))).toEqual([]);
    const after = (await pool.query<{ due_at: Date }>('select due_at from scheduler.tasks where id = $1', [task.id])).rows[0]!;
    expect(after.due_at).toEqual(before.due_at);
  });
});
