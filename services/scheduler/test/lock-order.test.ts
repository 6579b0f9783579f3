import { createTestDatabase, migrateServices, type TestDatabase } from '@conveyor/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { markReservationsDispatched, releaseReservations, reserveUpcomingTasks } from '../src/db/reserve-upcoming-tasks';
import type { DispatchTask } from '../src/domain/task';

/**
 * Marking reservations dispatched (and releasing them) runs while handlers' report batches update
 * the same tasks. Reports lock rows in id order; a statement that locked them in reservation order
 * (by due time) could deadlock with a report batch. PostgreSQL breaks a deadlock only after
 * `deadlock_timeout`, by failing one of the two. Here the earlier id falls due later, and a
 * transaction holding its row, as a report batch would, then updates the later id.
 * The order is the one of the plan: a nested loop over the id-sorted array, which PostgreSQL
 * picks once the table holds more than a few pages of tasks, for reports and markings alike.
 * (On a near-empty table both scan the heap, again in one order.)
 */
let db: TestDatabase;
let pool: pg.Pool;
const prefix = 'lock_order_test';

beforeAll(async () => {
  db = await createTestDatabase('scheduler_lock_order');
  await migrateServices(db.url, ['scheduler']);
  // A deadlock, if there is one, is found in 200 ms instead of a second.
  pool = new pg.Pool({ connectionString: db.url, max: 4, options: '-c deadlock_timeout=200ms -c lock_timeout=10s' });
  // A table of a few thousand tasks, as any running scheduler has: a by-id update then visits
  // the rows in the order of its array (a nested loop over it), not in the heap's order.
  await pool.query(
    `insert into scheduler.tasks (tenant_id, task_type, payload, execute_at, due_at, status, completed_at)
     select 'tenant-a', 'lock.filler', '{}', now(), now(), 'completed', now() from generate_series(1, 3000)`,
  );
  await pool.query('analyze scheduler.tasks');
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

/** Two reservations in reservation order: the higher id falls due first. */
async function reserveTwo(): Promise<{ later: DispatchTask; earlier: DispatchTask; reserved: DispatchTask[] }> {
  const { rows } = await pool.query<{ id: string }>(
    `insert into scheduler.tasks (tenant_id, task_type, payload, execute_at, due_at)
     values ('tenant-a', 'lock.probe', '{}', now() + interval '1 hour 1 second', now() + interval '1 hour 1 second'),
            ('tenant-a', 'lock.probe', '{}', now() + interval '1 hour', now() + interval '1 hour')
     returning id`,
  );
  const [lowId, highId] = rows.map((row) => Number(row.id));
  const now = new Date();
  const reserved = (await reserveUpcomingTasks(pool, now, new Date(now.getTime() + 2 * 3_600_000), 10, 3_000)).map((r) => r.task);
  expect(reserved.map((t) => t.id)).toEqual([highId, lowId]);
  return { later: reserved[1]!, earlier: reserved[0]!, reserved };
}

/**
 * Holds the lower id's row (as a report batch would), runs `work` on another connection until it
 * waits for that row, then updates the higher id in the holding transaction and commits.
 */
async function againstAReportBatch(lowId: number, highId: number, work: (client: pg.PoolClient) => Promise<unknown>): Promise<unknown> {
  const holder = await pool.connect();
  const worker = await pool.connect();
  try {
    await holder.query('begin');
    await holder.query('select id from scheduler.tasks where id = $1 for update', [lowId]);
    const workerPid = (await worker.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
    const done = (async () => {
      await worker.query('begin');
      try {
        const result = await work(worker);
        await worker.query('commit');
        return result;
      } catch (error) {
        await worker.query('rollback');
        throw error;
      }
    })();
    // Until the worker waits for the held row.
    for (;;) {
      const { rows } = await pool.query<{ waiting: boolean }>(`select wait_event_type = 'Lock' as waiting from pg_stat_activity where pid = $1`, [workerPid]);
      if (rows[0]?.waiting) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const holderUpdate = holder.query('update scheduler.tasks set updated_at = clock_timestamp() where id = $1', [highId]).then(
      () => holder.query('commit'),
      async (error: unknown) => {
        await holder.query('rollback');
        throw error;
      },
    );
    const [holderResult, workResult] = await Promise.allSettled([holderUpdate, done]);
    expect(holderResult.status === 'rejected' ? String(holderResult.reason) : 'committed').toBe('committed');
    if (workResult.status === 'rejected') throw workResult.reason;
    return workResult.value;
  } finally {
    holder.release();
    worker.release();
  }
}

describe('statements over reserved tasks lock rows in id order', () => {
  it('marking reservations dispatched waits behind a report batch instead of deadlocking with it', async () => {
    const { later, earlier, reserved } = await reserveTwo();
    const marked = (await againstAReportBatch(later.id, earlier.id, (client) => markReservationsDispatched(client, prefix, reserved, 60_000))) as DispatchTask[];
    expect(marked.map((t) => t.id).sort((a, b) => a - b)).toEqual([later.id, earlier.id].sort((a, b) => a - b));
    const { rows } = await pool.query<{ n: number }>(`select count(*)::int as n from scheduler.tasks where id = any($1::bigint[]) and dispatched`, [[later.id, earlier.id]]);
    expect(rows[0]!.n).toBe(2);
  });

  it('releasing reservations waits behind a report batch instead of deadlocking with it', async () => {
    const { later, earlier, reserved } = await reserveTwo();
    await againstAReportBatch(later.id, earlier.id, (client) => releaseReservations(client, reserved, 3_000));
    const { rows } = await pool.query<{ n: number }>(`select count(*)::int as n from scheduler.tasks where id = any($1::bigint[]) and status = 'pending'`, [[later.id, earlier.id]]);
    expect(rows[0]!.n).toBe(2);
  });
});
