import { executionColumns, type ExecutionRow, type NewExecution } from './execution-rows';
import type { NewLog } from './log-rows';
import { packOutboxRows, type OutboxRow } from './outbox-rows';
import type { NewStep } from './step-rows';
import type { Queryable } from '@conveyor/service-runtime';

/**
 * A new execution with its first (dispatched) step, its start log and its outbox events, and
 * the graph when it is not known stored, in ONE statement: one round trip per start instead of
 * five. With an idempotency key already used for the schema nothing is written and null is
 * returned (the unique index decides concurrent calls).
 */
export async function insertStartedExecution(
  client: Queryable,
  input: {
    execution: NewExecution & { startedAt: Date };
    step: NewStep;
    graph: { key: string; json: string } | null;
    logs: NewLog[];
    outbox: OutboxRow[];
    /** Claim the first step for this process (`running`, with a lease) instead of dispatching it. */
    claimFirst: { claim: string; leaseSeconds: number } | null;
  },
): Promise<ExecutionRow | null> {
  const { execution: e, step: s } = input;
  const { rows } = await client.query<ExecutionRow>({
    name: 'executions.insert-started-execution',
    text: `with g as (
       insert into graphs (key, graph) select $20::text, $21::jsonb where $21::jsonb is not null on conflict (key) do nothing
     ), e as (
       insert into executions (id, tenant_id, schema_id, schema_version, graph_key, status, trigger, current_step, start_step,
         input, trigger_info, idempotency_key, parent_execution_id, parent_step_id, started_at, updated_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $10, $11, $12, $13, $14, $14)
       on conflict (tenant_id, schema_id, idempotency_key) where idempotency_key is not null do nothing
       returning ${executionColumns}
     ), s as (
       insert into steps (id, execution_id, node_id, node_type, activation, attempt, status, ready, dispatched, input, claim, started_at, lease_until)
       select $15, e.id, $8, $16, 1, 1, case when $29::uuid is null then 'pending' else 'running' end, true, $29::uuid is null, $9,
         $29::uuid, case when $29::uuid is not null then now() end,
         case when $29::uuid is not null then now() + make_interval(secs => $30::double precision) end
       from e
     ), l as (
       insert into logs (id, execution_id, step_id, node_id, level, message, data, time)
       select * from unnest($17::uuid[], $18::uuid[], $22::uuid[], $23::text[], $24::text[], $25::text[], $26::jsonb[], $27::timestamptz[])
       where exists (select 1 from e)
     ), o as (
       insert into outbox (subject, payload)
       select subject, payload from unnest($19::text[], $28::jsonb[]) as x(subject, payload) where exists (select 1 from e)
     )
     select * from e`,
    values: [
      e.id, e.tenantId, e.schemaId, e.schemaVersion, e.graphKey, e.status, e.trigger, e.startStep,
      JSON.stringify(e.input ?? null),
      e.triggerInfo === null ? null : JSON.stringify(e.triggerInfo),
      e.idempotencyKey, e.parentExecutionId, e.parentStepId, e.startedAt,
      s.id, s.nodeType,
      input.logs.map((l) => l.id), input.logs.map((l) => l.executionId),
      packOutboxRows(input.outbox).map((r) => r.subject),
      input.graph?.key ?? null, input.graph?.json ?? null,
      input.logs.map((l) => l.stepId), input.logs.map((l) => l.nodeId), input.logs.map((l) => l.level), input.logs.map((l) => l.message),
      input.logs.map((l) => (l.data === null ? null : JSON.stringify(l.data))), input.logs.map((l) => l.time.toISOString()),
      packOutboxRows(input.outbox).map((r) => JSON.stringify(r.payload)),
      input.claimFirst?.claim ?? null,
      input.claimFirst?.leaseSeconds ?? 0,
    ],
  });
  return rows[0] ?? null;
}
