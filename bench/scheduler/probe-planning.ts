/**
 * Probe (not the benchmark): what PostgreSQL spends planning against executing each statement of a
 * due instant, for one task at a time, as while tasks come one by one (bench:scheduler (b)).
 * Every statement's text runs under `explain (analyze, summary)`, which plans and executes it
 * and reports both times: the cost of each run before the statements were prepared
 * (`named-statement.ts`), since when planning is paid once per connection.
 *   npx tsx bench/scheduler/probe-planning.ts   (ROUNDS=30)
 */
import { createTestDatabase, migrateServices } from '@conveyor/testing';
import pg from 'pg';
import { claimDueTasks } from '../../services/scheduler/src/db/claim-due-tasks';
import { recordTaskReports } from '../../services/scheduler/src/db/record-task-reports';
import { markReservationsDispatched, reserveUpcomingTasks } from '../../services/scheduler/src/db/reserve-upcoming-tasks';

const rounds = Number(process.env.ROUNDS ?? 30);
const db = await createTestDatabase('probe_plan');
await migrateServices(db.url, ['scheduler']);
const pool = new pg.Pool({ connectionString: db.url, max: 1, options: '-c random_page_cost=1.1' });
const client = await pool.connect();
const stats: Record<string, { plan: number[]; exec: number[] }> = {};

/** A `Queryable` that runs each statement under `explain analyze` and files its times under `label`. */
function explaining(label: string) {
  return {
    async query(statement: string | pg.QueryConfig, values?: unknown[]) {
      const text = typeof statement === 'string' ? statement : statement.text;
      const params = typeof statement === 'string' ? values : statement.values;
      const { rows } = await client.query(`explain (analyze, summary, format json) ${text}`, params);
      const plan = rows[0]['QUERY PLAN'][0];
      const entry = (stats[label] ??= { plan: [], exec: [] });
      entry.plan.push(plan['Planning Time']);
      entry.exec.push(plan['Execution Time']);
      // `explain analyze` ran it; its rows are read back by the caller's own select below.
      return { rows: [] };
    },
  } as unknown as pg.PoolClient;
}

for (let round = 0; round < rounds; round++) {
  await client.query(
    `insert into scheduler.tasks (tenant_id, task_type, payload, execute_at, due_at) values ('t', 'p', '{}', now() + interval '1 second', now() + interval '1 second')`,
  );
  const now = new Date();
  await reserveUpcomingTasks(explaining('reserve'), now, new Date(now.getTime() + 2_000), 1_000, 3_000);
  const { rows } = await client.query(`select id, attempts from scheduler.tasks where status = 'processing' and not dispatched`);
  const task = { id: Number(rows[0].id), attempts: rows[0].attempts } as never;
  await markReservationsDispatched(explaining('mark'), 'probe', [task], 60_000);
  await claimDueTasks(explaining('claim (nothing due)'), 'probe', new Date(), 1_000, 60_000);
  await recordTaskReports(explaining('report'), 'probe', [{ taskId: Number(rows[0].id), attempt: rows[0].attempts, outcome: 'completed' }], { baseMs: 1_000, maxMs: 5_000 }, 60_000);
  await client.query('delete from scheduler.outbox');
}
// The first rounds warm the connection's caches; the median of the rest.
const median = (xs: number[]) => xs.slice(2).sort((a, b) => a - b)[Math.floor((xs.length - 2) / 2)]!;
for (const [name, { plan, exec }] of Object.entries(stats)) console.log(`${name}: planning ${median(plan).toFixed(3)} ms, execution ${median(exec).toFixed(3)} ms`);
client.release();
await pool.end();
await db.drop();
