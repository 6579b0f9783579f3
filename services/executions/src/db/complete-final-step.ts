import type { NewLog } from './log-rows';
import { packOutboxRows, type OutboxRow } from './outbox-rows';
import type { Queryable } from '@conveyor/service-runtime';
import { executionColumns, type ExecutionRow } from './execution-rows';

export interface FinalCompletion {
  executionId: string;
  stepId: string;
  nodeId: string;
  claim: string;
  output: unknown;
  ports: string[] | null;
  finishedAt: Date;
  logs: NewLog[];
  outbox: OutboxRow[];
}

/**
 * The last step of an execution that can have only one open step at a time (no node fans out),
 * completed with the execution in ONE statement: lock the execution (running or paused), finish
 * the claimed step, complete the execution with the step's output, insert the logs and the outbox
 * events. The execution is completed only if the step was (the claim still held), so a stale
 * claim writes nothing. The general path costs seven round trips for the same (begin, lock,
 * finish, count open steps, update, logs+outbox, commit). Returns the completed execution, or null
 * when nothing was written.
 */
export async function completeFinalStep(client: Queryable, c: FinalCompletion): Promise<ExecutionRow | null> {
  const { rows } = await client.query<ExecutionRow>({
    name: 'executions.complete-final-step',
    text: `with e as (
       select id from executions where id = $1 and status in ('running', 'paused') for update
     ), s as (
       update steps set status = 'completed', output = $5, ports = $6, error = null, wait = null, lease_until = null, finished_at = now()
       where id = $2 and status = 'running' and claim = $4 and exists (select 1 from e) returning id
     ), x as (
       update executions set status = 'completed', current_step = $3, output = $5, error = null, finished_at = $7, updated_at = $7
       where id = $1 and exists (select 1 from s) returning ${executionColumns}
     ), l as (
       insert into logs (id, execution_id, step_id, node_id, level, message, data, time)
       select * from unnest($8::uuid[], $9::uuid[], $10::uuid[], $11::text[], $12::text[], $13::text[], $14::jsonb[], $15::timestamptz[])
       where exists (select 1 from s)
       returning id
     ), o as (
       insert into outbox (subject, payload)
       select subject, payload from unnest($16::text[], $17::jsonb[]) as x(subject, payload)
       where exists (select 1 from s)
       returning id
     )
     select * from x`,
    values: [
      c.executionId,
      c.stepId,
      c.nodeId,
      c.claim,
      JSON.stringify(c.output ?? null),
      c.ports ? JSON.stringify(c.ports) : null,
      c.finishedAt,
      c.logs.map((l) => l.id),
      c.logs.map((l) => l.executionId),
      c.logs.map((l) => l.stepId),
      c.logs.map((l) => l.nodeId),
      c.logs.map((l) => l.level),
      c.logs.map((l) => l.message),
      c.logs.map((l) => (l.data === null ? null : JSON.stringify(l.data))),
      c.logs.map((l) => l.time.toISOString()),
      packOutboxRows(c.outbox).map((r) => r.subject),
      packOutboxRows(c.outbox).map((r) => JSON.stringify(r.payload)),
    ],
  });
  return rows[0] ?? null;
}
