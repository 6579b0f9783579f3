import { executionStartRequest } from '@conveyor/contracts';
import { serveRequests, type Logger } from '@conveyor/service-runtime';
import type { NatsConnection, Subscription } from 'nats';
import { toExecutionJson } from '../domain/execution-json';
import type { ExecutionService } from '../domain/execution-service';

/** `<prefix>.executions.start`: other services (the scheduler's `schema.execute`) start executions for a tenant. */
export function serveStartRequests(options: { nc: NatsConnection; subject: string; service: ExecutionService; logger: Logger }): Subscription {
  return serveRequests({
    nc: options.nc,
    subject: options.subject,
    queue: 'executions',
    contract: executionStartRequest,
    logger: options.logger,
    handle: async (request) =>
      toExecutionJson(
        await options.service.start(request.tenant_id, {
          schemaId: request.schema_id,
          input: request.input,
          startStep: request.start_step,
          trigger: request.trigger,
          idempotencyKey: request.idempotency_key,
        }),
      ),
  });
}
