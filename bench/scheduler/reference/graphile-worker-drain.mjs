/**
 * Reference, not part of the platform: the drain of bench:scheduler (a) done by graphile-worker,
 * the job queue the scheduler issue compares against, on the same machine on the same day. The
 * VM's speed varies from day to day (the scheduler's own drain has ranged from 4,000 to 16,000
 * tasks/s), so the issue's reference figures only compare with ours when measured beside them.
 *
 * 10,000 jobs due at one instant 3 s ahead, a no-op task, a worker started fresh (concurrency 24,
 * a local queue of 500 jobs: graphile-worker's batching, completions batched); tasks/s from the due
 * instant until the jobs table is empty (a job is deleted when it completes). ROUNDS=2 adds a warm
 * round in the same worker, as DRAIN_ROUNDS=2 does for ours. Each round also prints the CPU time
 * per job of PostgreSQL and of the worker (this process), sampled as bench:scheduler samples ours
 * (`bench/cpu-sample.ts`). graphile-worker is not a dependency of the project; install it in a
 * scratch directory and run this file from there with the project's tsx (for the sampler):
 *
 *   mkdir -p /tmp/gw && cd /tmp/gw && npm init -y && npm install graphile-worker@0.18.0 pg@8
 *   /path/to/node_modules/.bin/tsx /path/to/bench/scheduler/reference/graphile-worker-drain.mjs   (N=10000 ROUNDS=2 CONCURRENCY=24 LOCAL_QUEUE=500)
 */
import { createRequire } from 'node:module';
import { cpuPerTask, cpuSample } from '../../cpu-sample.ts';

const require = createRequire(`${process.cwd()}/`);
const { Logger, run, runMigrations } = require('graphile-worker');
const pg = require('pg');

const n = Number(process.env.N ?? 10_000);
const base = process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
const database = `gw_reference_${process.pid}`;
const admin = new pg.Client({ connectionString: `${base}/postgres` });
await admin.connect();
await admin.query(`create database ${database}`);
const connectionString = `${base}/${database}`;
const logger = new Logger(() => () => {});
// The drop below ends every session of the database with `force`. graphile-worker may still hold
// a client it has not given back by then; without listeners on the pool and on each client, that
// session's end failed the script after the figures were printed.
function quietOnDrop(somePool) {
  somePool.on('error', () => {});
  somePool.on('connect', (client) => client.on('error', () => {}));
  return somePool;
}
try {
  // The worker's own pool, the size graphile-worker gives its pool by default (10), so that it is
  // ended before the database is dropped. Migrations run on it too: given only a connection
  // string, graphile-worker made a pool of its own that outlived the run, and the drop's `force`
  // then failed the script with an unhandled pool error after the figures were printed.
  const workerPool = new pg.Pool({ connectionString, max: 10 });
  quietOnDrop(workerPool);
  await runMigrations({ pgPool: workerPool, logger });
  const runner = await run({
    pgPool: workerPool,
    logger,
    concurrency: Number(process.env.CONCURRENCY ?? 24),
    noHandleSignals: true,
    pollInterval: 1_000,
    preset: { worker: { localQueue: { size: Number(process.env.LOCAL_QUEUE ?? 500) }, completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
    taskList: { noop: async () => {} },
  });
  const pool = quietOnDrop(new pg.Pool({ connectionString, max: 2 }));
  for (let round = 0; round < Number(process.env.ROUNDS ?? 2); round++) {
    const at = new Date(Date.now() + 3_000);
    await pool.query(
      `select graphile_worker.add_jobs(array(
         select json_populate_record(null::graphile_worker.job_spec, json_build_object('identifier', 'noop', 'payload', json_build_object('n', g), 'run_at', $1::timestamptz))
         from generate_series(1, $2) g))`,
      [at, n],
    );
    await new Promise((resolve) => setTimeout(resolve, at.getTime() - Date.now()));
    const cpuBefore = cpuSample('worker');
    for (;;) {
      const { rows } = await pool.query('select exists (select 1 from graphile_worker._private_jobs) as live');
      if (!rows[0].live) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const seconds = (Date.now() - at.getTime()) / 1000;
    const cpu = cpuPerTask(cpuBefore, cpuSample('worker'), n);
    console.log(`graphile-worker drain${round ? ` round ${round + 1} (warm)` : ''}: ${n} jobs in ${seconds.toFixed(2)} s = ${Math.round(n / seconds)} jobs/s`);
    console.log(`    CPU µs per job: ${Object.entries(cpu).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  }
  await runner.stop();
  await workerPool.end();
  await pool.end();
} finally {
  await admin.query(`drop database ${database} with (force)`);
  await admin.end();
}
