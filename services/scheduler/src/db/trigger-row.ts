import type { Trigger } from '../domain/trigger';

export const triggerColumns = `id, tenant_id, name, pipeline_id, trigger_type, cron_expression, timezone, parameters, enabled,
  next_run, last_run_at, last_task_id, skipped_runs, created_by, created_at, updated_at`;

export interface TriggerRow {
  id: string;
  tenant_id: string;
  name: string;
  pipeline_id: string;
  trigger_type: 'cron';
  cron_expression: string;
  timezone: string;
  parameters: unknown;
  enabled: boolean;
  next_run: Date | null;
  last_run_at: Date | null;
  last_task_id: string | null;
  skipped_runs: number;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
}

export function triggerFromRow(row: TriggerRow): Trigger {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    pipelineId: row.pipeline_id,
    triggerType: row.trigger_type,
    cronExpression: row.cron_expression,
    timezone: row.timezone,
    parameters: row.parameters,
    enabled: row.enabled,
    nextRun: row.next_run,
    lastRunAt: row.last_run_at,
    lastTaskId: row.last_task_id === null ? null : Number(row.last_task_id),
    skippedRuns: row.skipped_runs,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
