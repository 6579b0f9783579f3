import type { ExecutionJson } from '@conveyor/contracts';
import type { ExecutionRow } from '../db/execution-rows';

/** The documented Execution JSON (`000_*.txt` 5.2) plus `schema_version`. */
export function toExecutionJson(e: ExecutionRow): ExecutionJson {
  return {
    id: e.id,
    schema_id: e.schemaId,
    schema_version: e.schemaVersion,
    status: e.status,
    current_step: e.currentStep,
    started_at: new Date(e.startedAt).toISOString(),
    finished_at: e.finishedAt ? new Date(e.finishedAt).toISOString() : null,
    error: e.error,
  };
}
