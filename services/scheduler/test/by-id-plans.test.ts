import { createTestDatabase, migrateServices, type TestDatabase } from '@conveyor/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimDueTasks } from '../src/db/claim-due-tasks';
import { recordTaskReports } from '../src/db/record-task-reports';
import { markReservationsDispatched, releaseReservations, reserveUpcomingTasks } from '../src/db/reserve-upcoming-tasks';

/**
 * Statements that find tasks by id must reach them through the primary key, however many tasks
 * are processing and whatever the statistics say. Here the statistics were taken while every task
 * was pending (so the processing set looks empty to the planner) and then 2,000 tasks are
 * processing: the state of a drain, or of a busy day between two autovacuum runs. A plan that
 * scans `tasks_processing_due_idx` instead reads every processing task for each report.
 */
let db: TestDatabase;
let pool: pg.Pool;
const prefix = 'plans_test';

beforeAll(async () => {
  db = await createTestDatabase('scheduler_plans');
  await migrateServices(db.url, ['scheduler']);
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
  await pool.query(
    `insert into scheduler.tasks (tenant_id, task_type, payload, execute_at, due_at)
     select 'tenant-a', 'plan.probe', '{}', now() - interval '1 minute', now() - interval '1 minute' from generate_series(1, 3000)`,
  );
  await pool.query(
    `insert into scheduler.tasks (tenant_id, task_type, payload, execute_at, due_at)
     select 'tenant-a', 'plan.probe', '{}', now() + interval '1 hour', now() + interval '1 hour' from generate_series(1, 10)`,
  );
  await pool.query('analyze scheduler.tasks');
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

/** Runs `work` with auto_explain on its connection; returns the plans of the updates of tasks. */
async function taskUpdatePlans(work: (client: pg.PoolClient) => Promise<unknown>): Promise<string[]> {
  const client = await pool.connect();
  const plans: string[] = [];
  const onNotice = (notice: { message?: string }) => {
    if (notice.message?.includes('update scheduler.tasks')) plans.push(notice.message);
  };
  try {
    await client.query(`load 'auto_explain'`);
    await client.query('set auto_explain.log_min_duration = 0; set auto_explain.log_nested_statements = on; set auto_explain.log_level = notice');
    client.on('notice', onNotice);
    await client.query('begin');
    await work(client);
    await client.query('commit');
    return plans;
  } finally {
    client.removeListener('notice', onNotice);
    await client.query('reset all');
    client.release();
  }
}

const scanOfUpdate = (plan: string) => plan.slice(plan.indexOf('Update on tasks')).match(/(Index Scan|Index Only Scan|Seq Scan|Bitmap Heap Scan)( using \w+)? on tasks/)?.[0];

describe('statements that find tasks by id', () => {
  it('apply a report and mark or release a reservation through the primary key while thousands of tasks are processing', async () => {
    const processing = await (async () => {
      const client = await pool.connect();
      try {
        await client.query('begin');
        const tasks = await claimDueTasks(client, prefix, new Date(), 2_000, 60_000);
        await client.query('commit');
        return tasks;
      } finally {
        client.release();
      }
    })();
    expect(processing).toHaveLength(2_000);

    const reportPlans = await taskUpdatePlans((client) =>
      recordTaskReports(client, prefix, [{ taskId: processing[0]!.id, attempt: 1, outcome: 'completed' }], { baseMs: 1_000, maxMs: 5_000 }, 60_000),
    );
    expect(reportPlans).toHaveLength(1);
    expect(scanOfUpdate(reportPlans[0]!)).toBe('Index Scan using tasks_pkey on tasks');

    const now = new Date();
    let reserved: Awaited<ReturnType<typeof reserveUpcomingTasks>> = [];
    await taskUpdatePlans(async (client) => (reserved = await reserveUpcomingTasks(client, now, new Date(now.getTime() + 2 * 3_600_000), 2, 3_000)));
    expect(reserved).toHaveLength(2);
    const markPlans = await taskUpdatePlans((client) => markReservationsDispatched(client, prefix, [reserved[0]!.task], 60_000));
    const releasePlans = await taskUpdatePlans((client) => releaseReservations(client, [reserved[1]!.task], 3_000));
    for (const plan of [...markPlans, ...releasePlans]) expect(scanOfUpdate(plan)).toBe('Index Scan using tasks_pkey on tasks');
    expect(markPlans).toHaveLength(1);
    expect(releasePlans).toHaveLength(1);

    // The statements did their work.
    const { rows } = await pool.query<{ id: string; status: string; dispatched: boolean }>(
      'select id, status, dispatched from scheduler.tasks where id = any($1::bigint[]) order by id',
      [[processing[0]!.id, reserved[0]!.task.id, reserved[1]!.task.id]],
    );
    expect(rows.map((r) => [Number(r.id), r.status, r.dispatched])).toEqual([
      [processing[0]!.id, 'completed', true],
      [reserved[0]!.task.id, 'processing', true],
      [reserved[1]!.task.id, 'pending', true],
    ]);
  });
});
