import { taskLimits, taskStatuses, triggerStatuses } from '@conveyor/contracts';
import { z } from 'zod';
import { defineRoute, type RestRoute } from '../route-table';
import { integerQuery } from './query-params';
import type { TaskData } from './tasks';

/**
 * Cron triggers of `002_*.txt` (`/api/v1/mvp/triggers/create`, `/manual/:pipeline_id`) plus
 * list, get, update, enable, disable and delete. The pipeline id is a schema id. Concurrency policy:
 * skip — an occurrence due while the previous run of the trigger still runs is skipped.
 */

const triggerFields = `id name pipelineId triggerType status enabled cronExpression timezone parameters nextRun lastRunAt lastRunId
  skippedRuns concurrencyPolicy createdAt updatedAt`;

interface TriggerData {
  id: string;
  name: string;
  pipelineId: string;
  triggerType: string;
  status: (typeof triggerStatuses)[number];
  enabled: boolean;
  cronExpression: string;
  timezone: string;
  parameters: unknown;
  nextRun: string | null;
  lastRunAt: string | null;
  lastRunId: string | null;
  skippedRuns: number;
  concurrencyPolicy: string;
  createdAt: string;
  updatedAt: string;
}

/** The documented fields first (`trigger_id … created_at`), then the rest of the trigger. */
function triggerBody(t: TriggerData) {
  return {
    trigger_id: t.id,
    name: t.name,
    pipeline_id: t.pipelineId,
    trigger_type: t.triggerType,
    status: t.status,
    next_run: t.nextRun,
    created_at: t.createdAt,
    config: { cron_expression: t.cronExpression, timezone: t.timezone },
    enabled: t.enabled,
    parameters: t.parameters,
    concurrency_policy: t.concurrencyPolicy,
    last_run_at: t.lastRunAt,
    last_run_id: t.lastRunId,
    skipped_runs: t.skippedRuns,
    updated_at: t.updatedAt,
  };
}

const triggerJson = z.object({
  trigger_id: z.string(),
  name: z.string(),
  pipeline_id: z.string(),
  trigger_type: z.literal('cron'),
  status: z.enum(triggerStatuses),
  next_run: z.string().nullable(),
  created_at: z.string(),
  config: z.object({ cron_expression: z.string(), timezone: z.string() }),
  enabled: z.boolean(),
  parameters: z.unknown(),
  concurrency_policy: z.literal('skip'),
  last_run_at: z.string().nullable(),
  last_run_id: z.string().nullable(),
  skipped_runs: z.number().int(),
  updated_at: z.string(),
});

const jsonSize = (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
const parameters = z
  .record(z.string(), z.unknown())
  .refine((value) => jsonSize(value) <= taskLimits.payloadMaxBytes, `at most ${taskLimits.payloadMaxBytes} bytes as JSON`)
  .optional();

const createBody = z.object({
  name: z.string().trim().min(1).max(200),
  pipeline_id: z.string().min(1).max(200),
  trigger_type: z.literal('cron').default('cron'),
  config: z.object({
    cron_expression: z.string().min(1).max(200),
    timezone: z.string().min(1).max(64).optional(),
  }),
  parameters,
  enabled: z.boolean().optional(),
});

const updateBody = z
  .strictObject(
    {
      name: z.string().trim().min(1).max(200).optional(),
      pipeline_id: z.string().min(1).max(200).optional(),
      config: z.strictObject({ cron_expression: z.string().min(1).max(200).optional(), timezone: z.string().min(1).max(64).optional() }).optional(),
      parameters: parameters.nullable(),
    },
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys'
          ? `cannot change ${issue.keys.join(', ')}: a trigger takes name, pipeline_id, config and parameters here, and is enabled or disabled with POST …/enable and …/disable`
          : undefined,
    },
  )
  .refine(
    (body) => Object.values(body).some((value) => value !== undefined) && (body.config === undefined || Object.values(body.config).some((value) => value !== undefined)),
    {
      message: 'nothing to change: give at least one of name, pipeline_id, config.cron_expression, config.timezone, parameters',
      // Only for a body with nothing else wrong: an unknown field (`enabled`) is its own answer.
      when: (payload) => payload.issues.length === 0,
    },
  );

const triggerParams = z.object({ trigger_id: z.string().regex(/^trigger_[0-9a-f]{32}$/, 'a trigger id') });
const pipelineParams = z.object({ pipeline_id: z.string().min(1).max(200) });

const runFields = 'id status executeAt payload attempts maxAttempts executionId lastError createdAt updatedAt completedAt';

/** A run as `runFields` selects it: a task, with the payload of `schema.execute`. */
type RunData = Omit<TaskData, 'taskType' | 'payload'> & { payload: { schema_id?: string; input?: unknown }; executionId: string | null };

/** A run of a trigger: its schema.execute task, named as a run (run_id as in last_run_id). */
function runBody(r: RunData) {
  return {
    run_id: r.id,
    status: r.status,
    scheduled_for: r.executeAt,
    pipeline_id: r.payload.schema_id ?? null,
    parameters: r.payload.input ?? null,
    execution_id: r.executionId,
    attempts: r.attempts,
    max_attempts: r.maxAttempts,
    last_error: r.lastError,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
    completed_at: r.completedAt,
  };
}

const runJson = z.object({
  run_id: z.string(),
  status: z.enum(taskStatuses),
  scheduled_for: z.string(),
  pipeline_id: z.string().nullable(),
  parameters: z.unknown(),
  execution_id: z.string().nullable(),
  attempts: z.number().int(),
  max_attempts: z.number().int(),
  last_error: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  completed_at: z.string().nullable(),
});

const trigger = (data: Record<string, unknown>, field: string) => triggerBody(data[field] as TriggerData);

const byId = (operationId: string, mutation: string, summary: string, path: string) =>
  defineRoute({
    operationId,
    method: 'POST',
    path,
    summary,
    tag: 'triggers',
    params: triggerParams,
    operation: `mutation Trigger($id: ID!) { ${mutation}(id: $id) { ${triggerFields} } }`,
    variables: ({ params }) => ({ id: params.trigger_id }),
    status: 200,
    respond: (data) => trigger(data, mutation),
    response: triggerJson,
  });

export const triggerRoutes: RestRoute[] = [
  defineRoute({
    operationId: 'createTrigger',
    method: 'POST',
    path: '/api/v1/mvp/triggers/create',
    summary:
      'Create a cron trigger (standard 5-field cron, optional IANA config.timezone); skipped, not stacked, while its previous run runs; 404 when the tenant has no such pipeline (schema)',
    tag: 'triggers',
    body: createBody,
    operation: `mutation CreateTrigger($input: CreateTriggerInput!) { createTrigger(input: $input) { ${triggerFields} } }`,
    variables: ({ body }) => ({
      input: {
        name: body.name,
        pipelineId: body.pipeline_id,
        triggerType: body.trigger_type,
        cronExpression: body.config.cron_expression,
        timezone: body.config.timezone,
        parameters: body.parameters,
        enabled: body.enabled,
      },
    }),
    status: 201,
    respond: (data) => trigger(data, 'createTrigger'),
    response: triggerJson,
  }),
  defineRoute({
    operationId: 'runPipelineNow',
    method: 'POST',
    path: '/api/v1/mvp/triggers/manual/:pipeline_id',
    summary: 'Start the pipeline (schema) now; run_id is the id of the schema.execute task (GET /api/v1/tasks/:id); 404 when the tenant has no such pipeline, 409 when it is not active',
    tag: 'triggers',
    params: pipelineParams,
    body: z.object({ parameters }).optional(),
    operation: `mutation RunPipeline($pipelineId: String!, $parameters: JSON) {
      runPipeline(pipelineId: $pipelineId, parameters: $parameters) { runId pipelineId status startedAt }
    }`,
    variables: ({ params, body }) => ({ pipelineId: params.pipeline_id, parameters: body?.parameters }),
    status: 202,
    respond: (data) => {
      const run = data.runPipeline as { runId: string; pipelineId: string; status: string; startedAt: string };
      return { run_id: run.runId, pipeline_id: run.pipelineId, status: run.status, started_at: run.startedAt };
    },
    response: z.object({ run_id: z.string(), pipeline_id: z.string(), status: z.literal('triggered'), started_at: z.string() }),
  }),
  defineRoute({
    operationId: 'listTriggers',
    method: 'GET',
    path: '/api/v1/mvp/triggers',
    summary: 'Cron triggers, newest first',
    tag: 'triggers',
    query: z
      .object({
        pipeline_id: z.string().min(1).max(200).optional(),
        limit: integerQuery(1, taskLimits.listLimitMax).optional(),
        offset: integerQuery(0, 1_000_000_000).optional(),
      })
      .loose(),
    operation: `query Triggers($pipelineId: String, $limit: Int, $offset: Int) {
      triggers(pipelineId: $pipelineId, limit: $limit, offset: $offset) { total limit offset items { ${triggerFields} } }
    }`,
    variables: ({ query }) => ({ pipelineId: query.pipeline_id, limit: query.limit, offset: query.offset }),
    status: 200,
    respond: (data) => {
      const page = data.triggers as { items: TriggerData[]; total: number; limit: number; offset: number };
      return { items: page.items.map(triggerBody), total: page.total, limit: page.limit, offset: page.offset };
    },
    response: z.object({ items: z.array(triggerJson), total: z.number().int(), limit: z.number().int(), offset: z.number().int() }),
  }),
  defineRoute({
    operationId: 'getTrigger',
    method: 'GET',
    path: '/api/v1/mvp/triggers/:trigger_id',
    summary: 'One cron trigger',
    tag: 'triggers',
    params: triggerParams,
    operation: `query Trigger($id: ID!) { trigger(id: $id) { ${triggerFields} } }`,
    variables: ({ params }) => ({ id: params.trigger_id }),
    status: 200,
    respond: (data) => trigger(data, 'trigger'),
    response: triggerJson,
  }),
  defineRoute({
    operationId: 'updateTrigger',
    method: 'PATCH',
    path: '/api/v1/mvp/triggers/:trigger_id',
    summary:
      'Change a trigger: any of name, pipeline_id, config.cron_expression, config.timezone, parameters (null clears them); other fields are refused. An enabled trigger whose schedule changes gets next_run computed again from now; runs already started are not affected',
    tag: 'triggers',
    params: triggerParams,
    body: updateBody,
    operation: `mutation UpdateTrigger($id: ID!, $input: UpdateTriggerInput!) { updateTrigger(id: $id, input: $input) { ${triggerFields} } }`,
    variables: ({ params, body }) => ({
      id: params.trigger_id,
      input: {
        name: body.name,
        pipelineId: body.pipeline_id,
        cronExpression: body.config?.cron_expression,
        timezone: body.config?.timezone,
        parameters: body.parameters,
      },
    }),
    status: 200,
    respond: (data) => trigger(data, 'updateTrigger'),
    response: triggerJson,
  }),
  defineRoute({
    operationId: 'listTriggerRuns',
    method: 'GET',
    path: '/api/v1/mvp/triggers/:trigger_id/runs',
    summary:
      'The runs the trigger started, newest first (each a schema.execute task: run_id is its id; execution_id the execution it started). Skipped occurrences start none (skipped_runs). Filter by status; limit 1..100 (default 50)',
    tag: 'triggers',
    params: triggerParams,
    query: z
      .object({
        status: z.enum(taskStatuses).optional(),
        limit: integerQuery(1, taskLimits.listLimitMax).optional(),
        offset: integerQuery(0, 1_000_000_000).optional(),
      })
      .loose(),
    operation: `query TriggerRuns($id: ID!, $status: String, $limit: Int, $offset: Int) {
      trigger(id: $id) { runs(status: $status, limit: $limit, offset: $offset) { total tasks { ${runFields} } } }
    }`,
    variables: ({ params, query }) => ({ id: params.trigger_id, status: query.status, limit: query.limit, offset: query.offset }),
    status: 200,
    respond: (data, { query }) => {
      const page = (data.trigger as { runs: { tasks: RunData[]; total: number } }).runs;
      return { items: page.tasks.map(runBody), total: page.total, limit: query.limit ?? taskLimits.listLimitDefault, offset: query.offset ?? 0 };
    },
    response: z.object({ items: z.array(runJson), total: z.number().int(), limit: z.number().int(), offset: z.number().int() }),
  }),
  byId('enableTrigger', 'enableTrigger', 'Enable a trigger; next_run is computed from now', '/api/v1/mvp/triggers/:trigger_id/enable'),
  byId('disableTrigger', 'disableTrigger', 'Disable a trigger; next_run becomes null', '/api/v1/mvp/triggers/:trigger_id/disable'),
  defineRoute({
    operationId: 'deleteTrigger',
    method: 'DELETE',
    path: '/api/v1/mvp/triggers/:trigger_id',
    summary: 'Delete a trigger (runs already started are not affected)',
    tag: 'triggers',
    params: triggerParams,
    operation: `mutation DeleteTrigger($id: ID!) { deleteTrigger(id: $id) { id } }`,
    variables: ({ params }) => ({ id: params.trigger_id }),
    status: 204,
    respond: () => undefined,
  }),
];
