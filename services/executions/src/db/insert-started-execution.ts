import { executionColumns, type ExecutionRow, type NewExecution } from './execution-rows';
import { insertLogsAndOutboxCtes } from './batch-ctes';
import type { NewLog } from './log-rows';
import { packOutboxRows, type OutboxRow } from './outbox-rows';
import type { NewStep } from './step-rows';
import type { Queryable } from '@conveyor/service-runtime';

/** One execution to start: its row, its first step (done or not), start log, outbox events, and its graph when not known stored. */
export interface StartedExecution {
  execution: NewExecution & { startedAt: Date };
  step: NewStep;
  graph: { key: string; json: string } | null;
  logs: NewLog[];
  outbox: OutboxRow[];
  /** Claim the first step for this process (`running`, with a lease) instead of dispatching it. */
  claimFirst: { claim: string; leaseSeconds: number } | null;
  /**
   * The first step ran before the start (a trigger, `runTriggerAtStart`): it is written
   * `completed` with this output, and its successors are inserted ready, dispatched, or the single
   * one claimed for this process with `continueWith` (as `commitStepBatch` does).
   */
  firstDone: {
    output: unknown;
    ports: string[] | null;
    successors: Array<{ id: string; nodeId: string; nodeType: string }>;
    continueWith: { claim: string; leaseSeconds: number } | null;
  } | null;
}

/**
 * New executions, each with its first step (dispatched, or claimed for this process), its start
 * log and its outbox events, and the graphs not known stored, in ONE statement: one round trip
 * for a whole group of starts (group commit; a subflow's start passes one, in its parent's
 * transaction). An execution whose idempotency key was already used for the schema writes
 * nothing and gets null (the unique index decides concurrent calls, and two calls with the same
 * key in one statement: the second inserts nothing).
 */
export async function insertStartedExecutions(client: Queryable, batch: StartedExecution[]): Promise<Array<ExecutionRow | null>> {
  const graphs = new Map<string, string>();
  for (const item of batch) if (item.graph) graphs.set(item.graph.key, item.graph.json);
  const items = batch.map(({ execution: e, step: s, logs, outbox, claimFirst, firstDone }, k) => ({
    k,
    id: e.id, tenant_id: e.tenantId, schema_id: e.schemaId, schema_version: e.schemaVersion, graph_key: e.graphKey, status: e.status,
    trigger: e.trigger, start_step: e.startStep, input: e.input ?? null, trigger_info: e.triggerInfo, idempotency_key: e.idempotencyKey,
    parent_execution_id: e.parentExecutionId, parent_step_id: e.parentStepId, started_at: e.startedAt.toISOString(),
    step_id: s.id, node_type: s.nodeType, claim: claimFirst?.claim ?? null, lease: claimFirst?.leaseSeconds ?? 0,
    done: firstDone !== null, out: firstDone?.output ?? null, ports: firstDone?.ports ?? null,
    succ: firstDone?.successors.map((y) => ({ id: y.id, node_id: y.nodeId, node_type: y.nodeType })) ?? [],
    cc: firstDone?.continueWith?.claim ?? null, ls: firstDone?.continueWith?.leaseSeconds ?? 0,
    logs: logs.map((l) => ({ id: l.id, execution_id: l.executionId, step_id: l.stepId, node_id: l.nodeId, level: l.level, message: l.message, data: l.data, time: l.time.toISOString() })),
    ob: packOutboxRows(outbox),
  }));
  const { rows } = await client.query<ExecutionRow>({
    name: 'executions.insert-started-executions',
    text: `with i as (
       select * from jsonb_to_recordset($1::jsonb) as x(id uuid, tenant_id text, schema_id text, schema_version int,
         graph_key text, status text, trigger text, start_step text, input jsonb, trigger_info jsonb, idempotency_key text,
         parent_execution_id uuid, parent_step_id uuid, started_at timestamptz, step_id uuid, node_type text, claim uuid,
         lease double precision, done boolean, out jsonb, ports jsonb, succ jsonb, cc uuid, ls double precision, logs jsonb, ob jsonb, k int)
     ), g as (
       insert into graphs (key, graph) select * from unnest($2::text[], $3::jsonb[]) on conflict (key) do nothing
     ), e as (
       insert into executions (id, tenant_id, schema_id, schema_version, graph_key, status, trigger, current_step, start_step,
         input, trigger_info, idempotency_key, parent_execution_id, parent_step_id, started_at, updated_at)
       select id, tenant_id, schema_id, schema_version, graph_key, status, trigger, start_step, start_step,
         input, trigger_info, idempotency_key, parent_execution_id, parent_step_id, started_at, started_at
       from i order by k
       on conflict (tenant_id, schema_id, idempotency_key) where idempotency_key is not null do nothing
       returning ${executionColumns}
     ), w as (
       select i.* from i join e on e.id = i.id
     ), s as (
       -- The first step, and the successors of a first step done at the start (as commit-step-batch
       -- inserts them), in one insert so that each execution's steps take their seq in this order.
       insert into steps (id, execution_id, node_id, node_type, activation, attempt, status, ready, dispatched, input, output, ports,
         claim, started_at, finished_at, lease_until)
       select id, execution_id, node_id, node_type, 1, 1, status, true, dispatched, input, output, ports, claim,
         case when status <> 'pending' then now() end, case when status = 'completed' then now() end,
         case when claim is not null then now() + make_interval(secs => lease) end
       from (
         select w.k, 0 as n, w.step_id as id, w.id as execution_id, w.start_step as node_id, w.node_type,
           case when w.done then 'completed' when w.claim is null then 'pending' else 'running' end as status,
           w.claim is null and not w.done as dispatched, w.input, case when w.done then w.out end as output,
           case when w.done then w.ports end as ports, w.claim, w.lease
         from w
         union all
         select w.k, 1, y.id, w.id, y.node_id, y.node_type, case when w.cc is null then 'pending' else 'running' end,
           w.cc is null, w.out, null, null, w.cc, w.ls
         from w cross join lateral jsonb_to_recordset(w.succ) as y(id uuid, node_id text, node_type text)
         where w.done
       ) f
       order by k, n
     ), ${insertLogsAndOutboxCtes('w')}
     select * from e`,
    values: [JSON.stringify(items), [...graphs.keys()], [...graphs.values()]],
  });
  const byId = new Map(rows.map((row) => [row.id, row]));
  return batch.map((item) => byId.get(item.execution.id) ?? null);
}
