import { executionColumns, type ExecutionRow } from './execution-rows';
import { insertLogsAndOutboxCtes } from './batch-ctes';
import type { NewLog } from './log-rows';
import { packOutboxRows, type OutboxRow } from './outbox-rows';
import type { Queryable } from '@conveyor/service-runtime';

/**
 * A completed step committed through the fast path: it finishes the claimed step, inserts its
 * successors (none for a `final` step, which completes its execution instead), its logs and its
 * outbox events. See `canCompleteFast` / `canFinishFast` for which steps qualify.
 */
export interface StepCompletion {
  executionId: string;
  stepId: string;
  nodeId: string;
  claim: string;
  output: unknown;
  ports: string[] | null;
  /** The last step of its execution: the execution completes with the step's output at `finishedAt`. */
  final: { finishedAt: Date } | null;
  successors: Array<{ id: string; nodeId: string; nodeType: string }>;
  logs: NewLog[];
  outbox: OutboxRow[];
  /**
   * Claim the (single) successor for this worker instead of dispatching it, when the execution
   * runs: it is inserted `running` with this claim and a lease of `leaseSeconds`.
   */
  continueWith: { claim: string; leaseSeconds: number } | null;
}

/** What one completion wrote: nothing (`null`: the claim was stale or the execution is over), or this. */
export interface CommittedStep {
  /** The execution's status after the commit (`running`, `paused`, or `completed` for a final step). */
  status: string;
  /** The successor was claimed for this worker (`continueWith`, execution running). */
  continued: boolean;
  /** A final step: the completed execution as committed. */
  execution: ExecutionRow | null;
}

/**
 * Group commit: many executions' completed steps in ONE statement (one round trip, one implicit
 * transaction, one WAL flush). Each completion is guarded on its own: its execution must be
 * `running` or `paused` (locked first, in id order, so two batches cannot deadlock each other)
 * and its step still `running` under its claim; a completion that fails the guard writes
 * nothing and the others commit. At most one completion per execution in a batch (the caller
 * keeps them apart), so every execution row is updated once.
 *
 * A named (prepared) statement: planning it costs PostgreSQL ~0.4 ms, more than running it for
 * one item. Its generic plan is made early, when the tables may still be small; the executions
 * are looked up by key (the lock by `any($2)`, the update by each completion's id) and the
 * connections plan with an SSD-class `random_page_cost` (`DATABASE_RANDOM_PAGE_COST`), so that
 * plan uses the primary key and stays right as the tables grow. (With PostgreSQL's default cost it
 * read the whole executions table once per commit: ~550 rows per execution under bench/engine,
 * growing with the table.) The update names only its own id: with `any($2)` as well, PostgreSQL 15
 * ran one index descent per id of the batch for every row it updated (N² per batch: 46 index
 * scans per execution at 50 clients, for 3 rows updated).
 *
 * The completions travel as one jsonb array (one parse in PostgreSQL, one `JSON.stringify` here)
 * rather than a dozen parallel arrays. The previous per-step statements (`complete-step-fast`,
 * `complete-final-step`) cost one round trip each; under load that round trip, not the SQL, was
 * most of both PostgreSQL's and this process's CPU (docs/engine.md).
 */
export async function commitStepBatch(client: Queryable, batch: StepCompletion[]): Promise<Array<CommittedStep | null>> {
  const items = batch.map((c, k) => ({
    k,
    e: c.executionId,
    s: c.stepId,
    n: c.nodeId,
    c: c.claim,
    o: c.output ?? null,
    p: c.ports,
    f: c.final !== null,
    fa: c.final?.finishedAt.toISOString() ?? null,
    cc: c.continueWith?.claim ?? null,
    ls: c.continueWith?.leaseSeconds ?? 0,
    succ: c.successors.map((s) => ({ id: s.id, node_id: s.nodeId, node_type: s.nodeType })),
    logs: c.logs.map((l) => ({ id: l.id, execution_id: l.executionId, step_id: l.stepId, node_id: l.nodeId, level: l.level, message: l.message, data: l.data, time: l.time.toISOString() })),
    ob: packOutboxRows(c.outbox),
  }));
  const { rows } = await client.query<{ k: number; es: string; run: boolean } & Partial<ExecutionRow>>({
    name: 'executions.commit-step-batch',
    text: `with i as (
       select * from jsonb_to_recordset($1::jsonb) as x(k int, e uuid, s uuid, n text, c uuid, o jsonb, p jsonb, f boolean,
         fa timestamptz, cc uuid, ls double precision, succ jsonb, logs jsonb, ob jsonb)
     ), lk as (
       select x.id, x.status from executions x
       where x.id = any($2::uuid[]) and x.status in ('running', 'paused')
       order by x.id for update
     ), st as (
       update steps t set status = 'completed', output = i.o, ports = i.p, error = null, wait = null, lease_until = null, finished_at = now()
       from i join lk on lk.id = i.e
       -- execution_id too: without it the planner may take steps_open_idx and scan every open
       -- step once per item (measured 45 ms for 100 items against 10 ms, probe-commit-batch.ts).
       where t.id = i.s and t.execution_id = i.e and t.status = 'running' and t.claim = i.c
       returning i.k, i.e, i.n, i.o, i.f, i.fa, i.cc, i.ls, i.succ, i.logs, i.ob, lk.status as es,
         (i.cc is not null and not i.f and lk.status = 'running') as run
     ), ex as (
       update executions x set current_step = st.n,
         status = case when st.f then 'completed' else x.status end,
         output = case when st.f then st.o else x.output end,
         error = case when st.f then null else x.error end,
         finished_at = case when st.f then st.fa else x.finished_at end,
         updated_at = case when st.f then st.fa else now() end
       from st where x.id = st.e
       returning st.k as "batchKey", st.f as "batchFinal", ${executionColumns}
     ), n as (
       insert into steps (id, execution_id, node_id, node_type, activation, attempt, status, ready, dispatched, input, claim, started_at, lease_until)
       select y.id, st.e, y.node_id, y.node_type, 1, 1, case when st.run then 'running' else 'pending' end, true,
         st.es = 'running' and not st.run, st.o,
         case when st.run then st.cc end, case when st.run then now() end,
         case when st.run then now() + make_interval(secs => st.ls) end
       from st cross join lateral jsonb_to_recordset(st.succ) as y(id uuid, node_id text, node_type text)
       where not st.f
     ), ${insertLogsAndOutboxCtes('st')}
     select st.k, case when st.f then 'completed' else st.es end as es, st.run, ex.*
     from st left join ex on ex."batchKey" = st.k and ex."batchFinal"`,
    values: [JSON.stringify(items), batch.map((c) => c.executionId)],
  });
  const results: Array<CommittedStep | null> = batch.map(() => null);
  for (const row of rows) {
    let execution: ExecutionRow | null = null;
    if (batch[row.k]!.final !== null) {
      const { k: _k, es: _es, run: _run, batchKey: _b, batchFinal: _f, ...columns } = row as typeof row & { batchKey: number; batchFinal: boolean };
      execution = columns as ExecutionRow;
    }
    results[row.k] = { status: row.es, continued: row.run, execution };
  }
  return results;
}
