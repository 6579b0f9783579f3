/**
 * bench/scheduler: (a) drain 10,000 due-now tasks through JetStream to a no-op handler, tasks/s
 * end to end (status `completed` in PostgreSQL); (b) 1,000 tasks created through the API spread
 * over 30 s, lateness (handler start minus execute_at) p50/p99/max; (c) kill -9 the scheduler
 * during a drain like (a): nothing lost, nothing completed twice.
 * Own database, own NATS prefix, the real scheduler process. Prints the figures and writes
 * bench/scheduler/results/latest.json.
 *
 *   npx tsx bench/scheduler/run.ts      (DRAIN_TASKS=10000 LATENESS_TASKS=1000 SPREAD_S=30)
 *
 * (a) also prints the CPU time per task of each process during the drain (/proc; CPU_ALL=1 adds
 * every other process on the machine, to see a neighbour's load). DRAIN_ROUNDS=n runs (a) n times
 * in the same processes: the first round is the figure of record (a scheduler and handler fresh
 * from start, their code not yet optimized by V8), the later ones show the same drain warm.
 * PROFILE=1 has the scheduler write a V8 CPU profile of each drain round and of (b)'s spread
 * (`<PROFILE_DIR or /tmp>/scheduler-<pid>-<n>.cpuprofile`, bench/gateway/profile-on-signal.mjs).
 * (b) also prints the CPU time per task of each process over the spread.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  connectTestNats,
  createTestDatabase,
  createTestStreams,
  createTestTenant,
  deleteTestStreams,
  migrateServices,
  startServiceProcess,
  uniqueName,
  type RunningProcess,
} from '@conveyor/testing';
import pg from 'pg';
import { cpuPerTask, cpuSample as sampleAll } from '../cpu-sample';

const cpuSample = () => sampleAll('bench+handler');
import { startNoopHandler } from './noop-handler';
import { describeTaskEvents, percentile, readTaskEvents } from './task-events';

const drainTasks = Number(process.env.DRAIN_TASKS ?? 10_000);
const latenessTasks = Number(process.env.LATENESS_TASKS ?? 1_000);
const spreadS = Number(process.env.SPREAD_S ?? 30);
const only = process.env.ONLY?.split(',');

const db = await createTestDatabase('bench_scheduler');
await migrateServices(db.url, ['auth', 'scheduler']);
const nc = await connectTestNats();
const prefix = uniqueName('bench_sched');
await createTestStreams(nc, prefix);
const sql = new pg.Pool({ connectionString: db.url, max: 2 });
// The services run as the start command runs them (scripts/start.ts): a 32 MiB V8 semi-space
// unless NODE_SEMI_SPACE_MB says otherwise.
const semiSpaceMb = /^\d+$/.test(process.env.NODE_SEMI_SPACE_MB ?? '') ? process.env.NODE_SEMI_SPACE_MB : '32';
const nodeOptions = `${process.env.NODE_OPTIONS ?? ''} --max-semi-space-size=${semiSpaceMb}`.trim();
const profile = process.env.PROFILE === '1';
const profilePreload = join(import.meta.dirname, '../gateway/profile-on-signal.mjs');
const env = {
  DATABASE_URL: db.url,
  NATS_PREFIX: prefix,
  LOG_LEVEL: 'warn',
  DATABASE_POOL_MAX: '10',
  NODE_OPTIONS: profile ? `${nodeOptions} --import=${profilePreload}` : nodeOptions,
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function insertDueTasks(taskType: string, count: number, at: Date): Promise<void> {
  await sql.query(
    `insert into scheduler.tasks (tenant_id, task_type, payload, execute_at, due_at)
     select 'bench', $1, jsonb_build_object('n', n), $2, $2 from generate_series(1, $3) n`,
    [taskType, at, count],
  );
}

async function countByStatus(taskType: string): Promise<Record<string, number>> {
  const { rows } = await sql.query<{ status: string; n: number }>('select status, count(*)::int as n from scheduler.tasks where task_type = $1 group by status', [taskType]);
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

/**
 * Waits until every task of the type is completed. Polls what is still live (pending or
 * processing), which PostgreSQL reads through the dispatcher's partial indexes, instead of
 * counting completed rows: that count is a scan of the whole table, and 50 of them a second took
 * a noticeable share of the 2 cores away from the drain being measured. Completion is then
 * confirmed by one count.
 */
async function waitCompleted(taskType: string, count: number, pollMs = 20): Promise<number> {
  for (;;) {
    const { rows } = await sql.query<{ live: boolean }>(
      `select exists (select 1 from scheduler.tasks where status in ('pending', 'processing') and task_type = $1) as live`,
      [taskType],
    );
    if (!rows[0]!.live) {
      const at = Date.now();
      const done = (await sql.query<{ n: number }>(`select count(*)::int as n from scheduler.tasks where task_type = $1 and status = 'completed'`, [taskType])).rows[0]!.n;
      if (done >= count) return at;
    }
    await sleep(pollMs);
  }
}

const results: Record<string, unknown> = { machine: { cpus: (await import('node:os')).cpus().length, load: (await import('node:os')).loadavg() } };
// The real auth service issues the token the task API asks for (tasks are per tenant).
const auth = await startServiceProcess('auth', env);
const { admin } = await createTestTenant(auth.url, 'bench');
let scheduler: RunningProcess & { url: string } = await startServiceProcess('scheduler', env);

// (a) drain
for (let round = 0; round < Number(process.env.DRAIN_ROUNDS ?? 1) && (!only || only.includes('drain')); round++) {
  const handler = await startNoopHandler(nc, prefix, `bench_drain${round || ''}`);
  const at = new Date(Date.now() + 3_000);
  await insertDueTasks(`bench_drain${round || ''}`, drainTasks, at);
  const wait = at.getTime() - Date.now();
  if (wait > 0) await sleep(wait);
  const cpuBefore = cpuSample();
  if (profile) scheduler.child.kill('SIGUSR2');
  const done = await waitCompleted(`bench_drain${round || ''}`, drainTasks);
  const cpu = cpuPerTask(cpuBefore, cpuSample(), drainTasks);
  if (profile) scheduler.child.kill('SIGUSR2');
  const seconds = (done - at.getTime()) / 1000;
  await handler.stop();
  const drain = {
    tasks: drainTasks,
    seconds,
    tasks_per_s: Math.round(drainTasks / seconds),
    deliveries: [...handler.deliveries.values()].reduce((a, b) => a + b, 0),
    cpu_us_per_task: cpu,
  };
  if (round === 0) results.drain = drain;
  else results.drain_warm = [...((results.drain_warm as unknown[]) ?? []), drain];
  console.log(`(a) drain${round ? ` round ${round + 1} (warm)` : ''}: ${drainTasks} tasks completed in ${seconds.toFixed(2)} s = ${drain.tasks_per_s} tasks/s end to end (last delivery after ${((handler.lastDeliveredAt - at.getTime()) / 1000).toFixed(2)} s, last report answered after ${((handler.lastAcceptedAt - at.getTime()) / 1000).toFixed(2)} s)`);
  console.log(`    CPU µs per task during the drain: ${Object.entries(cpu).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  // Read after the measurement: what live status was shown of the drain.
  const events = await readTaskEvents(nc, sql, prefix, `bench_drain${round || ''}`);
  Object.assign(drain, { task_events: events });
  console.log(describeTaskEvents(events));
}

// (b) lateness
if (!only || only.includes('lateness')) {
  const handler = await startNoopHandler(nc, prefix, 'bench_late');
  const start = Date.now() + 20_000;
  const times = Array.from({ length: latenessTasks }, () => new Date(start + Math.random() * spreadS * 1000));
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < times.length) {
        const executeAt = times[next++]!;
        const response = await fetch(`${scheduler.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: admin.authorization },
          body: JSON.stringify({
            query: 'mutation($input: CreateTaskInput!) { createTask(input: $input) { id } }',
            variables: { input: { executeAt: executeAt.toISOString(), taskType: 'bench_late', payload: { at: executeAt.toISOString() } } },
          }),
        });
        const body = (await response.json()) as { errors?: unknown };
        if (body.errors) throw new Error(JSON.stringify(body.errors));
      }
    }),
  );
  const created = Date.now();
  // CPU over the spread (from the first due time), per task: the cost of dispatching one at a time.
  await sleep(Math.max(0, start - Date.now()));
  const cpuBefore = cpuSample();
  if (profile) scheduler.child.kill('SIGUSR2');
  await waitCompleted('bench_late', latenessTasks, 200);
  const cpu = cpuPerTask(cpuBefore, cpuSample(), latenessTasks);
  if (profile) scheduler.child.kill('SIGUSR2');
  await handler.stop();
  const late = [...handler.lateness.values()].sort((a, b) => a - b);
  const stored = [...handler.publishLateness.values()].sort((a, b) => a - b);
  const lateness = {
    tasks: latenessTasks,
    spread_s: spreadS,
    creation_finished_ms_before_first_due: start - created,
    p50_ms: percentile(late, 50),
    p99_ms: percentile(late, 99),
    max_ms: late[late.length - 1],
    min_ms: late[0],
    stored_in_jetstream_p50_ms: percentile(stored, 50),
    stored_in_jetstream_p99_ms: percentile(stored, 99),
    stored_in_jetstream_max_ms: stored[stored.length - 1],
    cpu_us_per_task: cpu,
  };
  results.lateness = lateness;
  console.log(`(b) lateness over ${latenessTasks} tasks spread over ${spreadS} s: p50 ${lateness.p50_ms} ms, p99 ${lateness.p99_ms} ms, max ${lateness.max_ms} ms (min ${lateness.min_ms} ms); stored in JetStream p50 ${lateness.stored_in_jetstream_p50_ms} ms, p99 ${lateness.stored_in_jetstream_p99_ms} ms, max ${lateness.stored_in_jetstream_max_ms} ms after execute_at`);
  console.log(`    CPU µs per task over the spread: ${Object.entries(cpu).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  const events = await readTaskEvents(nc, sql, prefix, 'bench_late');
  Object.assign(lateness, { task_events: events });
  console.log(describeTaskEvents(events));
}

// (c) kill -9 during a drain
if (!only || only.includes('kill')) {
  const handler = await startNoopHandler(nc, prefix, 'bench_kill');
  const at = new Date(Date.now() + 2_000);
  await insertDueTasks('bench_kill', drainTasks, at);
  while (handler.accepted.size < drainTasks * 0.3) await sleep(5);
  const acceptedAtKill = handler.accepted.size;
  await scheduler.stop('SIGKILL');
  const statusAtKill = await countByStatus('bench_kill');
  scheduler = await startServiceProcess('scheduler', env);
  await waitCompleted('bench_kill', drainTasks);
  await sleep(500);
  await handler.stop();
  const final = await countByStatus('bench_kill');
  const completedTwice = [...handler.accepted.values()].filter((n) => n > 1).length;
  const sameAttemptTwice = [...handler.deliveries.values()].filter((n) => n > 1).length;
  const retried = (await sql.query<{ n: number }>(`select count(*)::int as n from scheduler.tasks where task_type = 'bench_kill' and attempts > 1`)).rows[0]!.n;
  const kill = {
    tasks: drainTasks,
    accepted_reports_at_kill: acceptedAtKill,
    status_at_kill: statusAtKill,
    final_status: final,
    lost: drainTasks - (final.completed ?? 0),
    tasks_with_accepted_reports: handler.accepted.size,
    tasks_whose_reply_was_lost_in_the_kill: handler.alreadyCompleted.size,
    completed_twice: completedTwice,
    same_attempt_delivered_twice: sameAttemptTwice,
    tasks_retried_after_kill: retried,
  };
  results.kill = kill;
  console.log(
    `(c) kill -9 at ${acceptedAtKill}/${drainTasks} completed: final ${JSON.stringify(final)}, lost ${kill.lost}, completed twice ${completedTwice}, same attempt delivered twice ${sameAttemptTwice}, retried (attempt > 1) ${retried}`,
  );
}

await scheduler.stop();
await auth.stop();
const dir = join(import.meta.dirname, 'results');
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'latest.json'), `${JSON.stringify({ at: new Date().toISOString(), ...results }, null, 2)}\n`);
await sql.end();
await deleteTestStreams(nc, prefix);
await nc.drain();
await db.drop();
