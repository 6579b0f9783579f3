import { taskSubject, type TaskDispatchMessage, type TimerFiredMessage } from '@conveyor/contracts';
import { formatTimestamp } from '../domain/rfc3339';
import type { Task } from '../domain/task';
import type { BatchPublisher } from '@conveyor/service-runtime';

const encoder = new TextEncoder();

function bodyOf(task: Task): TaskDispatchMessage | TimerFiredMessage {
  if (task.source === 'timer') {
    const payload = task.payload as { execution_id: string; step_id: string };
    return {
      v: 1,
      timer_id: String(task.id),
      tenant_id: task.tenantId,
      execution_id: payload.execution_id,
      step_id: payload.step_id,
      fire_at: task.executeAt.toISOString(),
      fired_at: new Date().toISOString(),
    };
  }
  return {
    v: 1,
    task_id: task.id,
    attempt: task.attempts,
    max_attempts: task.maxAttempts,
    task_type: task.taskType,
    payload: task.payload,
    tenant_id: task.tenantId,
    execute_at: formatTimestamp(task.executeAt),
    report_deadline: task.dueAt.toISOString(),
  };
}

/**
 * Publishes claimed tasks to `<prefix>.tasks.<task_type>` and waits for every JetStream ack.
 * `Nats-Msg-Id` is `<id>:<attempt>`: the same attempt published twice (a crash between publish
 * and commit) is stored once.
 */
export function createTaskPublisher(publisher: BatchPublisher, prefix: string): (tasks: Task[]) => Promise<void> {
  return (tasks) =>
    publisher.publishAll(
      tasks.map((task) => ({
        subject: taskSubject(prefix, task.taskType),
        data: encoder.encode(JSON.stringify(bodyOf(task))),
        msgId: `${task.id}:${task.attempts}`,
      })),
    );
}
