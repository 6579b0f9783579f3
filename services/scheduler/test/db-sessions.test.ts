import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNoopHandler, type HandlerStats } from '../../../bench/scheduler/noop-handler';
import { startSchedulerPlatform, type SchedulerPlatform } from './scheduler-platform';

/**
 * Every database session of the scheduler ended in the middle of a drain, three times, as a
 * database restart or failover would end them: the scheduler stays up, reconnects, and every task
 * ends completed once, each attempt handed out once.
 */
let platform: SchedulerPlatform;
let handler: HandlerStats;

beforeAll(async () => {
  platform = await startSchedulerPlatform('db_sessions');
  handler = await startNoopHandler(platform.nc, platform.prefix, 'session_job');
});

afterAll(async () => {
  await handler?.stop();
  await platform?.destroy();
});

const statuses = async () =>
  Object.fromEntries(
    (await platform.sql.query(`select status, count(*)::int as n from scheduler.tasks where task_type = 'session_job' group by status`)).rows.map((r) => [r.status, r.n]),
  ) as Record<string, number>;

/** Ends the scheduler's sessions (its pool's and its LISTEN connection's); returns how many. */
async function endSchedulerSessions(): Promise<number> {
  const { rows } = await platform.sql.query<{ n: number }>(
    `select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
     where datname = current_database() and pid <> pg_backend_pid() and application_name like 'scheduler-%'`,
  );
  return rows[0]!.n;
}

describe('database sessions ended under the scheduler', () => {
  it('keeps the scheduler up and loses or doubles nothing when its sessions end mid-drain', async () => {
    const count = 3_000;
    const scheduler = platform.schedulers[0]!;
    let exited: number | null | undefined;
    scheduler.child.once('exit', (code) => (exited = code));
    await platform.sql.query(
      `insert into scheduler.tasks (tenant_id, task_type, payload, execute_at, due_at)
       select $1, 'session_job', jsonb_build_object('n', n), now() + interval '1 second', now() + interval '1 second' from generate_series(1, $2) n`,
      [platform.tenant.tenantId, count],
    );
    while (handler.deliveries.size === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    let ended = 0;
    for (let i = 0; i < 3; i += 1) {
      ended += await endSchedulerSessions();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(ended).toBeGreaterThan(0);

    // Until every task is completed, or the scheduler is gone (which nothing would then repair).
    while (exited === undefined && ((await statuses()).completed ?? 0) < count) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(exited, `the scheduler exited:\n${scheduler.output().slice(-2_000)}`).toBeUndefined();
    expect(await statuses()).toEqual({ completed: count });
    while (handler.reportsInFlight > 0) await new Promise((resolve) => setTimeout(resolve, 20));
    const ids = (await platform.sql.query(`select id from scheduler.tasks where task_type = 'session_job'`)).rows.map((r) => Number(r.id));
    expect(ids.filter((id) => !handler.accepted.has(id) && !handler.alreadyCompleted.has(id))).toEqual([]);
    expect([...handler.accepted.values()].filter((n) => n !== 1)).toEqual([]);
    expect([...handler.deliveries.values()].filter((n) => n !== 1)).toEqual([]);
  });
});
