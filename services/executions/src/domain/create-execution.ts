import { randomUUID } from 'node:crypto';
import { ConflictError, ValidationError } from '@conveyor/errors';
import { findExecutionByIdempotencyKey, insertExecution, type ExecutionRow } from '../db/execution-rows';
import { insertStep } from '../db/step-rows';
import type { SchemaVersion } from './engine-deps';
import { normalizeGraph, type CompiledGraph, type GraphNode } from './graph';
import { appendLog, dispatchStep, emitExecution, emitStep, type Transition } from './transition';

export type ExecutionTrigger = 'manual' | 'webhook' | 'schedule' | 'subflow';

export interface NewExecutionRequest {
  tenantId: string;
  trigger: ExecutionTrigger;
  input: unknown;
  startStep?: string | undefined;
  idempotencyKey?: string | undefined;
  triggerInfo?: Record<string, unknown> | undefined;
  parent?: { executionId: string; stepId: string } | undefined;
}

const triggerTypes: Record<ExecutionTrigger, string[]> = {
  manual: ['trigger.manual'],
  webhook: ['trigger.webhook'],
  schedule: ['trigger.schedule', 'trigger.cron'],
  subflow: ['trigger.manual', 'trigger.subflow'],
};

/**
 * Where a run begins without a start step: the entry node (no incoming edge) whose trigger type
 * matches how it was started, else the first entry node, else the first node.
 */
export function chooseStartNode(graph: CompiledGraph, trigger: ExecutionTrigger): GraphNode | undefined {
  const entries = graph.entryNodes();
  return entries.find((n) => triggerTypes[trigger].includes(n.type)) ?? entries[0] ?? graph.nodes[0];
}

/** Compiles a schema version's graph, or says which part of it the engine cannot read. */
export async function graphOfVersion(t: Transition, version: SchemaVersion): Promise<CompiledGraph> {
  try {
    return await t.deps.graphs.save(t.client, normalizeGraph(version.nodes, version.edges));
  } catch (error) {
    if (error instanceof Error && /^(node|edge) \d+/.test(error.message)) {
      throw new ValidationError(`schema ${version.schemaId} cannot run: ${error.message}`);
    }
    throw error;
  }
}

/**
 * Creates an execution of a schema version and its first step, dispatched, inside the caller's
 * transition. With an idempotency key seen before for the schema, returns that execution instead
 * (`created: false`).
 */
export async function createExecution(
  t: Transition,
  version: SchemaVersion,
  request: NewExecutionRequest,
): Promise<{ execution: ExecutionRow; created: boolean; graph: CompiledGraph | null }> {
  if (version.status === 'archived' || version.status === 'deleted') {
    throw new ConflictError(`schema ${version.schemaId} is ${version.status} and cannot run`, { details: { schema_id: version.schemaId, status: version.status } });
  }
  const graph = await graphOfVersion(t, version);
  const start = request.startStep !== undefined ? graph.node(request.startStep) : chooseStartNode(graph, request.trigger);
  if (!start) {
    throw request.startStep !== undefined
      ? new ValidationError(`step ${request.startStep} is not a node of schema ${version.schemaId}`, { details: { field: 'start_step', step_id: request.startStep } })
      : new ValidationError(`schema ${version.schemaId} has no nodes to run`);
  }
  const execution = await insertExecution(t.client, {
    id: randomUUID(),
    tenantId: request.tenantId,
    schemaId: version.schemaId,
    schemaVersion: version.version,
    graphKey: graph.key,
    status: 'running',
    trigger: request.trigger,
    startStep: start.id,
    input: request.input ?? null,
    triggerInfo: request.triggerInfo ?? null,
    idempotencyKey: request.idempotencyKey ?? null,
    parentExecutionId: request.parent?.executionId ?? null,
    parentStepId: request.parent?.stepId ?? null,
  });
  if (!execution) {
    const existing = await findExecutionByIdempotencyKey(t.client, request.tenantId, version.schemaId, request.idempotencyKey!);
    return { execution: existing!, created: false, graph: null };
  }
  const step = await insertStep(t.client, {
    id: randomUUID(),
    executionId: execution.id,
    nodeId: start.id,
    nodeType: start.type,
    activation: 1,
    attempt: 1,
    status: 'pending',
    ready: true,
    dispatched: true,
    input: request.input ?? null,
    notBefore: null,
  });
  emitExecution(t, execution);
  emitStep(t, execution.tenantId, step);
  appendLog(t, execution.tenantId, { executionId: execution.id, stepId: null, nodeId: null, level: 'info', message: `execution started (${request.trigger}) at ${start.id}` });
  dispatchStep(t, step);
  return { execution, created: true, graph };
}
