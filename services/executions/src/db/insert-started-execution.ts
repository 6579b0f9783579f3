import { executionColumns, type ExecutionRow, type NewExecution } from './execution-rows';
import { insertLogsAndOutboxCtes } from './batch-ctes';
import type { NewLog } from './log-rows';
import { packOutboxRows, type OutboxRow } from './outbox-rows';
import type { NewStep } from './step-rows';
import type { Queryable } from '@conveyor/service-runtime';

/** One execution to start: its row, its first step, start log, outbox events, and its graph when not known stored. */
export interface StartedExecution {
  execution: NewExecution & { startedAt: Date };
  step: NewStep;
  graph: { key: string; json: string } | null;
  logs: NewLog[];
  outbox: OutboxRow[];
  /** Claim the first step for this process (`running`, with a lease) instead of dispatching it. */
  claimFirst: { claim: string; leaseSeconds: number } | null;
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
  const items = batch.map(({ execution: e, step: s, logs, outbox, claimFirst }, k) => ({
    k,
    id: e.id, tenant_id: e.tenantId, schema_id: e.schemaId, schema_version: e.schemaVersion, graph_key: e.graphKey, status: e.status,
    trigger: e.trigger, start_step: e.startStep, input: e.input ?? null, trigger_info: e.triggerInfo, idempotency_key: e.idempotencyKey,
    parent_execution_id: e.parentExecutionId, parent_step_id: e.parentStepId, started_at: e.startedAt.toISOString(),
    step_id: s.id, node_type: s.nodeType, claim: claimFirst?.claim ?? null, lease: claimFirst?.leaseSeconds ?? 0,
    logs: logs.map((l) => ({ id: l.id, execution_id: l.executionId, step_id: l.stepId, node_id: l.nodeId, level: l.level, message: l.message, data: l.data, time: l.time.toISOString() })),
    ob: packOutboxRows(outbox),
  }));
  const { rows } = await client.query<ExecutionRow>({
    name: 'executions.insert-started-executions',
    text: `with i as (
       select * from jsonb_to_recordset($1::jsonb) as x(id uuid, tenant_id text, schema_id text, schema_version int,
         graph_key text, status text, trigger text, start_step text, input jsonb, trigger_info jsonb, idempotency_key text,
         parent_execution_id uuid, parent_step_id uuid, started_at timestamptz, step_id uuid, node_type text, claim uuid,
         lease double precision, logs jsonb, ob jsonb, k int)
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
       insert into steps (id, execution_id, node_id, node_type, activation, attempt, status, ready, dispatched, input, claim, started_at, lease_until)
       select step_id, id, start_step, node_type, 1, 1, case when claim is null then 'pending' else 'running' end, true, claim is null, input,
         claim, case when claim is not null then now() end,
         case when claim is not null then now() + make_interval(secs => lease) end
       from w
     ), ${insertLogsAndOutboxCtes('w')}
     select * from e`,
    values: [JSON.stringify(items), [...graphs.keys()], [...graphs.values()]],
  });
  const byId = new Map(rows.map((row) => [row.id, row]));
  return batch.map((item) => byId.get(item.execution.id) ?? null);
}
