import type { ExecutionStatus } from '@conveyor/contracts';
import type { Queryable } from '@conveyor/service-runtime';

/** An execution as the engine reads it. */
export interface ExecutionRow {
  id: string;
  tenantId: string;
  schemaId: string;
  schemaVersion: number;
  graphKey: string;
  status: ExecutionStatus;
  trigger: string;
  currentStep: string | null;
  startStep: string;
  input: unknown;
  triggerInfo: unknown;
  output: unknown;
  error: string | null;
  idempotencyKey: string | null;
  parentExecutionId: string | null;
  parentStepId: string | null;
  startedAt: Date;
  finishedAt: Date | null;
  updatedAt: Date;
}

export const executionColumns = `id, tenant_id as "tenantId", schema_id as "schemaId", schema_version as "schemaVersion",
  graph_key as "graphKey", status, trigger, current_step as "currentStep", start_step as "startStep", input,
  trigger_info as "triggerInfo", output, error, idempotency_key as "idempotencyKey",
  parent_execution_id as "parentExecutionId", parent_step_id as "parentStepId",
  started_at as "startedAt", finished_at as "finishedAt", updated_at as "updatedAt"`;

export type NewExecution = Pick<
  ExecutionRow,
  'id' | 'tenantId' | 'schemaId' | 'schemaVersion' | 'graphKey' | 'status' | 'trigger' | 'startStep' | 'input' | 'triggerInfo' | 'idempotencyKey' | 'parentExecutionId' | 'parentStepId'
>;

/** Inserts an execution; with an idempotency key already used for the schema, returns null instead. */
export async function insertExecution(client: Queryable, e: NewExecution): Promise<ExecutionRow | null> {
  const { rows } = await client.query<ExecutionRow>(
    `insert into executions (id, tenant_id, schema_id, schema_version, graph_key, status, trigger, current_step, start_step,
       input, trigger_info, idempotency_key, parent_execution_id, parent_step_id)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $10, $11, $12, $13)
     on conflict (tenant_id, schema_id, idempotency_key) where idempotency_key is not null do nothing
     returning ${executionColumns}`,
    [e.id, e.tenantId, e.schemaId, e.schemaVersion, e.graphKey, e.status, e.trigger, e.startStep, JSON.stringify(e.input ?? null),
      e.triggerInfo === null ? null : JSON.stringify(e.triggerInfo), e.idempotencyKey, e.parentExecutionId, e.parentStepId],
  );
  return rows[0] ?? null;
}

export async function findExecutionByIdempotencyKey(client: Queryable, tenantId: string, schemaId: string, key: string): Promise<ExecutionRow | null> {
  const { rows } = await client.query<ExecutionRow>(
    `select ${executionColumns} from executions where tenant_id = $1 and schema_id = $2 and idempotency_key = $3`,
    [tenantId, schemaId, key],
  );
  return rows[0] ?? null;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Reads an execution; `tenantId` null reads across tenants (engine-internal use only). A malformed id finds nothing. */
export async function getExecution(client: Queryable, id: string, tenantId: string | null): Promise<ExecutionRow | null> {
  if (!uuidPattern.test(id)) return null;
  const { rows } = await client.query<ExecutionRow>(
    `select ${executionColumns} from executions where id = $1 and ($2::text is null or tenant_id = $2)`,
    [id, tenantId],
  );
  return rows[0] ?? null;
}

/**
 * Locks the execution row: every transition of one execution is serialised on it. With
 * `currentStep`, records where the execution is in the same statement (an update locks the row
 * as `for update` does, and saves a round trip per step).
 */
export async function lockExecution(client: Queryable, id: string, currentStep?: string): Promise<ExecutionRow | null> {
  if (!uuidPattern.test(id)) return null;
  const { rows } =
    currentStep === undefined
      ? await client.query<ExecutionRow>(`select ${executionColumns} from executions where id = $1 for update`, [id])
      : await client.query<ExecutionRow>(
          `update executions set current_step = $2, updated_at = now() where id = $1 and status in ('running', 'paused') returning ${executionColumns}`,
          [id, currentStep],
        );
  return rows[0] ?? null;
}

export type ExecutionChanges = Partial<Pick<ExecutionRow, 'status' | 'currentStep' | 'output' | 'error' | 'finishedAt'>>;

/** Writes the changed fields and returns the row as it now is. */
export async function updateExecution(client: Queryable, id: string, changes: ExecutionChanges): Promise<ExecutionRow> {
  const sets: string[] = ['updated_at = now()'];
  const values: unknown[] = [id];
  const set = (column: string, value: unknown) => {
    values.push(value);
    sets.push(`${column} = $${values.length}`);
  };
  if (changes.status !== undefined) set('status', changes.status);
  if (changes.currentStep !== undefined) set('current_step', changes.currentStep);
  if (changes.output !== undefined) set('output', JSON.stringify(changes.output));
  if (changes.error !== undefined) set('error', changes.error);
  if (changes.finishedAt !== undefined) set('finished_at', changes.finishedAt);
  const { rows } = await client.query<ExecutionRow>(`update executions set ${sets.join(', ')} where id = $1 returning ${executionColumns}`, values);
  return rows[0]!;
}

/** Open children of an execution (subflows to stop with it). */
export async function openChildIds(client: Queryable, parentId: string): Promise<string[]> {
  const { rows } = await client.query<{ id: string }>(
    `select id from executions where parent_execution_id = $1 and status in ('queued', 'running', 'paused')`,
    [parentId],
  );
  return rows.map((r) => r.id);
}

export interface ExecutionFilter {
  tenantId: string;
  schemaId?: string | undefined;
  status?: ExecutionStatus | undefined;
  limit: number;
  offset: number;
}

export async function listExecutions(client: Queryable, f: ExecutionFilter): Promise<{ items: ExecutionRow[]; total: number }> {
  const where = `tenant_id = $1 and ($2::text is null or schema_id = $2) and ($3::text is null or status = $3)`;
  const params = [f.tenantId, f.schemaId ?? null, f.status ?? null];
  const [items, count] = await Promise.all([
    client.query<ExecutionRow>(`select ${executionColumns} from executions where ${where} order by started_at desc, id limit $4 offset $5`, [
      ...params, f.limit, f.offset,
    ]),
    client.query<{ total: string }>(`select count(*) as total from executions where ${where}`, params),
  ]);
  return { items: items.rows, total: Number(count.rows[0]!.total) };
}

/** How many parents an execution has (0 for a top-level one), counted up to `limit`. */
export async function subflowDepth(client: Queryable, id: string, limit: number): Promise<number> {
  const { rows } = await client.query<{ depth: number }>(
    `with recursive up(id, depth) as (
       select parent_execution_id, 1 from executions where id = $1 and parent_execution_id is not null
       union all
       select e.parent_execution_id, up.depth + 1 from executions e join up on e.id = up.id
       where e.parent_execution_id is not null and up.depth < $2
     )
     select coalesce(max(depth), 0)::int as depth from up`,
    [id, limit],
  );
  return rows[0]!.depth;
}
