import type { NewLog } from './log-rows';
import { packOutboxRows, type OutboxRow } from './outbox-rows';
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
  /**
   * Claim the (single) successor for this worker instead of dispatching it, when the execution
   * runs: it is inserted `running` with this claim and a lease of `leaseSeconds`.
   */
  continueWith: { claim: string; leaseSeconds: number } | null;
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
 *
 * With `continueWith`, the successor is claimed in the same statement (no message, no claim
 * statement: the worker runs it next, in-process). Its lease lets the sweeper hand it to another
 * worker if this one dies; the lease outlasts the node's timeout, after which the executor is
 * abandoned anyway, so a live worker's step is not taken from it.
 */
export async function completeStepFast(client: Queryable, c: FastCompletion): Promise<{ status: string; continued: boolean } | null> {
  const { rows } = await client.query<{ status: string | null; finished: number }>({
    name: 'executions.complete-step-fast',
    text: `with e as (
       update executions set current_step = $3, updated_at = now()
       where id = $1 and status in ('running', 'paused') returning status
     ), s as (
       update steps set status = 'completed', output = $5, ports = $6, error = null, wait = null, lease_until = null, finished_at = now()
       where id = $2 and status = 'running' and claim = $4 and exists (select 1 from e) returning id
     ), r as (
       select $20::uuid is not null and (select status from e) = 'running' as run
     ), n as (
       insert into steps (id, execution_id, node_id, node_type, activation, attempt, status, ready, dispatched, input, claim, started_at, lease_until)
       select x.id, $1, x.node_id, x.node_type, 1, 1, case when r.run then 'running' else 'pending' end, true,
         (select status from e) = 'running' and not r.run, $5,
         case when r.run then $20::uuid end, case when r.run then now() end,
         case when r.run then now() + make_interval(secs => $21::double precision) end
       from unnest($7::uuid[], $8::text[], $9::text[]) as x(id, node_id, node_type), r
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
    values: [
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
      packOutboxRows(c.outbox).map((r) => r.subject),
      packOutboxRows(c.outbox).map((r) => JSON.stringify(r.payload)),
      c.continueWith?.claim ?? null,
      c.continueWith?.leaseSeconds ?? 0,
    ],
  });
  const row = rows[0]!;
  return row.finished === 1 && row.status ? { status: row.status, continued: c.continueWith !== null && row.status === 'running' } : null;
}
