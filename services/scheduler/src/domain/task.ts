import type { TaskStatus } from '@conveyor/contracts';

/** A task as the domain sees it (one row of `scheduler.tasks`). */
export interface Task {
  id: number;
  tenantId: string;
  source: 'api' | 'trigger' | 'timer';
  taskType: string;
  payload: unknown;
  executeAt: Date;
  dueAt: Date;
  status: TaskStatus;
  attempts: number;
  maxAttempts: number;
  lastError: string | null;
  completeOnDispatch: boolean;
  /** False while the attempt is only reserved (claimed ahead of its due time, not yet published). */
  dispatched: boolean;
  triggerId: string | null;
  timerKey: string | null;
  /** `schema.execute`: the execution its latest attempt started. */
  executionId: string | null;
  createdAt: Date;
  updatedAt: Date;
  completedAt: Date | null;
}

/**
 * What the API shows: a reserved task has not started its attempt yet, so it is still `pending`
 * with the attempts it had (a reservation is an internal hand-off, not an attempt).
 */
export function presentedState(task: Task): { status: Task['status']; attempts: number } {
  if (task.status === 'processing' && !task.dispatched) return { status: 'pending', attempts: task.attempts - 1 };
  return { status: task.status, attempts: task.attempts };
}

/**
 * One attempt as the dispatcher publishes it, read lean from the claim: the payload stays the
 * JSON text PostgreSQL returns (spliced into the message as is, never parsed and re-serialized)
 * and times are epoch milliseconds (no date-string parsing per row).
 */
export interface DispatchTask {
  id: number;
  source: Task['source'];
  taskType: string;
  tenantId: string;
  attempts: number;
  maxAttempts: number;
  executeAt: Date;
  /** `due_at` after the claim: the report deadline (for a reservation, its due time plus the grace). */
  dueAt: Date;
  payloadJson: string;
  completeOnDispatch: boolean;
}
