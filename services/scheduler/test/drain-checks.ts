import { expect } from 'vitest';
import type { HandlerStats } from '../../../bench/scheduler/noop-handler';
import type { SchedulerPlatform } from './scheduler-platform';

/** How many tasks of the type are in each status. */
export async function taskStatuses(platform: SchedulerPlatform, taskType: string): Promise<Record<string, number>> {
  const { rows } = await platform.sql.query<{ status: string; n: number }>(
    'select status, count(*)::int as n from scheduler.tasks where task_type = $1 group by status',
    [taskType],
  );
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

/**
 * Every task of the type had its completion accepted exactly once, or (the reply lost) was found
 * already completed when the handler asked again, and no attempt was handed out twice.
 */
export async function expectEachCompletedOnce(platform: SchedulerPlatform, handler: HandlerStats, taskType: string): Promise<void> {
  // Replies to the last reports may still be on their way to the handler.
  while (handler.reportsInFlight > 0) await new Promise((resolve) => setTimeout(resolve, 20));
  const { rows } = await platform.sql.query<{ id: string }>('select id from scheduler.tasks where task_type = $1', [taskType]);
  const ids = rows.map((r) => Number(r.id));
  expect(ids.filter((id) => !handler.accepted.has(id) && !handler.alreadyCompleted.has(id))).toEqual([]);
  expect([...handler.accepted.values()].filter((n) => n !== 1)).toEqual([]);
  expect([...handler.deliveries.values()].filter((n) => n !== 1)).toEqual([]);
}

/**
 * `count` tasks fall due in a second; `disrupt` starts as soon as the first reaches the handler,
 * so the drain is under way. Then every task must end completed once, with the first scheduler
 * still running.
 */
export async function drainThrough(
  platform: SchedulerPlatform,
  handler: HandlerStats,
  taskType: string,
  count: number,
  disrupt: () => Promise<void>,
): Promise<void> {
  const scheduler = platform.schedulers[0]!;
  let exited: number | null | undefined;
  scheduler.child.once('exit', (code) => (exited = code));
  await platform.sql.query(
    `insert into scheduler.tasks (tenant_id, task_type, payload, execute_at, due_at)
     select $1, $2, jsonb_build_object('n', n), now() + interval '1 second', now() + interval '1 second' from generate_series(1, $3) n`,
    [platform.tenant.tenantId, taskType, count],
  );
  while (handler.deliveries.size === 0) await new Promise((resolve) => setTimeout(resolve, 1));
  await disrupt();
  // Until every task is completed, or the scheduler is gone (which nothing would then repair).
  while (exited === undefined && ((await taskStatuses(platform, taskType)).completed ?? 0) < count) await new Promise((resolve) => setTimeout(resolve, 100));
  expect(exited, `the scheduler exited:\n${scheduler.output().slice(-2_000)}`).toBeUndefined();
  expect(await taskStatuses(platform, taskType)).toEqual({ completed: count });
  await expectEachCompletedOnce(platform, handler, taskType);
}
