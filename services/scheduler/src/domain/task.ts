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
  triggerId: string | null;
  timerKey: string | null;
  createdAt: Date;
  updatedAt: Date;
  completedAt: Date | null;
}
