/**
 * Probe (not the benchmark): the dispatch and report statements alone, 1,000 tasks each, timed
 * per round with their outbox rows, plus the relay's read and delete of those rows (its own
 * statement, cycle after cycle until the outbox is empty; publishing is not part of it).
 *   npx tsx bench/scheduler/probe-statements.ts   (ROUNDS=10 N=1000)
 */
import { openRelayCycleSql, outboxReadSql } from '@conveyor/service-runtime';
import { createTestDatabase, migrateServices } from '@conveyor/testing';
import pg from 'pg';
import { claimDueTasks } from '../../services/scheduler/src/db/claim-due-tasks';
import { recordTaskReports } from '../../services/scheduler/src/db/record-task-reports';

const rounds = Number(process.env.ROUNDS ?? 10);
const n = Number(process.env.N ?? 1000);
const db = await createTestDatabase('probe_sched');
await migrateServices(db.url, ['scheduler']);
const pool = new pg.Pool({ connectionString: db.url, max: 2 });
const retry = { baseMs: 1000, maxMs: 5000 };
const ms = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e6;
const times: Record<string, number[]> = { claim: [], report: [], relay: [] };

for (let round = 0; round < rounds; round++) {
  await pool.query(
    `insert into scheduler.tasks (tenant_id, task_type, payload, execute_at, due_at)
     select 'bench', 'probe', jsonb_build_object('n', n), now(), now() from generate_series(1, $1) n`,
    [n],
  );
  const client = await pool.connect();
  let t = process.hrtime.bigint();
  await client.query('begin');
  const tasks = await claimDueTasks(client, 'probe', new Date(Date.now() + 1000), n, 60_000);
  await client.query('commit');
  times.claim!.push(ms(t));
  t = process.hrtime.bigint();
  await client.query('begin');
  await recordTaskReports(client, 'probe', tasks.map((task) => ({ taskId: task.id, attempt: task.attempts, outcome: 'completed' as const })), retry, 60_000);
  await client.query('commit');
  times.report!.push(ms(t));
  t = process.hrtime.bigint();
  // The relay's cycles (its own read statement, 256 rows a cycle) until the outbox is empty.
  for (;;) {
    const results = (await client.query(`${openRelayCycleSql('scheduler.outbox', 30_000)}; ${outboxReadSql('scheduler.outbox', 256, 'json')}`)) as unknown as pg.QueryResult<{ id: string }>[];
    const ids = [...new Set(results.at(-1)!.rows.map((r) => r.id))];
    await client.query(ids.length > 0 ? `delete from scheduler.outbox where id in (${ids.join(',')}); commit` : 'commit');
    if (ids.length === 0) break;
  }
  times.relay!.push(ms(t));
  client.release();
}
for (const [name, list] of Object.entries(times)) {
  const sorted = list.slice(1).sort((a, b) => a - b);
  console.log(`${name}: median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} ms, min ${sorted[0]!.toFixed(1)} ms per ${n} tasks`);
}
await pool.end();
await db.drop();
