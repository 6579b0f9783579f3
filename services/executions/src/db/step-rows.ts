import type { StepStatus } from '@conveyor/contracts';
import type { Queryable } from '@conveyor/service-runtime';

export interface StepRow {
  id: string;
  seq: number;
  executionId: string;
  nodeId: string;
  nodeType: string;
  activation: number;
  attempt: number;
  status: StepStatus;
  joinState: Record<string, unknown>;
  ready: boolean;
  dispatched: boolean;
  input: unknown;
  output: unknown;
  ports: string[] | null;
  error: string | null;
  wait: StepWait | null;
  claim: string | null;
  notBefore: Date | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/** A parked step: no worker holds it until the timer fires, the approval arrives or the child finishes. */
export type StepWait =
  | { type: 'timer'; until: string }
  | { type: 'approval'; prompt?: string | undefined }
  | { type: 'subflow'; child_execution_id: string };

export const stepColumns = `id, seq, execution_id as "executionId", node_id as "nodeId", node_type as "nodeType", activation, attempt,
  status, join_state as "joinState", ready, dispatched, input, output, ports, error, wait, claim, not_before as "notBefore",
  created_at as "createdAt", started_at as "startedAt", finished_at as "finishedAt"`;

export interface NewStep {
  id: string;
  executionId: string;
  nodeId: string;
  nodeType: string;
  activation: number;
  attempt: number;
  status: StepStatus;
  ready: boolean;
  dispatched: boolean;
  input: unknown;
  notBefore: Date | null;
}

export async function insertStep(client: Queryable, s: NewStep): Promise<StepRow> {
  const { rows } = await client.query<StepRow>(
    `insert into steps (id, execution_id, node_id, node_type, activation, attempt, status, ready, dispatched, input, not_before)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) returning ${stepColumns}`,
    [s.id, s.executionId, s.nodeId, s.nodeType, s.activation, s.attempt, s.status, s.ready, s.dispatched, JSON.stringify(s.input ?? null), s.notBefore],
  );
  return rows[0]!;
}

/**
 * Records one decided incoming edge of a node (creating its pending step on the first one) and
 * returns the step with every edge decided so far. The execution row is locked by the caller, so
 * concurrent branches reach this one at a time and exactly one of them sees the join complete.
 */
export async function recordIncomingEdge(
  client: Queryable,
  s: { id: string; executionId: string; nodeId: string; nodeType: string; edgeKey: string; value: unknown },
): Promise<StepRow> {
  const { rows } = await client.query<StepRow>(
    `insert into steps (id, execution_id, node_id, node_type, activation, attempt, status, join_state)
     values ($1, $2, $3, $4, 1, 1, 'pending', jsonb_build_object($5::text, $6::jsonb))
     on conflict (execution_id, node_id, activation, attempt)
     do update set join_state = steps.join_state || excluded.join_state
     returning ${stepColumns}`,
    [s.id, s.executionId, s.nodeId, s.nodeType, s.edgeKey, JSON.stringify(s.value ?? null)],
  );
  return rows[0]!;
}

/** Marks a join's step ready (with its input) or skipped, once all of its edges are decided. */
export async function settleJoinedStep(
  client: Queryable,
  id: string,
  outcome: { status: 'pending'; input: unknown; dispatched: boolean } | { status: 'skipped' },
): Promise<void> {
  if (outcome.status === 'skipped') {
    await client.query(`update steps set status = 'skipped', finished_at = now() where id = $1`, [id]);
  } else {
    await client.query(`update steps set ready = true, dispatched = $2, input = $3 where id = $1`, [id, outcome.dispatched, JSON.stringify(outcome.input ?? null)]);
  }
}

/** What a worker needs to know of a claimed step's execution (read with the claim, carried along in-process). */
export interface StepContext {
  tenantId: string;
  graphKey: string;
  startStep: string;
  schemaId: string;
  schemaVersion: number;
  executionStartedAt: Date;
  /** How the execution was started (`manual`, `webhook`, `schedule`, `subflow`): its events carry it. */
  executionTrigger: string;
  parentExecutionId: string | null;
}

export type ClaimedStep = StepRow & StepContext;

/**
 * Claims a ready step for one run of its executor. A pending step is claimed when its execution
 * runs; a running step (no wait) is re-claimed from a redelivered message (the worker that held
 * it stopped acking: died) or once its in-process lease ran out (the sweeper re-sent it). A claim
 * from a message clears the lease: JetStream's ack wait watches that worker. The `for share` lock
 * orders the claim with pause, resume and stop, which update the execution row.
 */
export async function claimStep(client: Queryable, stepId: string, claim: string, redelivered: boolean): Promise<ClaimedStep | null> {
  // The claim commits without waiting for the WAL flush (`synchronous_commit` off for this one
  // statement): a claim lost to a database crash leaves the step pending, and the sweeper sends it
  // again. The step's result is always committed synchronously. Saves a flush per step.
  const { rows } = await client.query<ClaimedStep>({
    name: 'executions.claim-step',
    text: `with cfg as (select set_config('synchronous_commit', 'off', true)),
     e as (
       select e.id, e.tenant_id, e.graph_key, e.start_step, e.schema_id, e.schema_version, e.started_at, e.trigger, e.parent_execution_id
       from executions e
       -- The execution by its key (an init plan), never a join the planner could answer by
       -- scanning executions while the table is small and then keep in the prepared plan.
       where e.id = (select execution_id from steps where id = $1) and e.status = 'running' for share of e
     ), claimed as (
       update steps set status = 'running', claim = $2, lease_until = null, started_at = coalesce(started_at, now())
       where id = $1 and execution_id = (select id from e)
         and ((status = 'pending' and ready) or (status = 'running' and wait is null and ($3::boolean or lease_until < now())))
       returning ${stepColumns}
     )
     select claimed.*, e.tenant_id as "tenantId", e.graph_key as "graphKey", e.start_step as "startStep", e.schema_id as "schemaId",
       e.schema_version as "schemaVersion", e.started_at as "executionStartedAt", e.trigger as "executionTrigger",
       e.parent_execution_id as "parentExecutionId"
     from claimed, e, cfg`,
    values: [stepId, claim, redelivered],
  });
  return rows[0] ?? null;
}

/**
 * A ready step found while its execution is paused: forget the dispatch so that resume sends it
 * again. Returns false when the execution is no longer paused (resume won the race: claim again).
 */
export async function parkStepOfPausedExecution(client: Queryable, stepId: string): Promise<boolean> {
  const { rowCount } = await client.query(
    `update steps set dispatched = false
     where id = $1 and status = 'pending'
       and exists (select 1 from executions e where e.id = steps.execution_id and e.status = 'paused' for share)`,
    [stepId],
  );
  return (rowCount ?? 0) > 0;
}

export async function getStep(client: Queryable, stepId: string): Promise<StepRow | null> {
  const { rows } = await client.query<StepRow>(`select ${stepColumns} from steps where id = $1`, [stepId]);
  return rows[0] ?? null;
}

export async function lockStep(client: Queryable, stepId: string): Promise<StepRow | null> {
  const { rows } = await client.query<StepRow>(`select ${stepColumns} from steps where id = $1 for update`, [stepId]);
  return rows[0] ?? null;
}

export type StepFinal = {
  status: 'completed' | 'failed' | 'cancelled';
  output?: unknown;
  ports?: string[] | null;
  error?: string | null;
};

/** Records a running step's result; `claim` null accepts any holder (a waiting step has none). */
export async function finishStepRow(client: Queryable, stepId: string, claim: string | null, f: StepFinal): Promise<StepRow | null> {
  const { rows } = await client.query<StepRow>(
    `update steps set status = $3, output = $4, ports = $5, error = $6, wait = null, lease_until = null, finished_at = now()
     where id = $1 and status = 'running' and ($2::uuid is null or claim = $2)
     returning ${stepColumns}`,
    [stepId, claim, f.status, f.output === undefined ? null : JSON.stringify(f.output), f.ports ? JSON.stringify(f.ports) : null, f.error ?? null],
  );
  return rows[0] ?? null;
}

/** Parks a running step (timer, approval, subflow); the claim is cleared so no redelivery re-runs it. */
export async function parkStepRow(client: Queryable, stepId: string, claim: string, wait: StepWait): Promise<StepRow | null> {
  const { rows } = await client.query<StepRow>(
    `update steps set wait = $3, claim = null, lease_until = null where id = $1 and status = 'running' and claim = $2 returning ${stepColumns}`,
    [stepId, claim, JSON.stringify(wait)],
  );
  return rows[0] ?? null;
}

/** Cancels every open step of an execution; returns them. */
export async function cancelOpenSteps(client: Queryable, executionId: string, reason: string): Promise<StepRow[]> {
  const { rows } = await client.query<StepRow>(
    `update steps set status = 'cancelled', error = $2, wait = null, lease_until = null, finished_at = now()
     where execution_id = $1 and status in ('pending', 'running') returning ${stepColumns}`,
    [executionId, reason],
  );
  return rows;
}

export async function countOpenSteps(client: Queryable, executionId: string): Promise<number> {
  const { rows } = await client.query<{ n: number }>(
    `select count(*)::int as n from steps where execution_id = $1 and status in ('pending', 'running')`,
    [executionId],
  );
  return rows[0]!.n;
}

/** Ready steps held back by a pause; marks them dispatched and returns them (resume sends them). */
export async function takeUndispatchedSteps(client: Queryable, executionId: string): Promise<StepRow[]> {
  const { rows } = await client.query<StepRow>(
    `update steps set dispatched = true
     where execution_id = $1 and status = 'pending' and ready and not dispatched returning ${stepColumns}`,
    [executionId],
  );
  return rows;
}

export async function findWaitingStep(client: Queryable, executionId: string, type: StepWait['type']): Promise<StepRow | null> {
  const { rows } = await client.query<StepRow>(
    `select ${stepColumns} from steps where execution_id = $1 and status = 'running' and wait->>'type' = $2 order by seq limit 1 for update`,
    [executionId, type],
  );
  return rows[0] ?? null;
}

export interface StepFilter {
  executionId: string;
  status?: StepStatus | undefined;
  nodeId?: string | undefined;
  limit: number;
  offset: number;
}

export async function listSteps(client: Queryable, f: StepFilter): Promise<{ items: StepRow[]; total: number }> {
  const where = `execution_id = $1 and ($2::text is null or status = $2) and ($3::text is null or node_id = $3)`;
  const params = [f.executionId, f.status ?? null, f.nodeId ?? null];
  const [items, count] = await Promise.all([
    client.query<StepRow>(`select ${stepColumns} from steps where ${where} order by seq limit $4 offset $5`, [...params, f.limit, f.offset]),
    client.query<{ total: number }>(`select count(*)::int as total from steps where ${where}`, params),
  ]);
  return { items: items.rows, total: count.rows[0]!.total };
}
