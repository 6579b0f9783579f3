import { ConflictError, NotFoundError } from '@conveyor/errors';
import { getExecution, lockExecution, openChildIds, updateExecution, type ExecutionRow } from '../db/execution-rows';
import { findWaitingStep, takeUndispatchedSteps } from '../db/step-rows';
import { applyStepOutcome } from './apply-outcome';
import type { EngineDeps } from './engine-deps';
import { finishExecution } from './finish-execution';
import { dispatchStep, emitExecution, runTransition, type Transition } from './transition';

async function lockOwned(t: Transition, tenantId: string, id: string): Promise<ExecutionRow> {
  const execution = await lockExecution(t.client, id);
  if (!execution || execution.tenantId !== tenantId) throw new NotFoundError(`execution ${id} not found`, { details: { execution_id: id } });
  return execution;
}

const refuse = (execution: ExecutionRow, action: string) =>
  new ConflictError(`cannot ${action} an execution that is ${execution.status}`, { details: { execution_id: execution.id, status: execution.status } });

/**
 * Pause: no new step is dispatched. Running steps finish; their successors wait as pending
 * (the worker that claims a step of a paused execution parks it instead of running it). The
 * execution's open subflow children (and theirs) are paused with it, in the same transaction.
 */
export async function pauseExecution(deps: EngineDeps, tenantId: string, id: string): Promise<ExecutionRow> {
  return runTransition(deps, async (t) => {
    const execution = await lockOwned(t, tenantId, id);
    if (execution.status === 'paused') return execution;
    if (execution.status !== 'running' && execution.status !== 'queued') throw refuse(execution, 'pause');
    return pauseTree(t, execution);
  });
}

async function pauseTree(t: Transition, execution: ExecutionRow): Promise<ExecutionRow> {
  const updated = await updateExecution(t.client, execution.id, { status: 'paused' });
  emitExecution(t, updated);
  for (const childId of await openChildIds(t.client, execution.id)) {
    const child = await lockExecution(t.client, childId);
    if (child && (child.status === 'running' || child.status === 'queued')) await pauseTree(t, child);
  }
  return updated;
}

/** Resumes one paused execution: its held steps are dispatched, then its paused children. */
async function resumeTree(t: Transition, execution: ExecutionRow): Promise<ExecutionRow> {
  const running = await updateExecution(t.client, execution.id, { status: 'running' });
  emitExecution(t, running);
  for (const step of await takeUndispatchedSteps(t.client, execution.id)) dispatchStep(t, step, step.notBefore, true);
  for (const childId of await openChildIds(t.client, execution.id)) {
    const child = await lockExecution(t.client, childId);
    if (child?.status === 'paused') await resumeTree(t, child);
  }
  return running;
}

/**
 * Resume: the held steps are dispatched, and paused subflow children resume with their parent. A
 * step parked on an approval completes with `payload` (its input when no payload is given) and
 * the execution continues from it.
 */
export async function resumeExecution(deps: EngineDeps, tenantId: string, id: string, payload: unknown): Promise<ExecutionRow> {
  await runTransition(deps, async (t) => {
    const execution = await lockOwned(t, tenantId, id);
    if (execution.status !== 'paused') throw refuse(execution, 'resume');
    const running = await resumeTree(t, execution);
    const approval = await findWaitingStep(t.client, id, 'approval');
    if (approval) {
      const graph = await deps.graphs.get(running.graphKey);
      await applyStepOutcome(t, running, graph, approval, null, { kind: 'completed', output: payload === undefined ? approval.input : payload, ports: null });
    }
  });
  return (await getExecution(deps.pool, id, tenantId))!;
}

/** Stop: running executors are aborted (their signal fires), pending and parked steps cancelled. */
export async function stopExecution(deps: EngineDeps, tenantId: string, id: string): Promise<ExecutionRow> {
  return runTransition(deps, async (t) => {
    const execution = await lockOwned(t, tenantId, id);
    if (!['queued', 'running', 'paused'].includes(execution.status)) throw refuse(execution, 'stop');
    return finishExecution(t, execution, { status: 'stopped', error: null });
  });
}
