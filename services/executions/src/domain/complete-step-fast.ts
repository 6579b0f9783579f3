import { randomUUID } from 'node:crypto';
import type { ExecutionRow } from '../db/execution-rows';
import type { ClaimedStep, StepContext, StepRow } from '../db/step-rows';
import type { EngineDeps } from './engine-deps';
import { edgeTaken, relevantIncoming, type CompiledGraph } from './graph';
import { appendLog, dispatchStep, emitExecution, emitStep, type Effects } from './transition';
import type { ExecutorLog } from './run-executor';

/**
 * A successor runs in-process (claimed in its predecessor's commit) only when its node's timeout
 * is at most this: its lease is the timeout plus `leaseGraceSeconds`, and a worker that dies
 * holding it delays that execution by as much (the sweeper re-sends it then).
 */
export const maxInProcessTimeoutMs = 10_000;
export const leaseGraceSeconds = 10;

/** A step claimed in the commit of its predecessor, for the same worker to run next. */
export interface Continuation {
  step: ClaimedStep;
  claim: string;
}

/**
 * Whether a completed step can commit through the one-statement fast path: it has successors,
 * takes every outgoing edge, and none of its targets is a join (or the start node). Everything
 * else (skips, joins, leaves that may complete the execution, failures, waits) takes the general
 * transition.
 */
export function canCompleteFast(graph: CompiledGraph, step: Pick<StepRow, 'nodeId'>, startStep: string, ports: string[] | null): boolean {
  const outgoing = graph.outgoing(step.nodeId);
  if (outgoing.length === 0) return false;
  return outgoing.every(
    (edge) => edge.to !== startStep && graph.node(edge.to) !== undefined && edgeTaken(edge, ports) && relevantIncoming(graph, edge.to, startStep).length === 1,
  );
}

const singlePath = new WeakMap<CompiledGraph, boolean>();

/** No node fans out, so a run of this graph has at most one open step at any time. */
function isSinglePath(graph: CompiledGraph): boolean {
  let known = singlePath.get(graph);
  if (known === undefined) {
    known = graph.nodes.every((node) => graph.outgoing(node.id).length <= 1);
    singlePath.set(graph, known);
  }
  return known;
}

/**
 * Whether a completed step ends its execution and can say so in one statement: it leads nowhere
 * (no edge to a node other than the start), nothing else can be open (the graph never fans out),
 * and no parent waits for the execution (a subflow's end resumes its parent: general path).
 */
export function canFinishFast(graph: CompiledGraph, step: ClaimedStep): boolean {
  if (step.parentExecutionId !== null || !isSinglePath(graph)) return false;
  return graph.outgoing(step.nodeId).every((edge) => edge.to === step.startStep || graph.node(edge.to) === undefined);
}

/** The logs and the event of a completed step: started, the executor's own lines, completed, `step.updated`. */
export function logCompletedStep(
  effects: Effects,
  step: Pick<ClaimedStep, 'id' | 'executionId' | 'nodeId' | 'tenantId' | 'attempt' | 'startedAt'>,
  executorLogs: ExecutorLog[],
): void {
  const at = { executionId: step.executionId, stepId: step.id, nodeId: step.nodeId };
  appendLog(effects, step.tenantId, { ...at, level: 'info', message: `step started (attempt ${step.attempt})`, time: step.startedAt ?? new Date() });
  for (const log of executorLogs) appendLog(effects, step.tenantId, { ...at, ...log });
  appendLog(effects, step.tenantId, { ...at, level: 'info', message: 'step completed' });
  emitStep(effects, step.tenantId, { ...step, status: 'completed', error: null });
}

/** What every fast-path commit of a completed step carries. */
function commitOf(step: ClaimedStep, claim: string, outcome: { output: unknown; ports: string[] | null }, effects: Effects) {
  return {
    executionId: step.executionId,
    stepId: step.id,
    nodeId: step.nodeId,
    claim,
    output: outcome.output,
    ports: outcome.ports,
    logs: effects.logs,
    outbox: effects.outbox,
  };
}

/** A claim and lease to run the successors in this process: when there is one and its node is quick, else null. */
export function continuationClaim(deps: EngineDeps, successors: Array<{ nodeType: string }>): { claim: string; leaseSeconds: number } | null {
  const timeoutMs = successors.length === 1 ? deps.findNodeModule(successors[0]!.nodeType)?.descriptor.timeoutMs : undefined;
  return timeoutMs !== undefined && timeoutMs <= maxInProcessTimeoutMs ? { claim: randomUUID(), leaseSeconds: timeoutMs / 1000 + leaseGraceSeconds } : null;
}

/**
 * A successor inserted `running` under `claim` in its predecessor's commit, as this worker runs
 * it next; `output` is the predecessor's output, which becomes its input.
 */
export function claimedSuccessor(
  context: StepContext & { executionId: string },
  next: { id: string; nodeId: string; nodeType: string },
  claim: string,
  output: unknown,
): Continuation {
  const now = new Date();
  return {
    claim,
    step: {
      id: next.id,
      seq: 0,
      executionId: context.executionId,
      nodeId: next.nodeId,
      nodeType: next.nodeType,
      activation: 1,
      attempt: 1,
      status: 'running',
      joinState: {},
      ready: true,
      dispatched: false,
      // What the database holds (the output as JSON), so a re-run from the row sees the same input.
      input: JSON.parse(JSON.stringify(output ?? null)),
      output: null,
      ports: null,
      error: null,
      wait: null,
      claim,
      notBefore: null,
      createdAt: now,
      startedAt: now,
      finishedAt: null,
      tenantId: context.tenantId,
      graphKey: context.graphKey,
      startStep: context.startStep,
      schemaId: context.schemaId,
      schemaVersion: context.schemaVersion,
      executionStartedAt: context.executionStartedAt,
      executionTrigger: context.executionTrigger,
      parentExecutionId: context.parentExecutionId,
    },
  };
}

/**
 * Commits a completed step through the fast path. With `mayContinue` and a single successor
 * whose node is quick (timeout at most `maxInProcessTimeoutMs`), the successor is claimed in the
 * same statement and returned for this worker to run next: no message, no claim, no wait for a
 * delivery. Otherwise successors are published. Returns null also when the claim was stale.
 */
export async function completeStepQuickly(
  deps: EngineDeps,
  graph: CompiledGraph,
  step: ClaimedStep,
  claim: string,
  outcome: { output: unknown; ports: string[] | null },
  executorLogs: ExecutorLog[],
  mayContinue: boolean,
): Promise<Continuation | null> {
  const effects: Effects = { deps, outbox: [], logs: [], dispatches: [] };
  logCompletedStep(effects, step, executorLogs);
  const successors = graph.outgoing(step.nodeId).map((edge) => ({ id: randomUUID(), nodeId: edge.to, nodeType: graph.node(edge.to)!.type }));
  const continueWith = mayContinue ? continuationClaim(deps, successors) : null;
  const committed = await deps.stepCommits.submit({ ...commitOf(step, claim, outcome, effects), final: null, successors, continueWith });
  if (!committed) return null;
  deps.signals.outboxWritten();
  if (committed.continued) return claimedSuccessor(step, successors[0]!, continueWith!.claim, outcome.output);
  if (committed.status === 'running') {
    for (const successor of successors) dispatchStep(effects, { id: successor.id, executionId: step.executionId });
    await deps.signals.dispatch(effects.dispatches);
  }
  return null;
}

/** Completes the last step and its execution in one statement (see `canFinishFast`); false when the claim was stale. */
export async function finishExecutionQuickly(
  deps: EngineDeps,
  step: ClaimedStep,
  claim: string,
  outcome: { output: unknown; ports: string[] | null },
  executorLogs: ExecutorLog[],
): Promise<boolean> {
  const effects: Effects = { deps, outbox: [], logs: [], dispatches: [] };
  logCompletedStep(effects, step, executorLogs);
  const finishedAt = new Date();
  const execution: ExecutionRow = {
    id: step.executionId,
    tenantId: step.tenantId,
    schemaId: step.schemaId,
    schemaVersion: step.schemaVersion,
    graphKey: step.graphKey,
    status: 'completed',
    trigger: step.executionTrigger,
    currentStep: step.nodeId,
    startStep: step.startStep,
    input: null,
    triggerInfo: null,
    // What the database holds (the output as JSON).
    output: JSON.parse(JSON.stringify(outcome.output ?? null)),
    error: null,
    idempotencyKey: null,
    parentExecutionId: null,
    parentStepId: null,
    startedAt: step.executionStartedAt,
    finishedAt,
    updatedAt: finishedAt,
  };
  emitExecution(effects, execution);
  const committed = await deps.stepCommits.submit({ ...commitOf(step, claim, outcome, effects), final: { finishedAt }, successors: [], continueWith: null });
  if (!committed?.execution) return false;
  deps.signals.outboxWritten();
  deps.signals.finished([committed.execution]);
  return true;
}
