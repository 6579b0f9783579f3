import { NotFoundError } from '@conveyor/errors';
import type pg from 'pg';
import { appendEvents, taskUpdated } from '../db/append-events';
import { insertTask } from '../db/insert-task';
import { cancelTask, findTask, listTasks } from '../db/task-queries';
import { withTransaction } from '@conveyor/service-runtime';
import type { Task } from './task';
import { parseTaskId, validateNewTask, validateTaskFilter, type RawTaskInput } from './task-input';

export interface TaskService {
  create(tenantId: string, input: RawTaskInput): Promise<Task>;
  get(tenantId: string, id: unknown): Promise<Task>;
  list(tenantId: string, filter: { status?: unknown; task_type?: unknown; limit?: unknown; offset?: unknown }): Promise<{ tasks: Task[]; total: number }>;
  cancel(tenantId: string, id: unknown): Promise<Task>;
}

/** The AT API: create, read, list and cancel one-off tasks of a tenant. */
export function createTaskService(deps: {
  pool: pg.Pool;
  prefix: string;
  /** The task was stored; this replica's timer learns its due time without waiting for NOTIFY. */
  onTaskScheduled: (dueMs: number) => void;
  onEventsWritten: () => void;
  /** The task was cancelled; this replica drops it if it holds it reserved. */
  onTaskCancelled: (taskId: number) => void;
}): TaskService {
  return {
    async create(tenantId, input) {
      const task = validateNewTask(input, new Date());
      const created = await withTransaction(deps.pool, async (client) => {
        const row = await insertTask(client, { tenantId, source: 'api', ...task });
        await appendEvents(client, deps.prefix, [taskUpdated(row)]);
        return row;
      });
      deps.onTaskScheduled(created.dueAt.getTime());
      deps.onEventsWritten();
      return created;
    },
    async get(tenantId, rawId) {
      const id = parseTaskId(rawId);
      const task = await findTask(deps.pool, tenantId, id);
      if (!task) throw new NotFoundError(`task ${id} not found`);
      return task;
    },
    async list(tenantId, rawFilter) {
      return listTasks(deps.pool, tenantId, validateTaskFilter(rawFilter));
    },
    async cancel(tenantId, rawId) {
      const id = parseTaskId(rawId);
      const cancelled = await withTransaction(deps.pool, async (client) => {
        const row = await cancelTask(client, tenantId, id);
        if (row) await appendEvents(client, deps.prefix, [taskUpdated(row)]);
        return row;
      });
      if (!cancelled) throw new NotFoundError(`task ${id} not found, or already completed, failed or cancelled`);
      deps.onTaskCancelled(id);
      deps.onEventsWritten();
      return cancelled;
    },
  };
}
