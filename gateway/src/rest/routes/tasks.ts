import { taskJsonSchema, taskLimits, taskStatuses, taskTypePattern } from '@conveyor/contracts';
import { z } from 'zod';
import { defineRoute, type RestRoute } from '../route-table';
import { integerQuery } from './query-params';

/** The AT API of `001_*.txt`, served by the scheduler subgraph. */

const taskFields = 'id executeAt taskType payload status attempts maxAttempts lastError createdAt updatedAt completedAt';

export interface TaskData {
  id: string;
  executeAt: string;
  taskType: string;
  payload: unknown;
  status: (typeof taskStatuses)[number];
  attempts: number;
  maxAttempts: number;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
  completedAt: string | null;
}

/** The documented task JSON: numeric id, snake_case; `completed_at` and `last_error` only when set. */
export function taskBody(task: TaskData) {
  return {
    id: Number(task.id),
    execute_at: task.executeAt,
    task_type: task.taskType,
    payload: task.payload,
    status: task.status,
    attempts: task.attempts,
    max_attempts: task.maxAttempts,
    created_at: task.createdAt,
    updated_at: task.updatedAt,
    ...(task.completedAt ? { completed_at: task.completedAt } : {}),
    ...(task.lastError ? { last_error: task.lastError } : {}),
  };
}

const jsonSize = (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');

const createBody = z
  .object({
    execute_at: z.iso
      .datetime({ offset: true, message: 'an RFC 3339 date-time (e.g. 2025-11-10T15:00:00Z)', abort: true })
      .refine((value) => Date.parse(value) > Date.now(), 'must be in the future'),
    task_type: z
      .string()
      .min(1, { abort: true })
      .max(taskLimits.taskTypeMaxLength)
      .regex(taskTypePattern, 'dot-separated segments of letters, digits, _ and -'),
    payload: z
      .unknown()
      .refine((value) => value !== undefined && value !== null, 'required, any JSON value except null')
      .refine((value) => jsonSize(value) <= taskLimits.payloadMaxBytes, `at most ${taskLimits.payloadMaxBytes} bytes as JSON`),
    max_attempts: z.number().int().min(1).max(taskLimits.maxAttemptsMax).optional(),
  })
  .loose();

/** A positive integer id that fits a JSON number exactly. */
export const taskIdParams = z.object({
  id: z
    .string()
    .regex(/^[1-9]\d*$/, { message: 'a positive integer', abort: true })
    .refine((value) => Number.isSafeInteger(Number(value)), `at most ${Number.MAX_SAFE_INTEGER}`),
});

const listQuery = z
  .object({
    status: z.enum(taskStatuses).optional(),
    task_type: z.string().min(1).max(taskLimits.taskTypeMaxLength).optional(),
    limit: integerQuery(1, taskLimits.listLimitMax).optional(),
    offset: integerQuery(0, 1_000_000_000).optional(),
  })
  .loose();

const task = (data: Record<string, unknown>, field: string) => ({ task: taskBody(data[field] as TaskData) });

export const taskRoutes: RestRoute[] = [
  defineRoute({
    operationId: 'createTask',
    method: 'POST',
    path: '/api/v1/tasks',
    summary: 'Schedule a task: published to <prefix>.tasks.<task_type> at execute_at (millisecond precision)',
    tag: 'tasks',
    body: createBody,
    operation: `mutation CreateTask($input: CreateTaskInput!) { createTask(input: $input) { ${taskFields} } }`,
    variables: ({ body }) => ({
      input: { executeAt: body.execute_at, taskType: body.task_type, payload: body.payload, maxAttempts: body.max_attempts },
    }),
    status: 201,
    respond: (data) => task(data, 'createTask'),
    response: z.object({ task: taskJsonSchema }),
  }),
  defineRoute({
    operationId: 'getTask',
    method: 'GET',
    path: '/api/v1/tasks/:id',
    summary: 'One task',
    tag: 'tasks',
    params: taskIdParams,
    operation: `query Task($id: ID!) { task(id: $id) { ${taskFields} } }`,
    variables: ({ params }) => ({ id: params.id }),
    status: 200,
    respond: (data) => task(data, 'task'),
    response: z.object({ task: taskJsonSchema }),
  }),
  defineRoute({
    operationId: 'cancelTask',
    method: 'DELETE',
    path: '/api/v1/tasks/:id',
    summary: 'Cancel a pending or processing task (404 when missing or already completed, failed or cancelled)',
    tag: 'tasks',
    params: taskIdParams,
    operation: `mutation CancelTask($id: ID!) { cancelTask(id: $id) { ${taskFields} } }`,
    variables: ({ params }) => ({ id: params.id }),
    status: 200,
    respond: (data) => task(data, 'cancelTask'),
    response: z.object({ task: taskJsonSchema }),
  }),
  defineRoute({
    operationId: 'listTasks',
    method: 'GET',
    path: '/api/v1/tasks',
    summary: 'Tasks filtered by status and task_type, oldest first (limit 1..100, default 50)',
    tag: 'tasks',
    query: listQuery,
    operation: `query Tasks($status: String, $taskType: String, $limit: Int, $offset: Int) {
      tasks(status: $status, taskType: $taskType, limit: $limit, offset: $offset) { total tasks { ${taskFields} } }
    }`,
    variables: ({ query }) => ({ status: query.status, taskType: query.task_type, limit: query.limit, offset: query.offset }),
    status: 200,
    respond: (data) => {
      const page = data.tasks as { tasks: TaskData[]; total: number };
      return { tasks: page.tasks.map(taskBody), total: page.total };
    },
    response: z.object({ tasks: z.array(taskJsonSchema), total: z.number().int() }),
  }),
];
