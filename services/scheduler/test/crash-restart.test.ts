import { startServiceProcess } from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNoopHandler, type HandlerStats } from '../../../bench/scheduler/noop-handler';
import { expectEachCompletedOnce, taskStatuses } from './drain-checks';
import { startSchedulerPlatform, type SchedulerPlatform } from './scheduler-platform';

/**
 * `kill -9` of the only scheduler in the middle of a drain, then a restart: every task ends
 * completed (nothing lost), no task accepts two completion reports and no attempt is handed out
 * twice (nothing completed twice). Tasks that fell due while the scheduler was down run at once.
 */
let platform: SchedulerPlatform;
let handler: HandlerStats;

beforeAll(async () => {
  platform = await startSchedulerPlatform('crash', { env: { SCHEDULER_REPORT_TIMEOUT_MS: '5000' } });
  handler = await startNoopHandler(platform.nc, platform.prefix, 'crash_job');
});

afterAll(async () => {
  await handler?.stop();
  await platform?.destroy();
});

const statuses = () => taskStatuses(platform, 'crash_job');

describe('crash and restart', () => {
  it('loses nothing and completes nothing twice when the scheduler is killed mid-drain', async () => {
    const count = 3_000;
    await platform.sql.query(
      `insert into scheduler.tasks (tenant_id, task_type, payload, execute_at, due_at)
       select $1, 'crash_job', jsonb_build_object('n', n), now() + interval '1 second', now() + interval '1 second' from generate_series(1, $2) n`,
      [platform.tenant.tenantId, count],
    );
    // Killed as soon as the first task reaches the handler: the drain is certainly under way and,
    // as completions need the scheduler to take the handler's reports, cannot have finished.
    while (handler.deliveries.size === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    await platform.schedulers[0]!.stop('SIGKILL');
    const atKill = await statuses();
    expect(atKill.completed ?? 0).toBeLessThan(count);

    // Tasks that fall due while no scheduler runs: overdue at restart, they run at once.
    await platform.sql.query(
      `insert into scheduler.tasks (tenant_id, task_type, payload, execute_at, due_at)
       select $1, 'crash_job', jsonb_build_object('late', n), now(), now() from generate_series(1, 100) n`,
      [platform.tenant.tenantId],
    );
    platform.schedulers.push(await startServiceProcess('scheduler', platform.env));
    for (;;) {
      const now = await statuses();
      if ((now.completed ?? 0) === count + 100) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await statuses()).toEqual({ completed: count + 100 });
    await expectEachCompletedOnce(platform, handler, 'crash_job');
  });
});
