import { serviceStatusFieldResolvers, type RequestContext, type StatusService, type SubgraphResolvers } from '@conveyor/service-runtime';
import type { TaskService } from '../domain/task-service';
import type { TriggerService } from '../domain/trigger-service';
import { authorize } from './caller';
import { jsonScalar } from './json-scalar';
import { taskNode, triggerNode } from './shape';

type Args = Record<string, unknown>;
type Input = Record<string, unknown>;

export function createResolvers(deps: { status: StatusService; tasks: TaskService; triggers: TriggerService }): SubgraphResolvers {
  const reader = (context: RequestContext) => authorize(context, 'workflow:read');
  const runner = (context: RequestContext) => authorize(context, 'workflow:run');
  const writer = (context: RequestContext) => authorize(context, 'workflow:write');
  return {
    JSON: jsonScalar,
    Query: {
      schedulerStatus: () => deps.status.own(),
      schedulerPeerStatus: () => deps.status.ofPeer('catalog'),
      task: async (_: unknown, args: Args, context: RequestContext) => taskNode(await deps.tasks.get(reader(context).tenantId, args.id)),
      tasks: async (_: unknown, args: Args, context: RequestContext) => {
        const page = await deps.tasks.list(reader(context).tenantId, { status: args.status, task_type: args.taskType, limit: args.limit, offset: args.offset });
        return { tasks: page.tasks.map(taskNode), total: page.total };
      },
      trigger: async (_: unknown, args: Args, context: RequestContext) => triggerNode(await deps.triggers.get(reader(context).tenantId, args.id)),
      triggers: async (_: unknown, args: Args, context: RequestContext) => {
        const page = await deps.triggers.list(reader(context).tenantId, { pipelineId: args.pipelineId, limit: args.limit, offset: args.offset });
        return { ...page, items: page.items.map(triggerNode) };
      },
    },
    Mutation: {
      createTask: async (_: unknown, { input }: { input: Input }, context: RequestContext) => {
        const task = await deps.tasks.create(runner(context).tenantId, {
          execute_at: input.executeAt ?? undefined,
          task_type: input.taskType ?? undefined,
          payload: input.payload ?? undefined,
          max_attempts: input.maxAttempts ?? undefined,
        });
        return taskNode(task);
      },
      cancelTask: async (_: unknown, args: Args, context: RequestContext) => taskNode(await deps.tasks.cancel(runner(context).tenantId, args.id)),
      createTrigger: async (_: unknown, { input }: { input: Input }, context: RequestContext) => {
        const caller = writer(context);
        const trigger = await deps.triggers.create(caller.tenantId, caller.userId, {
          name: input.name ?? undefined,
          pipeline_id: input.pipelineId ?? undefined,
          trigger_type: input.triggerType ?? undefined,
          config: { cron_expression: input.cronExpression ?? undefined, timezone: input.timezone ?? undefined },
          parameters: input.parameters ?? undefined,
          enabled: input.enabled ?? undefined,
        });
        return triggerNode(trigger);
      },
      updateTrigger: async (_: unknown, { id, input }: { id: unknown; input: Input }, context: RequestContext) => {
        const trigger = await deps.triggers.update(writer(context).tenantId, id, {
          name: input.name,
          pipeline_id: input.pipelineId,
          config: { cron_expression: input.cronExpression, timezone: input.timezone },
          parameters: input.parameters,
        });
        return triggerNode(trigger);
      },
      enableTrigger: async (_: unknown, args: Args, context: RequestContext) => triggerNode(await deps.triggers.setEnabled(writer(context).tenantId, args.id, true)),
      disableTrigger: async (_: unknown, args: Args, context: RequestContext) => triggerNode(await deps.triggers.setEnabled(writer(context).tenantId, args.id, false)),
      deleteTrigger: async (_: unknown, args: Args, context: RequestContext) => triggerNode(await deps.triggers.remove(writer(context).tenantId, args.id)),
      runPipeline: async (_: unknown, args: Args, context: RequestContext) => {
        // Running an existing pipeline is open to every role, analysts included (002_*.txt).
        const task = await deps.triggers.runNow(runner(context).tenantId, args.pipelineId, args.parameters ?? undefined);
        return { runId: String(task.id), pipelineId: args.pipelineId, status: 'triggered', startedAt: taskNode(task).createdAt };
      },
    },
    Trigger: {
      runs: async (trigger: { id: string }, args: Args, context: RequestContext) => {
        const page = await deps.triggers.runs(reader(context).tenantId, trigger.id, { status: args.status, limit: args.limit, offset: args.offset });
        return { tasks: page.tasks.map(taskNode), total: page.total };
      },
    },
    ServiceStatus: serviceStatusFieldResolvers,
  };
}
