import { taskLimits } from '@conveyor/contracts';
import type { TaskReport } from '../db/record-task-reports';

const outcomes = new Set(['completed', 'failed', 'in_progress']);
const isId = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) > 0;

/**
 * The reports of a batch request (`{"reports": […]}`, already JSON-parsed), read by hand, or
 * `undefined` when anything about it is off. The check is the batch contract's
 * (`taskReportRequest.forms.batch`), never looser: 1 to `reportBatchMax` reports, each an object
 * with positive safe-integer `task_id` and `attempt`, a known `outcome`, `error` a string of at
 * most `errorMaxLength` characters if present, `retry` a boolean if present. `undefined` sends the
 * request through zod, which then names the report and field at fault; so only well-formed batches
 * take this path, and they are the drain's every request: zod's parse of 1,000 reports was about
 * 5 % of the scheduler's CPU in the bench's drain.
 */
export function readReportBatch(body: { reports?: unknown }): TaskReport[] | undefined {
  const { reports } = body;
  if (!Array.isArray(reports) || reports.length === 0 || reports.length > taskLimits.reportBatchMax) return undefined;
  const read: TaskReport[] = new Array(reports.length);
  for (let i = 0; i < reports.length; i++) {
    const report: unknown = reports[i];
    if (typeof report !== 'object' || report === null || Array.isArray(report)) return undefined;
    const { task_id, attempt, outcome, error, retry } = report as Record<string, unknown>;
    if (!isId(task_id) || !isId(attempt) || typeof outcome !== 'string' || !outcomes.has(outcome)) return undefined;
    if (error !== undefined && (typeof error !== 'string' || error.length > taskLimits.errorMaxLength)) return undefined;
    if (retry !== undefined && typeof retry !== 'boolean') return undefined;
    read[i] = { taskId: task_id, attempt, outcome: outcome as TaskReport['outcome'], error, retry };
  }
  return read;
}
