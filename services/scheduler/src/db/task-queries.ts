import type pg from 'pg';
import type { TaskFilter } from '../domain/task-input';
import type { Task } from '../domain/task';
import { taskColumns, taskFromRow, type TaskRow } from './task-row';

type Queryable = Pick<pg.Pool, 'query'>;

/** Engine timers are internal; the task API lists and shows what users and triggers scheduled. */
const visible = `source <> 'timer'`;

export async function findTask(db: Queryable, tenantId: string, id: number): Promise<Task | null> {
  const { rows } = await db.query<TaskRow>(`select ${taskColumns} from scheduler.tasks where id = $1 and tenant_id = $2 and ${visible}`, [id, tenantId]);
  return rows[0] ? taskFromRow(rows[0]) : null;
}

export async function listTasks(db: Queryable, tenantId: string, filter: TaskFilter): Promise<{ tasks: Task[]; total: number }> {
  const where = [`tenant_id = $1`, visible];
  const values: unknown[] = [tenantId];
  if (filter.status === 'pending') {
    // Reserved tasks (claimed ahead, not yet published) are still pending to the API.
    where.push(`(status = 'pending' or (status = 'processing' and not dispatched))`);
  } else if (filter.status === 'processing') {
    where.push(`status = 'processing' and dispatched`);
  } else if (filter.status) {
    values.push(filter.status);
    where.push(`status = $${values.length}`);
  }
  if (filter.taskType) {
    values.push(filter.taskType);
    where.push(`task_type = $${values.length}`);
  }
  if (filter.triggerId) {
    values.push(filter.triggerId);
    where.push(`trigger_id = $${values.length}`);
  }
  const condition = where.join(' and ');
  const [page, count] = await Promise.all([
    db.query<TaskRow>(`select ${taskColumns} from scheduler.tasks where ${condition} order by id${filter.newestFirst ? ' desc' : ''} limit ${filter.limit} offset ${filter.offset}`, values),
    db.query<{ total: string }>(`select count(*) as total from scheduler.tasks where ${condition}`, values),
  ]);
  return { tasks: page.rows.map(taskFromRow), total: Number(count.rows[0]!.total) };
}

/** Cancels a live task; null when it does not exist or is already completed, failed or cancelled. */
export async function cancelTask(client: Pick<pg.PoolClient, 'query'>, tenantId: string, id: number): Promise<Task | null> {
  const { rows } = await client.query<TaskRow>(
    `update scheduler.tasks set status = 'cancelled', updated_at = now(),
       attempts = case when status = 'processing' and not dispatched then attempts - 1 else attempts end, dispatched = true
     where id = $1 and tenant_id = $2 and ${visible} and status in ('pending', 'processing')
     returning ${taskColumns}`,
    [id, tenantId],
  );
  // A replica may hold the task reserved in memory: tell every dispatcher to drop it.
  if (rows[0]) await client.query('select pg_notify($1, $2)', ['scheduler_due', `c${id}`]);
  return rows[0] ? taskFromRow(rows[0]) : null;
}
