import { randomUUID } from 'node:crypto';
import { countOpenSteps, finishStepRow, insertStep, parkStepRow, type StepRow, type StepWait } from '../db/step-rows';
import { updateExecution, type ExecutionRow } from '../db/execution-rows';
import { advanceFrom } from './advance-graph';
import { backoffDelayMs, hasAttemptsLeft } from './backoff';
import { finishExecution } from './finish-execution';
import type { CompiledGraph } from './graph';
import { appendLog, dispatchStep, emitExecution, emitStep, type Transition } from './transition';

/** What became of one run of a step's executor. */
export type StepOutcome =
  | { kind: 'completed'; output: unknown; ports: string[] | null }
  | { kind: 'failed'; error: string; retryable: boolean }
  | { kind: 'waiting'; wait: StepWait };

const noRetry = { attempts: 1, backoffMs: 0, maxBackoffMs: 0 };

/**
 * Records the outcome of a running step inside the caller's transition (the execution row is
 * locked by the caller) and moves the execution on: successors, retry, failure, completion.
 * `claim` is the worker's claim (null for a parked step resumed by a timer, approval or child).
 * Returns false when the step is no longer the claimant's to finish (stopped, re-claimed after
 * a redelivery, already finished): the outcome is then discarded, so no result is recorded twice.
 */
export async function applyStepOutcome(
  t: Transition,
  execution: ExecutionRow,
  graph: CompiledGraph,
  step: StepRow,
  claim: string | null,
  outcome: StepOutcome,
): Promise<boolean> {
  const tenantId = execution.tenantId;
  const at = { executionId: execution.id, stepId: step.id, nodeId: step.nodeId };

  if (outcome.kind === 'waiting') {
    const parked = await parkStepRow(t.client, step.id, claim ?? '', outcome.wait);
    if (!parked) return false;
    appendLog(t, tenantId, { ...at, level: 'info', message: `step waiting for ${outcome.wait.type}` });
    if (outcome.wait.type === 'approval' && execution.status === 'running') {
      emitExecution(t, await updateExecution(t.client, execution.id, { status: 'paused', currentStep: step.nodeId }));
    }
    return true;
  }

  if (outcome.kind === 'completed') {
    const done = await finishStepRow(t.client, step.id, claim, { status: 'completed', output: outcome.output, ports: outcome.ports });
    if (!done) return false;
    emitStep(t, tenantId, done);
    appendLog(t, tenantId, { ...at, level: 'info', message: 'step completed' });
    const taken = await advanceFrom(t, execution, graph, step.nodeId, { dead: false, ports: outcome.ports, output: outcome.output });
    // A taken edge left an open successor, so the execution cannot be complete: no need to count.
    // The output of a step that led nowhere is the execution's output (the last such step wins).
    if (taken === 0) await settleExecution(t, execution, { currentStep: step.nodeId, output: outcome.output });
    return true;
  }

  const failed = await finishStepRow(t.client, step.id, claim, { status: 'failed', error: outcome.error });
  if (!failed) return false;
  emitStep(t, tenantId, failed);
  const policy = t.deps.findNodeModule(step.nodeType)?.descriptor.retry ?? noRetry;
  if (outcome.retryable && hasAttemptsLeft(policy, step.attempt)) {
    const delayMs = backoffDelayMs(policy, step.attempt);
    const notBefore = new Date(Date.now() + delayMs);
    const dispatch = execution.status === 'running';
    const retry = await insertStep(t.client, {
      id: randomUUID(),
      executionId: execution.id,
      nodeId: step.nodeId,
      nodeType: step.nodeType,
      activation: step.activation,
      attempt: step.attempt + 1,
      status: 'pending',
      ready: true,
      dispatched: dispatch,
      input: step.input,
      notBefore,
    });
    appendLog(t, tenantId, { ...at, level: 'warn', message: `step failed, retrying in ${delayMs} ms (attempt ${retry.attempt} of ${policy.attempts})`, data: { error: outcome.error } });
    if (dispatch) dispatchStep(t, retry, notBefore);
    return true;
  }
  appendLog(t, tenantId, { ...at, level: 'error', message: 'step failed', data: { error: outcome.error, attempt: step.attempt } });
  await finishExecution(t, execution, { status: 'failed', error: `node ${step.nodeId} failed: ${outcome.error}`, currentStep: step.nodeId });
  return true;
}

/** After a step changed: the execution completes when nothing is left open, else it records where it is. */
export async function settleExecution(
  t: Transition,
  execution: ExecutionRow,
  changes: { currentStep: string; output?: unknown },
): Promise<void> {
  const open = await countOpenSteps(t.client, execution.id);
  if (open === 0 && (execution.status === 'running' || execution.status === 'paused')) {
    await finishExecution(t, execution, { status: 'completed', error: null, currentStep: changes.currentStep, ...(changes.output !== undefined ? { output: changes.output } : {}) });
    return;
  }
  // Only a status change is announced; where an execution is shows in its step and log events.
  await updateExecution(t.client, execution.id, changes);
}
