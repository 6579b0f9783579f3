import { cancelOpenSteps, lockStep } from '../db/step-rows';
import { lockExecution, openChildIds, updateExecution, type ExecutionRow } from '../db/execution-rows';
import { applyStepOutcome } from './apply-outcome';
import { emitExecution, emitStep, type Transition } from './transition';

/**
 * Moves an execution to a final status inside the caller's transition: open steps are cancelled
 * (running executors are aborted after commit), open child executions are stopped, and a child's
 * end resumes the parent's waiting subflow step.
 */
export async function finishExecution(
  t: Transition,
  execution: ExecutionRow,
  end: { status: 'completed' | 'failed' | 'stopped'; error: string | null; currentStep?: string | null; output?: unknown },
): Promise<ExecutionRow> {
  const reason = end.status === 'stopped' ? 'execution stopped' : `execution ${end.status}`;
  // A completed execution has nothing open by definition (and so no waiting subflow child).
  const completed = end.status === 'completed';
  const cancelled = completed ? [] : await cancelOpenSteps(t.client, execution.id, reason);
  for (const step of cancelled) {
    emitStep(t, execution.tenantId, step);
    t.aborted.add(execution.id);
    if (step.wait?.type === 'timer') t.timersToCancel.set(execution.id, execution.tenantId);
  }
  const updated = await updateExecution(t.client, execution.id, {
    status: end.status,
    error: end.error,
    finishedAt: new Date(),
    ...(end.currentStep !== undefined && end.currentStep !== null ? { currentStep: end.currentStep } : {}),
    ...(end.output !== undefined ? { output: end.output } : {}),
  });
  emitExecution(t, updated);
  t.finished.set(execution.id, updated);

  for (const childId of completed ? [] : await openChildIds(t.client, execution.id)) {
    const child = await lockExecution(t.client, childId);
    if (child && ['queued', 'running', 'paused'].includes(child.status)) {
      await finishExecution(t, child, { status: 'stopped', error: `parent execution ${end.status}` });
    }
  }

  if (updated.parentExecutionId && updated.parentStepId) await resumeParent(t, updated);
  return updated;
}

/** A child execution ended: its parent's subflow step completes with the child's output, or fails. */
async function resumeParent(t: Transition, child: ExecutionRow): Promise<void> {
  const parent = await lockExecution(t.client, child.parentExecutionId!);
  if (!parent || !['running', 'paused'].includes(parent.status)) return;
  const step = await lockStep(t.client, child.parentStepId!);
  if (!step || step.status !== 'running' || step.wait?.type !== 'subflow' || step.wait.child_execution_id !== child.id) return;
  const graph = await t.deps.graphs.get(parent.graphKey);
  await applyStepOutcome(
    t,
    parent,
    graph,
    step,
    null,
    child.status === 'completed'
      ? { kind: 'completed', output: child.output ?? null, ports: null }
      : { kind: 'failed', error: `subflow ${child.id} ${child.status}${child.error ? `: ${child.error}` : ''}`, retryable: false },
  );
}
