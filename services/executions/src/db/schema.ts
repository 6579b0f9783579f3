import { sql } from 'drizzle-orm';
import { bigserial, boolean, index, integer, jsonb, pgSchema, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createOutboxTable } from '@conveyor/service-runtime/outbox-table';

export const executionsSchema = pgSchema('executions');
export const outbox = createOutboxTable(executionsSchema);

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/**
 * The graph an execution runs, keyed by the SHA-256 of its canonical JSON. Executions pin the
 * graph they started with; workers cache graphs by key, so a step costs no schema lookup.
 */
export const graphs = executionsSchema.table('graphs', {
  key: text('key').primaryKey(),
  graph: jsonb('graph').notNull(),
  createdAt: at('created_at').notNull().defaultNow(),
});

export const executions = executionsSchema.table(
  'executions',
  {
    id: uuid('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    schemaId: text('schema_id').notNull(),
    schemaVersion: integer('schema_version').notNull(),
    graphKey: text('graph_key').notNull(),
    status: text('status').notNull(),
    trigger: text('trigger').notNull(),
    currentStep: text('current_step'),
    startStep: text('start_step'),
    input: jsonb('input'),
    /** How it was triggered beyond the input: the selected headers of a webhook call. */
    triggerInfo: jsonb('trigger_info'),
    output: jsonb('output'),
    error: text('error'),
    idempotencyKey: text('idempotency_key'),
    /** Set on a subflow's child: the parent's execution and the step that waits for the child. */
    parentExecutionId: uuid('parent_execution_id'),
    parentStepId: uuid('parent_step_id'),
    startedAt: at('started_at').notNull().defaultNow(),
    finishedAt: at('finished_at'),
    updatedAt: at('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('executions_tenant_started_idx').on(t.tenantId, t.startedAt),
    index('executions_tenant_schema_idx').on(t.tenantId, t.schemaId, t.startedAt),
    uniqueIndex('executions_idempotency_idx').on(t.tenantId, t.schemaId, t.idempotencyKey).where(sql`idempotency_key is not null`),
    index('executions_parent_idx').on(t.parentExecutionId).where(sql`parent_execution_id is not null`),
  ],
);

/**
 * One activation of a node, per attempt. The unique (execution, node, activation, attempt) is what
 * makes "no step result recorded twice" a database fact: a retry is a new row, a redelivery of a
 * finished step finds its row final and does nothing.
 */
export const steps = executionsSchema.table(
  'steps',
  {
    id: uuid('id').primaryKey(),
    seq: bigserial('seq', { mode: 'number' }).notNull(),
    executionId: uuid('execution_id').notNull(),
    nodeId: text('node_id').notNull(),
    nodeType: text('node_type').notNull(),
    activation: integer('activation').notNull().default(1),
    attempt: integer('attempt').notNull().default(1),
    status: text('status').notNull(),
    /** Incoming edges decided so far (edge key -> taken output, or `{dead:true}`); a join runs when all are in. */
    joinState: jsonb('join_state').notNull().default({}),
    /** Ready to run (all inputs decided); false while a join still waits for branches. */
    ready: boolean('ready').notNull().default(false),
    /** A dispatch message is on its way; false while the execution is paused. */
    dispatched: boolean('dispatched').notNull().default(false),
    input: jsonb('input'),
    output: jsonb('output'),
    /** Output ports the step continued along. */
    ports: jsonb('ports'),
    error: text('error'),
    /** A parked step: `{type:'timer'|'approval'|'subflow', ...}`; no worker holds it. */
    wait: jsonb('wait'),
    /** The worker claim that owns a running step; a late result from an older claim is discarded. */
    claim: uuid('claim'),
    notBefore: at('not_before'),
    /**
     * A step claimed in-process (continued from its predecessor's commit, no JetStream message):
     * the time after which its worker is presumed dead and the sweeper re-dispatches it. Null for
     * steps claimed from a message (JetStream's ack wait covers those).
     */
    leaseUntil: at('lease_until'),
    createdAt: at('created_at').notNull().defaultNow(),
    startedAt: at('started_at'),
    finishedAt: at('finished_at'),
  },
  (t) => [
    uniqueIndex('steps_activation_attempt_idx').on(t.executionId, t.nodeId, t.activation, t.attempt),
    index('steps_execution_seq_idx').on(t.executionId, t.seq),
    index('steps_open_idx').on(t.executionId).where(sql`status in ('pending', 'running')`),
    /** The sweeper's scan: pending steps by age. */
    index('steps_pending_age_idx').on(t.createdAt).where(sql`status = 'pending'`),
    /** The sweeper's scan: in-process claims whose lease ran out. */
    index('steps_lease_idx').on(t.leaseUntil).where(sql`status = 'running' and lease_until is not null`),
  ],
);

export const logs = executionsSchema.table(
  'logs',
  {
    id: uuid('id').primaryKey(),
    seq: bigserial('seq', { mode: 'number' }).notNull(),
    executionId: uuid('execution_id').notNull(),
    stepId: uuid('step_id'),
    nodeId: text('node_id'),
    level: text('level').notNull(),
    message: text('message').notNull(),
    data: jsonb('data'),
    time: at('time').notNull().defaultNow(),
  },
  (t) => [index('logs_execution_seq_idx').on(t.executionId, t.seq)],
);

/**
 * Which tenant owns a schema, fed by the schemas service's own events. A webhook call names only
 * the schema; this directory finds its tenant, then the schema version is asked for that tenant.
 */
export const schemaTenants = executionsSchema.table('schema_tenants', {
  schemaId: text('schema_id').primaryKey(),
  tenantId: text('tenant_id').notNull(),
  updatedAt: at('updated_at').notNull().defaultNow(),
});
