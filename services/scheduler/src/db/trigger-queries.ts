import type pg from 'pg';
import type { Trigger } from '../domain/trigger';
import { namedStatement, withValues } from './named-statement';
import { triggerColumns, triggerFromRow, type TriggerRow } from './trigger-row';

type Queryable = Pick<pg.PoolClient, 'query'>;

export async function insertTrigger(
  client: Queryable,
  t: Omit<Trigger, 'lastRunAt' | 'lastTaskId' | 'skippedRuns' | 'createdAt' | 'updatedAt' | 'triggerType'>,
): Promise<Trigger> {
  const { rows } = await client.query<TriggerRow>(
    `insert into scheduler.triggers (id, tenant_id, name, pipeline_id, cron_expression, timezone, parameters, enabled, next_run, created_by)
     values ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10) returning ${triggerColumns}`,
    [t.id, t.tenantId, t.name, t.pipelineId, t.cronExpression, t.timezone, JSON.stringify(t.parameters), t.enabled, t.nextRun, t.createdBy],
  );
  return triggerFromRow(rows[0]!);
}

export async function findTrigger(client: Queryable, tenantId: string, id: string, lock = false): Promise<Trigger | null> {
  const { rows } = await client.query<TriggerRow>(
    `select ${triggerColumns} from scheduler.triggers where id = $1 and tenant_id = $2${lock ? ' for update' : ''}`,
    [id, tenantId],
  );
  return rows[0] ? triggerFromRow(rows[0]) : null;
}

export async function listTriggers(
  db: Queryable,
  tenantId: string,
  filter: { pipelineId?: string; limit: number; offset: number },
): Promise<{ items: Trigger[]; total: number }> {
  const values: unknown[] = [tenantId];
  let condition = 'tenant_id = $1';
  if (filter.pipelineId) {
    values.push(filter.pipelineId);
    condition += ' and pipeline_id = $2';
  }
  const page = await db.query<TriggerRow>(
    `select ${triggerColumns} from scheduler.triggers where ${condition} order by created_at desc, id limit ${filter.limit} offset ${filter.offset}`,
    values,
  );
  const count = await db.query<{ total: string }>(`select count(*) as total from scheduler.triggers where ${condition}`, values);
  return { items: page.rows.map(triggerFromRow), total: Number(count.rows[0]!.total) };
}

export async function setTriggerEnabled(client: Queryable, id: string, enabled: boolean, nextRun: Date | null): Promise<Trigger> {
  const { rows } = await client.query<TriggerRow>(
    `update scheduler.triggers set enabled = $2, next_run = $3, updated_at = clock_timestamp() where id = $1 returning ${triggerColumns}`,
    [id, enabled, nextRun],
  );
  return triggerFromRow(rows[0]!);
}

/** Writes a trigger's definition and its next run (an update of `updateTrigger`). */
export async function updateTriggerDefinition(
  client: Queryable,
  id: string,
  t: Pick<Trigger, 'name' | 'pipelineId' | 'cronExpression' | 'timezone' | 'parameters' | 'nextRun'>,
): Promise<Trigger> {
  const { rows } = await client.query<TriggerRow>(
    `update scheduler.triggers set name = $2, pipeline_id = $3, cron_expression = $4, timezone = $5, parameters = $6::jsonb, next_run = $7,
       updated_at = clock_timestamp()
     where id = $1 returning ${triggerColumns}`,
    [id, t.name, t.pipelineId, t.cronExpression, t.timezone, JSON.stringify(t.parameters), t.nextRun],
  );
  return triggerFromRow(rows[0]!);
}

/** Disables every enabled trigger of a tenant's pipeline; returns them as they are now. */
export async function disableTriggersOfPipeline(client: Queryable, tenantId: string, pipelineId: string): Promise<Trigger[]> {
  const { rows } = await client.query<TriggerRow>(
    `update scheduler.triggers set enabled = false, next_run = null, updated_at = clock_timestamp()
     where tenant_id = $1 and pipeline_id = $2 and enabled returning ${triggerColumns}`,
    [tenantId, pipelineId],
  );
  return rows.map(triggerFromRow);
}

export async function deleteTrigger(client: Queryable, id: string): Promise<void> {
  await client.query('delete from scheduler.triggers where id = $1', [id]);
}

const lockDue = namedStatement(
  'lock_due_triggers',
  `select ${triggerColumns} from scheduler.triggers where enabled and next_run <= $1 order by next_run limit $2 for update skip locked`,
);

/** Enabled triggers whose occurrence is due, locked so that one replica handles each occurrence. */
export async function lockDueTriggers(client: Queryable, now: Date, limit: number): Promise<Trigger[]> {
  const { rows } = await client.query<TriggerRow>(withValues(lockDue, [now, limit]));
  return rows.map(triggerFromRow);
}

/** Whether the trigger's latest run is still pending or processing. */
export async function isRunLive(client: Queryable, taskId: number | null): Promise<boolean> {
  if (taskId === null) return false;
  const { rows } = await client.query(`select 1 from scheduler.tasks where id = $1 and status in ('pending', 'processing')`, [taskId]);
  return rows.length > 0;
}

export async function recordOccurrence(
  client: Queryable,
  id: string,
  outcome: { nextRun: Date | null; startedTaskId: number | null; firedAt: Date },
): Promise<Trigger> {
  const { rows } = await client.query<TriggerRow>(
    `update scheduler.triggers set
       next_run = $2,
       last_task_id = coalesce($3, last_task_id),
       last_run_at = case when $3::bigint is null then last_run_at else $4 end,
       skipped_runs = skipped_runs + case when $3::bigint is null then 1 else 0 end,
       updated_at = clock_timestamp()
     where id = $1 returning ${triggerColumns}`,
    [id, outcome.nextRun, outcome.startedTaskId, outcome.firedAt],
  );
  return triggerFromRow(rows[0]!);
}
