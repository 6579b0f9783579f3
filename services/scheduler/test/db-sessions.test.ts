import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNoopHandler, type HandlerStats } from '../../../bench/scheduler/noop-handler';
import { drainThrough } from './drain-checks';
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
    let ended = 0;
    await drainThrough(platform, handler, 'session_job', 3_000, async () => {
      for (let i = 0; i < 3; i += 1) {
        ended += await endSchedulerSessions();
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    });
    expect(ended).toBeGreaterThan(0);
  });
});
