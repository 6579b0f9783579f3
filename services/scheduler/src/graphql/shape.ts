import { formatTimestamp } from '../domain/rfc3339';
import { presentedState, type Task } from '../domain/task';
import { triggerStatusOf, type Trigger } from '../domain/trigger';

const time = (date: Date | null) => (date ? formatTimestamp(date) : null);

/** A task as the GraphQL `Task` type. */
export function taskNode(task: Task) {
  return {
    id: String(task.id),
    executeAt: formatTimestamp(task.executeAt),
    taskType: task.taskType,
    payload: task.payload,
    ...presentedState(task),
    maxAttempts: task.maxAttempts,
    lastError: task.lastError,
    executionId: task.executionId,
    createdAt: formatTimestamp(task.createdAt),
    updatedAt: formatTimestamp(task.updatedAt),
    completedAt: time(task.completedAt),
  };
}

export function triggerNode(trigger: Trigger) {
  return {
    id: trigger.id,
    name: trigger.name,
    pipelineId: trigger.pipelineId,
    triggerType: trigger.triggerType,
    status: triggerStatusOf(trigger),
    enabled: trigger.enabled,
    cronExpression: trigger.cronExpression,
    timezone: trigger.timezone,
    parameters: trigger.parameters,
    nextRun: time(trigger.nextRun),
    lastRunAt: time(trigger.lastRunAt),
    lastRunId: trigger.lastTaskId === null ? null : String(trigger.lastTaskId),
    skippedRuns: trigger.skippedRuns,
    concurrencyPolicy: 'skip',
    createdAt: formatTimestamp(trigger.createdAt),
    updatedAt: formatTimestamp(trigger.updatedAt),
  };
}
