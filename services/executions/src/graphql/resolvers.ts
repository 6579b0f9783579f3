import { serviceStatusFieldResolvers, type RequestContext, type StatusService, type SubgraphResolvers } from '@conveyor/service-runtime';
import type { ExecutionRow } from '../db/execution-rows';
import type { LogRow } from '../db/log-rows';
import type { StepRow } from '../db/step-rows';
import type { ExecutionService } from '../domain/execution-service';
import { given, listExecutionsArgs, logsArgs, parseArgs, startArgs, stepsArgs, webhookArgs } from './args';
import { callerTenant } from './caller';
import { jsonScalar } from './json-scalar';

const iso = (value: Date | null) => (value ? new Date(value).toISOString() : null);

export function createResolvers(deps: { status: StatusService; executions: ExecutionService }): SubgraphResolvers {
  const { executions } = deps;
  return {
    JSON: jsonScalar,
    Query: {
      executionsStatus: () => deps.status.own(),
      executionsPeerStatus: () => deps.status.ofPeer('scheduler'),
      execution: (_: unknown, args: { id: string }, context: RequestContext) => executions.get(callerTenant(context), args.id),
      executions: (_: unknown, args: unknown, context: RequestContext) => {
        const tenantId = callerTenant(context);
        const a = parseArgs(listExecutionsArgs, args);
        return executions.list(tenantId, { schemaId: given(a.schemaId), status: given(a.status), limit: a.limit, offset: a.offset });
      },
    },
    Mutation: {
      startExecution: (_: unknown, args: unknown, context: RequestContext) => {
        const tenantId = callerTenant(context, 'workflow:run');
        const a = parseArgs(startArgs, args);
        return executions.start(tenantId, { schemaId: a.schemaId, input: a.input ?? null, startStep: given(a.startStep), idempotencyKey: given(a.idempotencyKey) });
      },
      pauseExecution: (_: unknown, args: { id: string }, context: RequestContext) => executions.pause(callerTenant(context, 'workflow:run'), args.id),
      resumeExecution: (_: unknown, args: { id: string; payload?: unknown }, context: RequestContext) =>
        executions.resume(callerTenant(context, 'workflow:run'), args.id, args.payload ?? undefined),
      stopExecution: (_: unknown, args: { id: string }, context: RequestContext) => executions.stop(callerTenant(context, 'workflow:run'), args.id),
      // Unauthenticated by design: the schema's webhook secret signs the body (see docs/engine.md).
      triggerWebhook: (_: unknown, args: unknown) => {
        const a = parseArgs(webhookArgs, args);
        return executions.webhook({ schemaId: a.schemaId, stepId: given(a.stepId), rawBody: a.body, headers: a.headers, waitMs: given(a.waitMs) });
      },
    },
    Execution: {
      __resolveReference: (ref: { id: string }, context: RequestContext) => executions.get(callerTenant(context), ref.id),
      startedAt: (e: ExecutionRow) => iso(e.startedAt),
      finishedAt: (e: ExecutionRow) => iso(e.finishedAt),
      steps: (e: ExecutionRow, args: unknown) => {
        const a = parseArgs(stepsArgs, args);
        return executions.steps(e.tenantId, e.id, { status: given(a.status), nodeId: given(a.nodeId), limit: a.limit, offset: a.offset });
      },
      logs: (e: ExecutionRow, args: unknown) => {
        const a = parseArgs(logsArgs, args);
        return executions.logs(e.tenantId, e.id, { level: given(a.level), step: given(a.step), limit: a.limit, offset: a.offset });
      },
    },
    ExecutionStep: {
      createdAt: (s: StepRow) => iso(s.createdAt),
      startedAt: (s: StepRow) => iso(s.startedAt),
      finishedAt: (s: StepRow) => iso(s.finishedAt),
    },
    ExecutionLog: {
      time: (l: LogRow) => iso(l.time),
    },
    ServiceStatus: serviceStatusFieldResolvers,
  };
}
