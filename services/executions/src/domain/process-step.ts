import { randomUUID } from 'node:crypto';
import { AppError } from '@conveyor/errors';
import { lockExecution, subflowDepth } from '../db/execution-rows';
import { claimStep, getStep, parkStepOfPausedExecution, parkStepRow, type ClaimedStep } from '../db/step-rows';
import type { AbortRegistry } from './abort-registry';
import { applyStepOutcome, type StepOutcome } from './apply-outcome';
import { canCompleteFast, canFinishFast, completeStepQuickly, finishExecutionQuickly, type Continuation } from './complete-step-fast';
import { createExecution } from './create-execution';
import { finishExecution } from './finish-execution';
import type { EngineDeps, SchemaVersion } from './engine-deps';
import { runExecutor, type ExecutorLog, type RunResult } from './run-executor';
import { appendLog, runTransition } from './transition';

/** One delivery of a ready-step message. */
export interface StepDelivery {
  stepId: string;
  notBefore: string | null;
  /** JetStream delivered it before: whoever held it stopped acking (crashed, or lost its connection). */
  redelivered: boolean;
}

/**
 * `done`: ack the message; `next` is a successor this worker claimed in the same commit and runs
 * next (`runClaimedStep`). `later`: nak it, to be delivered again after `delayMs`.
 */
export type DeliveryResult = { kind: 'done'; ran: boolean; next?: Continuation | undefined } | { kind: 'later'; delayMs: number };

/** Deepest chain of subflows (parent → child → …) an execution may start. */
export const maxSubflowDepth = 10;

/** Thrown inside a transition to roll it back when the claim turned out stale. */
class StaleClaim extends Error {}

/** Claims the step, or parks it when its execution is paused, or finds it has nothing to do. */
async function claim(deps: EngineDeps, delivery: StepDelivery, claimId: string): Promise<ClaimedStep | null> {
  for (let round = 0; round < 3; round += 1) {
    const claimed = await claimStep(deps.pool, delivery.stepId, claimId, delivery.redelivered);
    if (claimed) return claimed;
    if (await parkStepOfPausedExecution(deps.pool, delivery.stepId)) return null;
    // Neither claimable nor parkable: finished, cancelled, parked, or resumed in between (claim again).
    const step = await getStep(deps.pool, delivery.stepId);
    if (!step || step.status !== 'pending' || !step.ready) return null;
  }
  return null;
}

/**
 * Handles one ready-step message: claim, run the executor (stop signal + timeout), then commit
 * the result, the successors, the logs and the outbox events in one transaction. A message for
 * a step that is already final (a redelivery after a crash between commit and ack) is a no-op.
 */
export async function processStep(deps: EngineDeps, aborts: AbortRegistry, delivery: StepDelivery): Promise<DeliveryResult> {
  if (delivery.notBefore) {
    const delayMs = Date.parse(delivery.notBefore) - Date.now();
    if (delayMs > 5) return { kind: 'later', delayMs };
  }
  const claimId = randomUUID();
  const step = await claim(deps, delivery, claimId);
  if (!step) return { kind: 'done', ran: false };
  return runClaimedStep(deps, aborts, step, claimId, deps.inProcess !== null);
}

/**
 * Runs a claimed step's executor and commits its outcome. `mayContinue`: a single quick successor
 * may be claimed in the commit and returned as `next`, for the caller to run in the same slot.
 */
export async function runClaimedStep(deps: EngineDeps, aborts: AbortRegistry, step: ClaimedStep, claimId: string, mayContinue: boolean): Promise<DeliveryResult> {
  const graph = await deps.graphs.get(step.graphKey);
  const node = graph.node(step.nodeId);
  const module = deps.findNodeModule(step.nodeType);
  const logs: ExecutorLog[] = [];
  let result: RunResult;
  if (!node || !module) {
    result = { kind: 'failed', error: `unknown node type ${step.nodeType}`, retryable: false };
  } else {
    const stop = aborts.acquire(step.executionId);
    try {
      result = await runExecutor(module, {
        executionId: step.executionId,
        tenantId: step.tenantId,
        nodeId: step.nodeId,
        attempt: step.attempt,
        config: node.config,
        input: step.input,
        controller: stop.controller,
        publish: deps.publish,
      }, logs);
    } finally {
      stop.release();
    }
  }

  // Work that talks to other services happens before the transaction, and is idempotent.
  let child: SchemaVersion | null = null;
  if (result.kind === 'subflow' && (await subflowDepth(deps.pool, step.executionId, maxSubflowDepth)) >= maxSubflowDepth) {
    // A schema that calls itself (directly or not) would otherwise nest forever.
    result = { kind: 'failed', error: `subflows nest deeper than ${maxSubflowDepth} levels`, retryable: false };
  }
  if (result.kind === 'subflow') {
    try {
      child = await deps.schemas.load(step.tenantId, result.schemaId, result.version);
    } catch (error) {
      result = { kind: 'failed', error: `subflow schema ${result.schemaId}: ${(error as Error).message}`, retryable: !(error instanceof AppError) || error.status >= 500 };
    }
  } else if (result.kind === 'waiting' && result.wait.type === 'timer') {
    try {
      await deps.timers.set({ tenantId: step.tenantId, executionId: step.executionId, stepId: step.id, fireAt: result.wait.until });
    } catch (error) {
      result = { kind: 'failed', error: `could not set the timer: ${(error as Error).message}`, retryable: true };
    }
  }

  const outcome = result;
  if (outcome.kind === 'completed' && canFinishFast(graph, step)) {
    await finishExecutionQuickly(deps, step, claimId, outcome, logs);
    return { kind: 'done', ran: true };
  }
  if (outcome.kind === 'completed' && canCompleteFast(graph, step, step.startStep, outcome.ports)) {
    const next = await completeStepQuickly(deps, graph, step, claimId, outcome, logs, mayContinue);
    return { kind: 'done', ran: true, next: next ?? undefined };
  }
  try {
    await runTransition(deps, async (t) => {
      // An execution that is no longer running or paused has cancelled this step already.
      const execution = await lockExecution(t.client, step.executionId, step.nodeId);
      if (!execution) throw new StaleClaim();
      const at = { executionId: step.executionId, stepId: step.id, nodeId: step.nodeId };
      appendLog(t, step.tenantId, { ...at, level: 'info', message: `step started (attempt ${step.attempt})`, time: step.startedAt ?? new Date() });
      for (const log of logs) appendLog(t, step.tenantId, { ...at, ...log });
      if (outcome.kind === 'subflow') {
        let started: Awaited<ReturnType<typeof createExecution>>;
        try {
          started = await createExecution(t, child!, {
            tenantId: step.tenantId,
            trigger: 'subflow',
            input: outcome.input,
            parent: { executionId: step.executionId, stepId: step.id },
          });
        } catch (error) {
          // The child cannot start (archived schema, unreadable graph): the subflow step fails.
          if (!(error instanceof AppError)) throw error;
          const failed: StepOutcome = { kind: 'failed', error: `subflow schema ${outcome.schemaId}: ${error.message}`, retryable: false };
          if (!(await applyStepOutcome(t, execution, graph, step, claimId, failed))) throw new StaleClaim();
          return;
        }
        const parked = await parkStepRow(t.client, step.id, claimId, { type: 'subflow', child_execution_id: started.execution.id });
        if (!parked) throw new StaleClaim();
        appendLog(t, step.tenantId, { ...at, level: 'info', message: `step waiting for subflow ${started.execution.id}` });
        return;
      }
      if (!(await applyStepOutcome(t, execution, graph, step, claimId, outcome as StepOutcome))) throw new StaleClaim();
    });
  } catch (error) {
    if (error instanceof StaleClaim) return { kind: 'done', ran: true };
    throw error;
  }
  return { kind: 'done', ran: true };
}

/** A timer of the scheduler fired: the parked delay / wait-until step completes with its input. */
export async function wakeTimerStep(deps: EngineDeps, executionId: string, stepId: string): Promise<void> {
  await runTransition(deps, async (t) => {
    const execution = await lockExecution(t.client, executionId);
    if (!execution || (execution.status !== 'running' && execution.status !== 'paused')) return;
    const step = await getStep(t.client, stepId);
    if (!step || step.status !== 'running' || step.wait?.type !== 'timer') return;
    const graph = await deps.graphs.get(execution.graphKey);
    await applyStepOutcome(t, execution, graph, step, null, { kind: 'completed', output: step.input ?? null, ports: null });
  });
}

/**
 * The engine itself could not handle a step message after many deliveries (its graph unreadable,
 * a bug): the execution fails with that error instead of staying `running` forever.
 */
export async function abandonStep(deps: EngineDeps, stepId: string, reason: string): Promise<void> {
  await runTransition(deps, async (t) => {
    const step = await getStep(t.client, stepId);
    if (!step) return;
    const execution = await lockExecution(t.client, step.executionId);
    if (!execution || !['queued', 'running', 'paused'].includes(execution.status)) return;
    appendLog(t, execution.tenantId, { executionId: execution.id, stepId: step.id, nodeId: step.nodeId, level: 'error', message: 'the engine gave up on this step', data: { reason } });
    await finishExecution(t, execution, { status: 'failed', error: `node ${step.nodeId} could not run: ${reason}`, currentStep: step.nodeId });
  });
}
