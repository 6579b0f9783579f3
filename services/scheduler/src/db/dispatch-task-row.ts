import type { DispatchTask } from '../domain/task';

/** The columns of a `DispatchTask`, selected from `alias` (a CTE returning the task's columns). */
export const dispatchColumnsOf = (alias: string) =>
  `${alias}.id, ${alias}.source, ${alias}.task_type, ${alias}.tenant_id, ${alias}.attempts, ${alias}.max_attempts,
   extract(epoch from ${alias}.execute_at)::float8 * 1000 as execute_at_ms, extract(epoch from ${alias}.due_at)::float8 * 1000 as due_at_ms,
   ${alias}.payload::text as payload_json, ${alias}.complete_on_dispatch`;

export interface DispatchTaskRow {
  id: string;
  source: DispatchTask['source'];
  task_type: string;
  tenant_id: string;
  attempts: number;
  max_attempts: number;
  execute_at_ms: number;
  due_at_ms: number;
  payload_json: string;
  complete_on_dispatch: boolean;
}

export function dispatchTaskFromRow(row: DispatchTaskRow): DispatchTask {
  return {
    id: Number(row.id),
    source: row.source,
    taskType: row.task_type,
    tenantId: row.tenant_id,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    executeAt: new Date(Math.round(row.execute_at_ms)),
    dueAt: new Date(Math.round(row.due_at_ms)),
    payloadJson: row.payload_json,
    completeOnDispatch: row.complete_on_dispatch,
  };
}
