import { executionSchema, executionStatuses, stepStatuses } from '@conveyor/contracts';
import { z } from 'zod';
import { defineRoute, type RestRoute } from '../route-table';
import { integerQuery } from './query-params';

/** The execution endpoints of `000_*.txt` (4.2), served by the executions subgraph. */

export const executionFields = 'id schemaId schemaVersion status currentStep startedAt finishedAt error';

export interface ExecutionData {
  id: string;
  schemaId: string;
  schemaVersion: number;
  status: (typeof executionStatuses)[number];
  currentStep: string | null;
  startedAt: string;
  finishedAt: string | null;
  error: string | null;
}

/** The documented Execution JSON (5.2) plus `schema_version`. */
export function executionBody(e: ExecutionData) {
  return {
    id: e.id,
    schema_id: e.schemaId,
    schema_version: e.schemaVersion,
    status: e.status,
    current_step: e.currentStep,
    started_at: e.startedAt,
    finished_at: e.finishedAt,
    error: e.error,
  };
}

const page = { limit: integerQuery(1, 200).optional(), offset: integerQuery(0, 1_000_000_000).optional() };
const pageOf = (item: z.ZodType) => z.object({ items: z.array(item), total: z.number().int(), limit: z.number().int(), offset: z.number().int() });
const idParams = z.object({ id: z.string().min(1).max(100) });

const startBody = z.object({
  schema_id: z.string().min(1).max(100),
  input: z.unknown().optional(),
  start_step: z.string().min(1).max(200).optional(),
});

const stepBody = z.object({
  id: z.string(),
  execution_id: z.string(),
  node_id: z.string(),
  node_type: z.string(),
  attempt: z.number().int(),
  status: z.enum(stepStatuses),
  input: z.unknown(),
  output: z.unknown(),
  ports: z.array(z.string()).nullable(),
  error: z.string().nullable(),
  wait: z.unknown(),
  created_at: z.string(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
});

const logBody = z.object({
  id: z.string(),
  execution_id: z.string(),
  step_id: z.string().nullable(),
  node_id: z.string().nullable(),
  level: z.enum(['debug', 'info', 'warn', 'error']),
  message: z.string(),
  data: z.unknown(),
  time: z.string(),
});

interface StepData {
  id: string;
  executionId: string;
  nodeId: string;
  nodeType: string;
  attempt: number;
  status: (typeof stepStatuses)[number];
  input: unknown;
  output: unknown;
  ports: string[] | null;
  error: string | null;
  wait: unknown;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

interface LogData {
  id: string;
  executionId: string;
  stepId: string | null;
  nodeId: string | null;
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  data: unknown;
  time: string;
}

interface PageData<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

const control = (verb: 'pause' | 'resume' | 'stop', summary: string) =>
  defineRoute({
    operationId: `${verb}Execution`,
    method: 'POST',
    path: `/api/executions/:id/${verb}`,
    summary,
    tag: 'executions',
    params: idParams,
    ...(verb === 'resume' ? { body: z.object({ payload: z.unknown().optional() }).optional() } : {}),
    operation: `mutation ${verb[0]!.toUpperCase()}${verb.slice(1)}Execution($id: ID!${verb === 'resume' ? ', $payload: JSON' : ''}) {
      execution: ${verb}Execution(id: $id${verb === 'resume' ? ', payload: $payload' : ''}) { ${executionFields} }
    }`,
    variables: ({ params, body }) => ({ id: params.id, ...(verb === 'resume' ? { payload: (body as { payload?: unknown } | undefined)?.payload ?? null } : {}) }),
    status: 200,
    respond: (data) => executionBody(data.execution as ExecutionData),
    response: executionSchema,
  });

export const executionRoutes: RestRoute[] = [
  defineRoute({
    operationId: 'startExecution',
    method: 'POST',
    path: '/api/executions',
    summary: 'Start a schema by hand (optionally at `start_step`, with `input` as that node\'s input)',
    tag: 'executions',
    body: startBody,
    operation: `mutation StartExecution($schemaId: ID!, $input: JSON, $startStep: String) {
      execution: startExecution(schemaId: $schemaId, input: $input, startStep: $startStep) { ${executionFields} }
    }`,
    variables: ({ body }) => ({ schemaId: body.schema_id, input: body.input ?? null, startStep: body.start_step ?? null }),
    status: 201,
    respond: (data) => executionBody(data.execution as ExecutionData),
    response: executionSchema,
  }),
  defineRoute({
    operationId: 'listExecutions',
    method: 'GET',
    path: '/api/executions',
    summary: 'Executions of the caller\'s tenant, newest first, filtered by schema and status',
    tag: 'executions',
    query: z.object({ schema_id: z.string().min(1).max(100).optional(), status: z.enum(executionStatuses).optional(), ...page }),
    operation: `query ListExecutions($schemaId: ID, $status: String, $limit: Int, $offset: Int) {
      executions(schemaId: $schemaId, status: $status, limit: $limit, offset: $offset) { items { ${executionFields} } total limit offset }
    }`,
    variables: ({ query }) => ({ schemaId: query.schema_id ?? null, status: query.status ?? null, limit: query.limit ?? 50, offset: query.offset ?? 0 }),
    status: 200,
    respond: (data) => {
      const p = data.executions as PageData<ExecutionData>;
      return { items: p.items.map(executionBody), total: p.total, limit: p.limit, offset: p.offset };
    },
    response: pageOf(executionSchema),
  }),
  defineRoute({
    operationId: 'getExecution',
    method: 'GET',
    path: '/api/executions/:id',
    summary: 'Status of an execution',
    tag: 'executions',
    params: idParams,
    operation: `query GetExecution($id: ID!) { execution(id: $id) { ${executionFields} } }`,
    variables: ({ params }) => ({ id: params.id }),
    status: 200,
    respond: (data) => executionBody(data.execution as ExecutionData),
    response: executionSchema,
  }),
  control('pause', 'Pause: running steps finish, their successors wait (409 unless running)'),
  control('resume', 'Resume a paused execution; `payload` completes a waiting approval (409 unless paused)'),
  control('stop', 'Stop: running steps are aborted, pending ones cancelled (409 when already finished)'),
  defineRoute({
    operationId: 'listExecutionSteps',
    method: 'GET',
    path: '/api/executions/:id/steps',
    summary: 'Step history: every activation of a node per attempt, oldest first',
    tag: 'executions',
    params: idParams,
    query: z.object({ status: z.enum(stepStatuses).optional(), node_id: z.string().min(1).max(200).optional(), ...page }),
    operation: `query ExecutionSteps($id: ID!, $status: String, $nodeId: String, $limit: Int, $offset: Int) {
      execution(id: $id) { steps(status: $status, nodeId: $nodeId, limit: $limit, offset: $offset) {
        items { id executionId nodeId nodeType attempt status input output ports error wait createdAt startedAt finishedAt } total limit offset
      } }
    }`,
    variables: ({ params, query }) => ({ id: params.id, status: query.status ?? null, nodeId: query.node_id ?? null, limit: query.limit ?? 50, offset: query.offset ?? 0 }),
    status: 200,
    respond: (data) => {
      const p = (data.execution as { steps: PageData<StepData> }).steps;
      return {
        items: p.items.map((s) => ({
          id: s.id,
          execution_id: s.executionId,
          node_id: s.nodeId,
          node_type: s.nodeType,
          attempt: s.attempt,
          status: s.status,
          input: s.input,
          output: s.output,
          ports: s.ports,
          error: s.error,
          wait: s.wait,
          created_at: s.createdAt,
          started_at: s.startedAt,
          finished_at: s.finishedAt,
        })),
        total: p.total,
        limit: p.limit,
        offset: p.offset,
      };
    },
    response: pageOf(stepBody),
  }),
  defineRoute({
    operationId: 'listExecutionLogs',
    method: 'GET',
    path: '/api/executions/:id/logs',
    summary: 'Execution logs (log nodes and the engine), oldest first; filter by level and step (node id or step id)',
    tag: 'executions',
    params: idParams,
    query: z.object({ level: z.enum(['debug', 'info', 'warn', 'error']).optional(), step: z.string().min(1).max(200).optional(), ...page }),
    operation: `query ExecutionLogs($id: ID!, $level: String, $step: String, $limit: Int, $offset: Int) {
      execution(id: $id) { logs(level: $level, step: $step, limit: $limit, offset: $offset) {
        items { id executionId stepId nodeId level message data time } total limit offset
      } }
    }`,
    variables: ({ params, query }) => ({ id: params.id, level: query.level ?? null, step: query.step ?? null, limit: query.limit ?? 100, offset: query.offset ?? 0 }),
    status: 200,
    respond: (data) => {
      const p = (data.execution as { logs: PageData<LogData> }).logs;
      return {
        items: p.items.map((l) => ({
          id: l.id,
          execution_id: l.executionId,
          step_id: l.stepId,
          node_id: l.nodeId,
          level: l.level,
          message: l.message,
          data: l.data,
          time: l.time,
        })),
        total: p.total,
        limit: p.limit,
        offset: p.offset,
      };
    },
    response: pageOf(logBody),
  }),
];
