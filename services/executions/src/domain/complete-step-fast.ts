import { randomUUID } from 'node:crypto';
import { completeStepFast } from '../db/complete-step-fast';
import type { StepRow } from '../db/step-rows';
import type { EngineDeps } from './engine-deps';
import { edgeTaken, relevantIncoming, type CompiledGraph } from './graph';
import { appendLog, dispatchStep, emitStep, type Effects } from './transition';
import type { ExecutorLog } from './run-executor';

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

/**
 * Commits a completed step through the fast path and publishes its successors. Returns false
 * when the claim was stale (nothing written), like the general path.
 */
export async function completeStepQuickly(
  deps: EngineDeps,
  graph: CompiledGraph,
  step: StepRow & { tenantId: string },
  claim: string,
  outcome: { output: unknown; ports: string[] | null },
  executorLogs: ExecutorLog[],
): Promise<boolean> {
  const effects: Effects = { deps, outbox: [], logs: [], dispatches: [] };
  const at = { executionId: step.executionId, stepId: step.id, nodeId: step.nodeId };
  appendLog(effects, step.tenantId, { ...at, level: 'info', message: `step started (attempt ${step.attempt})`, time: step.startedAt ?? new Date() });
  for (const log of executorLogs) appendLog(effects, step.tenantId, { ...at, ...log });
  appendLog(effects, step.tenantId, { ...at, level: 'info', message: 'step completed' });
  emitStep(effects, step.tenantId, { ...step, status: 'completed', error: null });
  const successors = graph.outgoing(step.nodeId).map((edge) => ({ id: randomUUID(), nodeId: edge.to, nodeType: graph.node(edge.to)!.type }));
  const committed = await completeStepFast(deps.pool, {
    executionId: step.executionId,
    stepId: step.id,
    nodeId: step.nodeId,
    claim,
    output: outcome.output,
    ports: outcome.ports,
    successors,
    logs: effects.logs,
    outbox: effects.outbox,
  });
  if (!committed) return false;
  if (committed.status === 'running') {
    for (const successor of successors) dispatchStep(effects, { id: successor.id, executionId: step.executionId });
    await deps.signals.dispatch(effects.dispatches);
  }
  deps.signals.outboxWritten();
  return true;
}
