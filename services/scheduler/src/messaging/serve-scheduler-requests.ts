import { subjectOfRequest, timerCancelRequest, timerSetRequest } from '@conveyor/contracts';
import { serveRequests, type Logger } from '@conveyor/service-runtime';
import type { NatsConnection, Subscription } from 'nats';
import type { ReportBatcher } from '../domain/report-batcher';
import type { TimerService } from '../domain/timer-service';
import { serveTaskReports } from './serve-task-reports';

/**
 * The scheduler's request/reply surface on NATS, each in the `scheduler` queue group so replicas
 * share it: handler reports (`task_report`, one or a batch: `serve-task-reports.ts`) and engine timers (`timer_set`, `timer_cancel`).
 */
export function serveSchedulerRequests(deps: {
  nc: NatsConnection;
  prefix: string;
  logger: Logger;
  reports: ReportBatcher;
  timers: TimerService;
}): Subscription[] {
  const common = { nc: deps.nc, queue: 'scheduler', logger: deps.logger };
  return [
    serveTaskReports({ nc: deps.nc, prefix: deps.prefix, logger: deps.logger, reports: deps.reports }),
    serveRequests({
      ...common,
      subject: subjectOfRequest(deps.prefix, 'scheduler', timerSetRequest),
      contract: timerSetRequest,
      handle: async (request) => {
        const task = await deps.timers.set({ tenantId: request.tenant_id, executionId: request.execution_id, stepId: request.step_id, fireAt: request.fire_at });
        return { timer_id: String(task.id), fire_at: task.executeAt.toISOString(), status: task.status };
      },
    }),
    serveRequests({
      ...common,
      subject: subjectOfRequest(deps.prefix, 'scheduler', timerCancelRequest),
      contract: timerCancelRequest,
      handle: async (request) => ({
        cancelled: await deps.timers.cancel({ tenantId: request.tenant_id, executionId: request.execution_id, stepId: request.step_id }),
      }),
    }),
  ];
}
