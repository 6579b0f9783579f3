import type { ExecutionStatus, StepStatus } from '@conveyor/contracts';
import { NotFoundError } from '@conveyor/errors';
import type { LogLevel } from '@conveyor/nodes';
import { findExecutionByIdempotencyKey, getExecution, listExecutions, type ExecutionRow } from '../db/execution-rows';
import { listLogs, type LogRow } from '../db/log-rows';
import { listSteps, type StepRow } from '../db/step-rows';
import { startExecutionNow, type ExecutionTrigger } from './create-execution';
import type { EngineDeps } from './engine-deps';
import { pauseExecution, resumeExecution, stopExecution } from './execution-controls';
import { acceptWebhook, type FinishWaiter, type WebhookAnswer, type WebhookCall } from './webhook-intake';

export interface StartRequest {
  schemaId: string;
  input?: unknown;
  startStep?: string | undefined;
  trigger?: ExecutionTrigger;
  idempotencyKey?: string | undefined;
}

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

/** The engine's operations as resolvers and request handlers call them; every read is scoped by tenant. */
export interface ExecutionService {
  start(tenantId: string, request: StartRequest): Promise<ExecutionRow>;
  get(tenantId: string, id: string): Promise<ExecutionRow>;
  list(tenantId: string, filter: { schemaId?: string | undefined; status?: ExecutionStatus | undefined; limit: number; offset: number }): Promise<Page<ExecutionRow>>;
  steps(tenantId: string, executionId: string, filter: { status?: StepStatus | undefined; nodeId?: string | undefined; limit: number; offset: number }): Promise<Page<StepRow>>;
  logs(tenantId: string, executionId: string, filter: { level?: LogLevel | undefined; step?: string | undefined; limit: number; offset: number }): Promise<Page<LogRow>>;
  pause(tenantId: string, id: string): Promise<ExecutionRow>;
  resume(tenantId: string, id: string, payload: unknown): Promise<ExecutionRow>;
  stop(tenantId: string, id: string): Promise<ExecutionRow>;
  webhook(call: WebhookCall): Promise<WebhookAnswer>;
}

export function createExecutionService(deps: EngineDeps, waitForFinish: FinishWaiter): ExecutionService {
  const get = async (tenantId: string, id: string) => {
    const execution = await getExecution(deps.pool, id, tenantId);
    if (!execution) throw new NotFoundError(`execution ${id} not found`, { details: { execution_id: id } });
    return execution;
  };
  return {
    async start(tenantId, request) {
      if (request.idempotencyKey) {
        const existing = await findExecutionByIdempotencyKey(deps.pool, tenantId, request.schemaId, request.idempotencyKey);
        if (existing) return existing;
      }
      const version = await deps.schemas.load(tenantId, request.schemaId);
      const { execution } = await startExecutionNow(deps, version, {
        tenantId,
        trigger: request.trigger ?? 'manual',
        input: request.input ?? null,
        startStep: request.startStep,
        idempotencyKey: request.idempotencyKey,
      });
      return execution;
    },
    get,
    async list(tenantId, filter) {
      const { items, total } = await listExecutions(deps.pool, { tenantId, ...filter });
      return { items, total, limit: filter.limit, offset: filter.offset };
    },
    async steps(tenantId, executionId, filter) {
      await get(tenantId, executionId);
      const { items, total } = await listSteps(deps.pool, { executionId, ...filter });
      return { items, total, limit: filter.limit, offset: filter.offset };
    },
    async logs(tenantId, executionId, filter) {
      await get(tenantId, executionId);
      const { items, total } = await listLogs(deps.pool, { executionId, ...filter });
      return { items, total, limit: filter.limit, offset: filter.offset };
    },
    pause: (tenantId, id) => pauseExecution(deps, tenantId, id),
    resume: (tenantId, id, payload) => resumeExecution(deps, tenantId, id, payload),
    stop: (tenantId, id) => stopExecution(deps, tenantId, id),
    webhook: (call) => acceptWebhook(deps, waitForFinish, call),
  };
}
