import { timerCancelRequest, timerSetRequest } from '@conveyor/contracts';
import { requestOverNats } from '@conveyor/service-runtime';
import type { NatsConnection } from 'nats';
import type { TimerService } from '../domain/engine-deps';

/** The scheduler's timers over request/reply (`timer_set` is idempotent per execution and step). */
export function createSchedulerTimers(options: { nc: NatsConnection; subject: (verb: string) => string }): TimerService {
  return {
    async set({ tenantId, executionId, stepId, fireAt }) {
      await requestOverNats({
        nc: options.nc,
        subject: options.subject(timerSetRequest.verb),
        contract: timerSetRequest,
        payload: { tenant_id: tenantId, execution_id: executionId, step_id: stepId, fire_at: fireAt },
      });
    },
    async cancel({ tenantId, executionId }) {
      await requestOverNats({
        nc: options.nc,
        subject: options.subject(timerCancelRequest.verb),
        contract: timerCancelRequest,
        payload: { tenant_id: tenantId, execution_id: executionId },
      });
    },
  };
}
