import { createLogger } from '@conveyor/service-runtime';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dueChannel } from '../src/db/insert-task';
import { listenForDueTimes } from '../src/db/listen-due';
import { startDispatcher } from '../src/domain/dispatcher';
import { openSchedulerDatabase, type SchedulerDatabase } from './scheduler-database';

/**
 * A due instant runs only what it is due for: the instants of tasks claim (or publish reserved)
 * tasks and do not look for due triggers, a trigger's next run does; an instant whose tasks were
 * all reserved does not claim. The dispatcher here runs on the real database; what it publishes,
 * the trigger occurrences it asks for and the statements it runs are recorded (the platform tests
 * in `triggers-timers.test.ts` fire real triggers through a real scheduler).
 */
let database: SchedulerDatabase;
let pool: pg.Pool;
const logger = createLogger('scheduler-test', 'warn');

beforeAll(async () => {
  database = await openSchedulerDatabase('scheduler_instants', 4);
  ({ pool } = database);
});

afterAll(async () => {
  await database?.close();
});

const until = async (done: () => boolean): Promise<void> => {
  while (!done()) await new Promise((resolve) => setTimeout(resolve, 10));
};

async function insertTask(dueAt: Date): Promise<number> {
  const { rows } = await pool.query<{ id: string }>(
    `insert into scheduler.tasks (tenant_id, task_type, payload, execute_at, due_at) values ('tenant-a', 'instant.probe', '{}', $1, $1) returning id`,
    [dueAt],
  );
  return Number(rows[0]!.id);
}

/** The pool, recording the name of every prepared statement run through its connections. */
function recordingStatements(target: pg.Pool, names: string[]): pg.Pool {
  const bound = <T extends object>(object: T, prop: string | symbol) => {
    const value = Reflect.get(object, prop);
    return typeof value === 'function' ? value.bind(object) : value;
  };
  const recordingClient = (client: pg.PoolClient) =>
    new Proxy(client, {
      get: (object, prop) =>
        prop === 'query'
          ? (statement: string | pg.QueryConfig, values?: unknown[]) => {
              if (typeof statement === 'object' && statement.name) names.push(statement.name);
              return object.query(statement as string, values);
            }
          : bound(object, prop),
    });
  return new Proxy(target, {
    get: (object, prop) => (prop === 'connect' ? async () => recordingClient(await object.connect()) : bound(object, prop)),
  });
}

describe('due instants', () => {
  it('run only what they are due for: no trigger lookup at a task’s instant, no claim at a reserved one', async () => {
    const published: number[] = [];
    const triggerChecks: number[] = [];
    const statements: string[] = [];
    const dispatcher = startDispatcher({
      pool: recordingStatements(pool, statements),
      prefix: 'instants_test',
      logger,
      // No poll during the test (the first runs at start): every instant comes from a wake.
      config: { batchSize: 100, dispatchConcurrency: 1, reportTimeoutMs: 60_000, lookaheadMs: 10_000, prefetchMs: 300, pollMs: 600_000, retry: { baseMs: 1_000, maxMs: 5_000 } },
      publish: async (tasks) => void published.push(...tasks.map((t) => t.id)),
      fireDueTriggers: async (now) => {
        triggerChecks.push(now.getTime());
        return 0;
      },
      onEventsWritten: () => undefined,
    });
    try {
      const triggerDue = Date.now() + 100;
      dispatcher.wakeTrigger(triggerDue);
      await until(() => triggerChecks.length === 1);
      expect(triggerChecks[0]).toBeGreaterThanOrEqual(triggerDue);

      // A task due now (claimed) and one due in 600 ms (reserved, then published at its instant).
      const overdue = await insertTask(new Date(Date.now() - 1));
      dispatcher.wake(Date.now() - 1);
      const soon = Date.now() + 600;
      const reserved = await insertTask(new Date(soon));
      dispatcher.wake(soon);
      await until(() => published.length === 2);
      expect(published).toEqual([overdue, reserved]);
    } finally {
      await dispatcher.stop();
    }
    expect(triggerChecks).toHaveLength(1);
    // The overdue task was claimed; the other was reserved whole, so its instant only published.
    expect(statements.filter((name) => name === 'scheduler_claim_due')).toHaveLength(1);
    expect(statements.filter((name) => name === 'scheduler_mark_dispatched')).toHaveLength(1);
  });
});

describe('the due listener', () => {
  it('tells a task’s due time, a trigger’s next run and a cancelled task apart', async () => {
    const heard: string[] = [];
    let connected = false;
    const listener = listenForDueTimes({
      url: database.db.url,
      logger,
      onDue: (ms) => heard.push(`task ${ms}`),
      onTriggerDue: (ms) => heard.push(`trigger ${ms}`),
      onCancel: (id) => heard.push(`cancel ${id}`),
      onReconnect: () => void (connected = true),
    });
    try {
      await until(() => connected);
      for (const payload of ['1700000000123', 't1700000060000', 'c42', 'tnot-a-time']) await pool.query('select pg_notify($1, $2)', [dueChannel, payload]);
      await until(() => heard.length >= 3);
      // One more round trip: a fourth notification, had one been heard, has arrived by now.
      await pool.query('select pg_notify($1, $2)', [dueChannel, 'c43']);
      await until(() => heard.length >= 4);
      expect(heard).toEqual(['task 1700000000123', 'trigger 1700000060000', 'cancel 42', 'cancel 43']);
    } finally {
      await listener.stop();
    }
  });
});
