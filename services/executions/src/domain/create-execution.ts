import { randomUUID } from 'node:crypto';
import { ConflictError, ValidationError } from '@conveyor/errors';
import { findExecutionByIdempotencyKey, type ExecutionRow } from '../db/execution-rows';
import { insertStartedExecutions, type StartedExecution } from '../db/insert-started-execution';
import type { Queryable } from '@conveyor/service-runtime';
import type { EngineDeps, SchemaVersion } from './engine-deps';
import { normalizeGraph, type CompiledGraph, type GraphNode } from './graph';
import { claimedSuccessor, continuationClaim, leaseGraceSeconds, logCompletedStep, maxInProcessTimeoutMs, type Continuation } from './complete-step-fast';
import { runTriggerAtStart } from './trigger-at-start';
import { appendLog, dispatchStep, emitExecution, type Effects } from './transition';

export type ExecutionTrigger = 'manual' | 'webhook' | 'schedule' | 'subflow';

export interface NewExecutionRequest {
  /** Chosen by the caller when it must know the id before the start (to listen for the end). */
  executionId?: string | undefined;
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
export function graphOfVersion(deps: EngineDeps, version: SchemaVersion): { graph: CompiledGraph; stored: boolean } {
  try {
    // A cached schema version is the same object call after call: hash its graph once.
    const known = compiledVersions.get(version.nodes);
    if (known) return { graph: known, stored: deps.graphs.has(known.key) };
    const compiled = deps.graphs.compile(normalizeGraph(version.nodes, version.edges));
    compiledVersions.set(version.nodes, compiled.graph);
    return compiled;
  } catch (error) {
    if (error instanceof Error && /^(node|edge) \d+/.test(error.message)) {
      throw new ValidationError(`schema ${version.schemaId} cannot run: ${error.message}`);
    }
    throw error;
  }
}

const compiledVersions = new WeakMap<object, CompiledGraph>();

/**
 * Where a start writes: the caller's transaction (subflow) or the pool (one statement, its own
 * transaction). `runFirstStep`: this process runs the first step itself when it is quick (claimed
 * in the start, leased), or, when that step is a trigger completed in the start
 * (`runTriggerAtStart`), its single quick successor; the claimed step is left in `firstStep` for
 * the caller to run after commit.
 */
export type StartContext = Effects & {
  client: Queryable;
  afterCommit: Array<() => void>;
  runFirstStep?: boolean;
  firstStep?: Continuation;
  /** Commits the start on its own (group commit with other starts) instead of through `client`. */
  commitStart?: (start: StartedExecution) => Promise<ExecutionRow | null>;
};

/**
 * Creates an execution of a schema version and its first step, dispatched after commit, in one
 * statement (a trigger as first step is run first and written completed, with its successors). With an idempotency key seen before for the schema, returns that execution instead
 * (`created: false`).
 */
export async function createExecution(
  t: StartContext,
  version: SchemaVersion,
  request: NewExecutionRequest,
): Promise<{ execution: ExecutionRow; created: boolean }> {
  if (version.status === 'archived' || version.status === 'deleted') {
    throw new ConflictError(`schema ${version.schemaId} is ${version.status} and cannot run`, { details: { schema_id: version.schemaId, status: version.status } });
  }
  if ((request.trigger === 'webhook' || request.trigger === 'schedule') && version.status !== 'active') {
    throw new ConflictError(`schema ${version.schemaId} is ${version.status}; only active schemas run by ${request.trigger}`, { details: { schema_id: version.schemaId, status: version.status } });
  }
  const { graph, stored } = graphOfVersion(t.deps, version);
  const start = request.startStep !== undefined ? graph.node(request.startStep) : chooseStartNode(graph, request.trigger);
  if (!start) {
    throw request.startStep !== undefined
      ? new ValidationError(`step ${request.startStep} is not a node of schema ${version.schemaId}`, { details: { field: 'start_step', step_id: request.startStep } })
      : new ValidationError(`schema ${version.schemaId} has no nodes to run`);
  }
  const startedAt = new Date();
  const fields = {
    id: request.executionId ?? randomUUID(),
    tenantId: request.tenantId,
    schemaId: version.schemaId,
    schemaVersion: version.version,
    graphKey: graph.key,
    status: 'running' as const,
    trigger: request.trigger,
    startStep: start.id,
    input: request.input ?? null,
    triggerInfo: request.triggerInfo ?? null,
    idempotencyKey: request.idempotencyKey ?? null,
    parentExecutionId: request.parent?.executionId ?? null,
    parentStepId: request.parent?.stepId ?? null,
  };
  const row: ExecutionRow = { ...fields, currentStep: start.id, output: null, error: null, startedAt, finishedAt: null, updatedAt: startedAt };
  const own: Effects = { deps: t.deps, outbox: [], logs: [], dispatches: [] };
  emitExecution(own, row);
  appendLog(own, row.tenantId, { executionId: row.id, stepId: null, nodeId: null, level: 'info', message: `execution started (${request.trigger}) at ${start.id}`, time: startedAt });
  const stepId = randomUUID();
  // What the database holds (the input as JSON): the first step's input, in its row and in memory.
  const storedInput: unknown = JSON.parse(JSON.stringify(fields.input ?? null));
  const trigger = await runTriggerAtStart(t.deps, graph, start, { executionId: row.id, tenantId: row.tenantId, input: storedInput });
  let firstDone: StartedExecution['firstDone'] = null;
  let claimFirst: StartedExecution['claimFirst'] = null;
  if (trigger) {
    logCompletedStep(own, { id: stepId, executionId: row.id, nodeId: start.id, tenantId: row.tenantId, attempt: 1, startedAt: trigger.startedAt }, trigger.logs);
    firstDone = { output: trigger.output, ports: trigger.ports, successors: trigger.successors, continueWith: t.runFirstStep ? continuationClaim(t.deps, trigger.successors) : null };
  } else {
    const timeoutMs = t.runFirstStep ? t.deps.findNodeModule(start.type)?.descriptor.timeoutMs : undefined;
    claimFirst = timeoutMs !== undefined && timeoutMs <= maxInProcessTimeoutMs ? { claim: randomUUID(), leaseSeconds: timeoutMs / 1000 + leaseGraceSeconds } : null;
  }
  const started: StartedExecution = {
    execution: { ...fields, startedAt },
    step: { id: stepId, executionId: row.id, nodeId: start.id, nodeType: start.type, activation: 1, attempt: 1, status: 'pending', ready: true, dispatched: true, input: fields.input, notBefore: null },
    graph: stored ? null : { key: graph.key, json: JSON.stringify({ nodes: graph.nodes, edges: graph.edges }) },
    logs: own.logs,
    outbox: own.outbox,
    claimFirst,
    firstDone,
  };
  const execution = t.commitStart ? await t.commitStart(started) : (await insertStartedExecutions(t.client, [started]))[0]!;
  if (!execution) {
    const existing = await findExecutionByIdempotencyKey(t.client, request.tenantId, version.schemaId, request.idempotencyKey!);
    return { execution: existing!, created: false };
  }
  if (!stored) t.afterCommit.push(() => t.deps.graphs.remember(graph));
  const context = {
    executionId: row.id, tenantId: row.tenantId, graphKey: graph.key, startStep: start.id, schemaId: row.schemaId, schemaVersion: row.schemaVersion,
    executionStartedAt: startedAt, executionTrigger: row.trigger, parentExecutionId: row.parentExecutionId,
  };
  if (firstDone?.continueWith) {
    t.firstStep = claimedSuccessor(context, firstDone.successors[0]!, firstDone.continueWith.claim, firstDone.output);
  } else if (firstDone) {
    for (const successor of firstDone.successors) dispatchStep(t, { id: successor.id, executionId: row.id });
  } else if (claimFirst) {
    t.firstStep = {
      claim: claimFirst.claim,
      step: {
        id: stepId, seq: 0, nodeId: start.id, nodeType: start.type, activation: 1, attempt: 1, status: 'running',
        joinState: {}, ready: true, dispatched: false, input: storedInput,
        output: null, ports: null, error: null, wait: null, claim: claimFirst.claim, notBefore: null,
        createdAt: startedAt, startedAt: new Date(), finishedAt: null, ...context,
      },
    };
  } else {
    dispatchStep(t, { id: stepId, executionId: row.id });
  }
  return { execution, created: true };
}

/**
 * Starts an execution outside any transaction: one statement, then the dispatch, or (when this
 * process runs steps and has a free slot) the first step runs here, claimed in that statement.
 */
export async function startExecutionNow(deps: EngineDeps, version: SchemaVersion, request: NewExecutionRequest) {
  const inProcess = deps.inProcess;
  const slot = inProcess?.tryAcquire() ?? false;
  const t: StartContext = {
    deps, client: deps.pool, outbox: [], logs: [], dispatches: [], afterCommit: [], runFirstStep: slot,
    commitStart: (start) => deps.startCommits.submit(start),
  };
  let result: Awaited<ReturnType<typeof createExecution>>;
  try {
    result = await createExecution(t, version, request);
  } catch (error) {
    if (slot) inProcess!.release();
    throw error;
  }
  for (const run of t.afterCommit) run();
  if (t.dispatches.length > 0) await deps.signals.dispatch(t.dispatches);
  if (result.created) deps.signals.outboxWritten();
  const first = t.firstStep;
  if (first) void inProcess!.runChain(first).finally(() => inProcess!.release());
  else if (slot) inProcess!.release();
  return result;
}
