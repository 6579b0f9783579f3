import { createLogger } from '@conveyor/service-runtime';
import { createTestDatabase, migrateServices, type TestDatabase } from '@conveyor/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimDueTasks } from '../src/db/claim-due-tasks';
import { createReportBatcher } from '../src/domain/report-batcher';
import type { SchedulerConfig } from '../src/domain/scheduler-config';

/**
 * The report group commit against real PostgreSQL: a request's reports share one answer (no
 * promise per report), which must still come back complete and in order when the request is
 * split over several transactions, holds the same task twice, or meets a failing transaction.
 */
let db: TestDatabase;
let pool: pg.Pool;
const config: SchedulerConfig = {
  batchSize: 100,
  dispatchConcurrency: 1,
  reportTimeoutMs: 60_000,
  lookaheadMs: 10_000,
  prefetchMs: 0,
  pollMs: 1_000,
  retry: { baseMs: 1_000, maxMs: 5_000 },
};

beforeAll(async () => {
  db = await createTestDatabase('scheduler_report_batcher');
  await migrateServices(db.url, ['scheduler']);
  pool = new pg.Pool({ connectionString: db.url, max: 4 });
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

async function claimNew(count: number): Promise<{ id: number; attempt: number }[]> {
  await pool.query(
    `insert into scheduler.tasks (tenant_id, task_type, payload, execute_at, due_at) select 'tenant-a', 'probe', '{}', now(), now() from generate_series(1, $1)`,
    [count],
  );
  const client = await pool.connect();
  try {
    await client.query('begin');
    const tasks = await claimDueTasks(client, 'batcher_test', new Date(Date.now() + 1_000), count, 60_000);
    await client.query('commit');
    return tasks.map((t) => ({ id: t.id, attempt: t.attempts })).sort((a, b) => a.id - b.id);
  } finally {
    client.release();
  }
}

const batcher = (maxBatch: number, batcherPool: pg.Pool = pool) =>
  createReportBatcher({ pool: batcherPool, prefix: 'batcher_test', logger: createLogger('scheduler', 'silent'), config, maxBatch, onEventsWritten: () => {}, onRetryScheduled: () => {} });

describe('report batcher', () => {
  it('answers a request split over several transactions once, with one outcome per report in order', async () => {
    const tasks = await claimNew(5);
    const reports = batcher(2);
    const [first, second] = await Promise.all([
      // 5 reports and a repeat of the first, 2 per transaction: four transactions serve this request.
      reports.submitMany([...tasks, tasks[0]!].map((t) => ({ taskId: t.id, attempt: t.attempt, outcome: 'completed' as const }))),
      reports.submit({ taskId: tasks[1]!.id, attempt: tasks[1]!.attempt, outcome: 'failed', error: 'late' }),
    ]);
    // The repeat waits for a later transaction than the first report and is then refused.
    expect(first).toEqual([
      ...tasks.map(() => ({ accepted: true, status: 'completed' })),
      { accepted: false, status: 'completed' },
    ]);
    expect(second).toEqual({ accepted: false, status: 'completed' });
    expect(await reports.submitMany([])).toEqual([]);
    await reports.stop();
    const { rows } = await pool.query<{ n: number }>(`select count(*)::int as n from scheduler.tasks where id = any($1::bigint[]) and status = 'completed'`, [tasks.map((t) => t.id)]);
    expect(rows[0]!.n).toBe(5);
  });

  it('rejects a request whose transaction fails, once, and answers the other requests', async () => {
    const tasks = await claimNew(2);
    const broken = new pg.Pool({ connectionString: `${db.url.replace(/\/[^/]+$/, '')}/no_such_database_here` });
    const failing = batcher(10, broken);
    await expect(failing.submitMany(tasks.map((t) => ({ taskId: t.id, attempt: t.attempt, outcome: 'completed' as const })))).rejects.toThrow();
    await failing.stop();
    await broken.end();
    const reports = batcher(10);
    expect(await reports.submitMany(tasks.map((t) => ({ taskId: t.id, attempt: t.attempt, outcome: 'completed' as const })))).toEqual([
      { accepted: true, status: 'completed' },
      { accepted: true, status: 'completed' },
    ]);
    await reports.stop();
  });
});
