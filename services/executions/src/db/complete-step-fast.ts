import type { NewLog } from './log-rows';
import type { OutboxRow } from './outbox-rows';
import type { Queryable } from '@conveyor/service-runtime';

export interface FastCompletion {
  executionId: string;
  stepId: string;
  nodeId: string;
  claim: string;
  output: unknown;
  ports: string[] | null;
  successors: Array<{ id: string; nodeId: string; nodeType: string }>;
  logs: NewLog[];
  outbox: OutboxRow[];
}

/**
 * The common step commit in ONE statement (so one round trip, one implicit transaction): lock the
 * execution (running or paused) and record where it is, finish the claimed step, insert its
 * successors as ready (dispatched unless paused), its logs and its outbox events. Every write
 * depends on the step update, so a stale claim writes nothing. Returns the execution's status,
 * or null when nothing was written. Only for steps whose successors need no join and that take
 * every outgoing edge (the caller checks); anything else goes through the general transition.
 *
 * Measured on the 2-core machine (probe, sequential executions): the general transaction costs
 * six round trips per step (begin, lock, finish, insert, logs+outbox, commit); this costs one.
 */
export async function completeStepFast(client: Queryable, c: FastCompletion): Promise<{ status: string } | null> {
  const { rows } = await client.query<{ status: string | null; finished: number }>(
    `with e as (
       update executions set current_step = $3, updated_at = now()
       where id = $1 and status in ('running', 'paused') returning status
     ), s as (
       update steps set status = 'completed', output = $5, ports = $6, error = null, wait = null, finished_at = now()
       where id = $2 and status = 'running' and claim = $4 and exists (select 1 from e) returning id
     ), n as (
       insert into steps (id, execution_id, node_id, node_type, activation, attempt, status, ready, dispatched, input)
       select x.id, $1, x.node_id, x.node_type, 1, 1, 'pending', true, (select status from e) = 'running', $5
       from unnest($7::uuid[], $8::text[], $9::text[]) as x(id, node_id, node_type)
       where exists (select 1 from s)
       returning id
     ), l as (
       insert into logs (id, execution_id, step_id, node_id, level, message, data, time)
       select * from unnest($10::uuid[], $11::uuid[], $12::uuid[], $13::text[], $14::text[], $15::text[], $16::jsonb[], $17::timestamptz[])
       where exists (select 1 from s)
       returning id
     ), o as (
       insert into outbox (subject, payload)
       select subject, payload from unnest($18::text[], $19::jsonb[]) as x(subject, payload)
       where exists (select 1 from s)
       returning id
     )
     select (select status from e) as status, (select count(*)::int from s) as finished,
            (select count(*) from n) + (select count(*) from l) + (select count(*) from o) as written`,
    [
      c.executionId,
      c.stepId,
      c.nodeId,
      c.claim,
      JSON.stringify(c.output ?? null),
      c.ports ? JSON.stringify(c.ports) : null,
      c.successors.map((s) => s.id),
      c.successors.map((s) => s.nodeId),
      c.successors.map((s) => s.nodeType),
      c.logs.map((l) => l.id),
      c.logs.map((l) => l.executionId),
      c.logs.map((l) => l.stepId),
      c.logs.map((l) => l.nodeId),
      c.logs.map((l) => l.level),
      c.logs.map((l) => l.message),
      c.logs.map((l) => (l.data === null ? null : JSON.stringify(l.data))),
      c.logs.map((l) => l.time.toISOString()),
      c.outbox.map((r) => r.subject),
      c.outbox.map((r) => JSON.stringify(r.payload)),
    ],
  );
  const row = rows[0]!;
  return row.finished === 1 && row.status ? { status: row.status } : null;
}
