import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, index, integer, jsonb, pgSchema, text, timestamp, uniqueIndex, varchar } from 'drizzle-orm/pg-core';
import { createOutboxTable } from '@conveyor/service-runtime/outbox-table';

export const schedulerSchema = pgSchema('scheduler');
// `json`: the two events per task are written and relayed as text (`task-events-sql.ts`).
export const outbox = createOutboxTable(schedulerSchema, { payload: 'json' });

const ms = (name: string) => timestamp(name, { withTimezone: true, precision: 3, mode: 'date' });

/**
 * One-off tasks (the `at` API), cron-trigger runs and engine timers share this table and its
 * dispatcher. `due_at` is the one time the dispatcher looks at: for `pending` the next attempt
 * (`execute_at`, later `execute_at` plus backoff), for `processing` the report deadline after
 * which the attempt counts as failed.
 */
export const tasks = schedulerSchema.table(
  'tasks',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    tenantId: text('tenant_id').notNull(),
    /** `api` (the task API), `trigger` (a cron or manual trigger run), `timer` (an engine timer). */
    source: text('source').notNull().default('api'),
    taskType: varchar('task_type', { length: 50 }).notNull(),
    payload: jsonb('payload').notNull(),
    executeAt: ms('execute_at').notNull(),
    dueAt: ms('due_at').notNull(),
    status: text('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull().default(3),
    lastError: text('last_error'),
    /**
     * Whether the current attempt's message has reached JetStream. False only between a
     * reservation (claimed ahead of its due time) and its publish: an expired reservation that
     * was never published is handed back without counting the attempt.
     */
    dispatched: boolean('dispatched').notNull().default(true),
    /** Timers are done once JetStream holds the message; no handler report is awaited. */
    completeOnDispatch: boolean('complete_on_dispatch').notNull().default(false),
    triggerId: text('trigger_id'),
    /** Engine timers: `<execution_id>/<step_id>`, unique among live timers so a re-sent request is idempotent. */
    timerKey: text('timer_key'),
    /** `schema.execute`: the execution this attempt started; the task stays processing until it ends. */
    executionId: text('execution_id'),
    createdAt: ms('created_at').notNull().defaultNow(),
    updatedAt: ms('updated_at').notNull().defaultNow(),
    completedAt: ms('completed_at'),
  },
  (t) => [
    // The dispatcher's two questions ("what is due?", "whose attempt timed out?") are one range
    // scan each over these partial indexes, which hold only live rows.
    index('tasks_pending_due_idx').on(t.dueAt).where(sql`status = 'pending'`),
    index('tasks_processing_due_idx').on(t.dueAt).where(sql`status = 'processing'`),
    index('tasks_tenant_list_idx').on(t.tenantId, t.id),
    uniqueIndex('tasks_live_timer_key_idx').on(t.tenantId, t.timerKey).where(sql`timer_key is not null and status in ('pending', 'processing')`),
    index('tasks_trigger_idx').on(t.triggerId).where(sql`trigger_id is not null`),
    index('tasks_execution_idx').on(t.executionId).where(sql`execution_id is not null and status = 'processing'`),
  ],
);

/** Cron triggers: each occurrence becomes a `schema.execute` task (`source = 'trigger'`). */
export const triggers = schedulerSchema.table(
  'triggers',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    name: text('name').notNull(),
    pipelineId: text('pipeline_id').notNull(),
    triggerType: text('trigger_type').notNull().default('cron'),
    cronExpression: text('cron_expression').notNull(),
    timezone: text('timezone').notNull().default('UTC'),
    parameters: jsonb('parameters'),
    enabled: boolean('enabled').notNull().default(true),
    /** Null while disabled. */
    nextRun: ms('next_run'),
    lastRunAt: ms('last_run_at'),
    /** The task of the latest run; while it is pending or processing, a new occurrence is skipped. */
    lastTaskId: bigint('last_task_id', { mode: 'number' }),
    skippedRuns: integer('skipped_runs').notNull().default(0),
    createdBy: text('created_by'),
    createdAt: ms('created_at').notNull().defaultNow(),
    updatedAt: ms('updated_at').notNull().defaultNow(),
  },
  (t) => [index('triggers_due_idx').on(t.nextRun).where(sql`enabled`), index('triggers_tenant_idx').on(t.tenantId, t.createdAt)],
);

/**
 * Final statuses of executions, read from the engine's `executions.execution.updated` events and
 * kept for an hour: an execution may finish before its `schema.execute` task has recorded the
 * execution id, and the task then finds its outcome here.
 */
export const finishedExecutions = schedulerSchema.table('finished_executions', {
  executionId: text('execution_id').primaryKey(),
  status: text('status').notNull(),
  error: text('error'),
  finishedAt: ms('finished_at').notNull().defaultNow(),
});
