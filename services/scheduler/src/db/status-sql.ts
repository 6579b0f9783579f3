import type { TaskStatus } from '@conveyor/contracts';

/**
 * `<alias>.status = '<status>'` for statements that find their tasks by id, written so that
 * PostgreSQL cannot answer it from the partial indexes on status (`tasks_pending_due_idx`,
 * `tasks_processing_due_idx`, `schema.ts`). With the plain equality their predicate is implied, so
 * a scan of the whole partial index competes with the primary key, and with statistics taken
 * while few tasks were processing the planner chose it: every handler report then read every
 * processing task and every dead index entry left since the last vacuum, which grows with the
 * number of tasks handled. `is true` is the same test for a column that is never null, and leaves
 * the primary key (or, for a large batch in a small table, a sequential scan) as the way in.
 * `test/by-id-plans.test.ts` checks the plans.
 */
export function statusIsSql(alias: string, status: TaskStatus): string {
  return `(${alias}.status = '${status}') is true`;
}
