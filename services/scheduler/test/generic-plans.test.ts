import { withTransaction } from '@conveyor/service-runtime';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimDueTasks } from '../src/db/claim-due-tasks';
import { expireAttempts } from '../src/db/expire-attempts';
import { genericPlans } from '../src/db/named-statement';
import { recordTaskReports } from '../src/db/record-task-reports';
import { claimStaleReservations, markReservationsDispatched, reserveUpcomingTasks } from '../src/db/reserve-upcoming-tasks';
import { lockDueTriggers } from '../src/db/trigger-queries';
import { openSchedulerDatabase, type SchedulerDatabase } from './scheduler-database';

/**
 * The dispatcher's statements are prepared once per connection and keep a generic plan
 * (`named-statement.ts`). That plan is made at the first run, when a fresh installation's tables
 * hold a handful of rows, and is kept however large they grow: it must reach the tasks through the
 * due-time indexes or the primary key, never by reading the whole table.
 */
let database: SchedulerDatabase;
let pool: pg.Pool;
const prefix = 'generic_plans_test';
const retry = { baseMs: 1_000, maxMs: 5_000 };

beforeAll(async () => {
  // One connection, set up as the service's pool sets up its connections.
  database = await openSchedulerDatabase('scheduler_generic_plans', 1);
  ({ pool } = database);
});

afterAll(async () => {
  await database?.close();
});

/** The plan the connection keeps for a prepared statement, shown with `values` (SQL literals). */
async function keptPlan(client: pg.PoolClient, name: string, values: string[]): Promise<string> {
  const { rows } = await client.query<{ 'QUERY PLAN': string }>(`explain (costs off) execute ${name}(${values.join(', ')})`);
  return rows.map((r) => r['QUERY PLAN']).join('\n');
}

describe('the dispatcher statements', () => {
  it('run on generic plans made on a near-empty table that find tasks by index', async () => {
    await pool.query(
      `insert into scheduler.tasks (tenant_id, task_type, payload, execute_at, due_at)
       values ('tenant-a', 'plan.probe', '{}', now() + interval '1 second', now() + interval '1 second')`,
    );
    const now = new Date();
    // One task through the statements of an instant, each in a transaction set up as the dispatcher's.
    const inTransaction = <T>(work: (client: pg.PoolClient) => Promise<T>) => withTransaction(pool, work, genericPlans);
    const [reserved] = await inTransaction((client) => reserveUpcomingTasks(client, now, new Date(now.getTime() + 2_000), 1_000, 3_000));
    expect(reserved).toBeDefined();
    expect(await inTransaction((client) => markReservationsDispatched(client, prefix, [reserved!.task], 60_000))).toHaveLength(1);
    expect(await inTransaction((client) => claimDueTasks(client, prefix, new Date(), 1_000, 60_000))).toEqual([]);
    const reported = await inTransaction((client) => recordTaskReports(client, prefix, [{ taskId: reserved!.task.id, attempt: 1, outcome: 'completed' }], retry, 60_000));
    expect(reported.applied).toEqual([expect.objectContaining({ id: reserved!.task.id, status: 'completed' })]);
    expect(await inTransaction((client) => claimStaleReservations(client, prefix, new Date(), 1_000, 60_000))).toEqual([]);
    expect(await inTransaction((client) => expireAttempts(client, new Date(), 1_000, retry))).toEqual([]);
    expect(await inTransaction((client) => lockDueTriggers(client, new Date(), 100))).toEqual([]);

    // Read in a transaction set up as the dispatcher's too: there the connection uses the generic plan.
    await inTransaction(async (client) => {
      const { rows: prepared } = await client.query<{ name: string; generic_plans: string; custom_plans: string }>(
        `select name, generic_plans, custom_plans from pg_prepared_statements where name like 'scheduler\\_%' order by name`,
      );
      // Prepared once, run on their generic plan, never planned for their values.
      expect(prepared.map((p) => [p.name, Number(p.generic_plans) > 0, Number(p.custom_plans)])).toEqual(
        ['apply_reports', 'claim_due', 'claim_stale', 'expire_attempts', 'lock_due_triggers', 'mark_dispatched', 'reserve'].map((name) => [`scheduler_${name}`, true, 0]),
      );

      const at = `'${new Date().toISOString()}'`;
      const plans = {
        reserve: await keptPlan(client, 'scheduler_reserve', [at, at, '1000', '3000']),
        claimDue: await keptPlan(client, 'scheduler_claim_due', [at, '1000', '60000', `'x'`]),
        claimStale: await keptPlan(client, 'scheduler_claim_stale', [at, '1000', '60000', `'x'`]),
        expire: await keptPlan(client, 'scheduler_expire_attempts', [at, '1000', '1000', '5000']),
        mark: await keptPlan(client, 'scheduler_mark_dispatched', [`'{1}'`, `'{1}'`, '60000', `'x'`]),
        report: await keptPlan(client, 'scheduler_apply_reports', [`'{1}'`, `'{1}'`, `'{completed}'`, `'{NULL}'`, '60000', '1000', '5000', `'{t}'`, `'x'`]),
        triggers: await keptPlan(client, 'scheduler_lock_due_triggers', [at, '100']),
      };
      for (const plan of Object.values(plans)) expect(plan).not.toMatch(/Seq Scan on (tasks|triggers)/);
      // What is due (or overdue) is read off the partial due-time indexes, in due order.
      expect(plans.reserve).toMatch(/Index Scan using tasks_pending_due_idx on tasks/);
      expect(plans.claimDue).toMatch(/Index Scan using tasks_pending_due_idx on tasks/);
      expect(plans.claimStale).toMatch(/Index Scan using tasks_processing_due_idx on tasks/);
      expect(plans.expire).toMatch(/Index Scan using tasks_processing_due_idx on tasks/);
      expect(plans.triggers).toMatch(/Index Scan using triggers_due_idx on triggers/);
      // Tasks named by id are updated through the primary key, one lookup per id.
      for (const plan of [plans.mark, plans.report]) {
        expect(plan.slice(plan.indexOf('Update on tasks'))).toMatch(/Nested Loop\s+->\s+Function Scan on r\s+->\s+Index Scan using tasks_pkey on tasks t/);
      }
    });
  });
});
