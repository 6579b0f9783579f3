/** A cron trigger as the domain sees it (one row of `scheduler.triggers`). */
export interface Trigger {
  id: string;
  tenantId: string;
  name: string;
  pipelineId: string;
  triggerType: 'cron';
  cronExpression: string;
  timezone: string;
  parameters: unknown;
  enabled: boolean;
  nextRun: Date | null;
  lastRunAt: Date | null;
  lastTaskId: number | null;
  skippedRuns: number;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What the API shows as `status`. */
export const triggerStatusOf = (trigger: Trigger) => (trigger.enabled ? 'active' : 'disabled');
