import { randomUUID } from 'node:crypto';
import {
  builtInTaskTypes,
  taskLimits,
  triggerCreatedEvent,
  triggerDeletedEvent,
  triggerFiredEvent,
  triggerUpdatedEvent,
  type EventContract,
} from '@conveyor/contracts';
import { ConflictError, NotFoundError, ValidationError } from '@conveyor/errors';
import type pg from 'pg';
import type { z } from 'zod';
import { appendEvents, taskUpdated, type PendingEvent } from '../db/append-events';
import { insertTask, notifyTriggerDue } from '../db/insert-task';
import { listTasks } from '../db/task-queries';
import { genericPlans } from '../db/named-statement';
import {
  deleteTrigger,
  disableTriggersOfPipeline,
  findTrigger,
  insertTrigger,
  isRunLive,
  listTriggers,
  lockDueTriggers,
  recordOccurrence,
  setTriggerEnabled,
  updateTriggerDefinition,
} from '../db/trigger-queries';
import { withTransaction } from '@conveyor/service-runtime';
import type { PipelineCheck } from '../messaging/pipeline-check';
import { nextCronRun } from './cron-schedule';
import { formatTimestamp } from './rfc3339';
import type { Task } from './task';
import { validateTaskFilter, type FieldIssue } from './task-input';
import { triggerStatusOf, type Trigger } from './trigger';
import {
  parametersIssues,
  parseTriggerId,
  pipelineIdIssue,
  validateNewTrigger,
  validateTriggerChanges,
  type RawTriggerChanges,
  type RawTriggerInput,
} from './trigger-input';

export interface TriggerService {
  create(tenantId: string, createdBy: string | null, input: RawTriggerInput): Promise<Trigger>;
  get(tenantId: string, id: unknown): Promise<Trigger>;
  list(tenantId: string, filter: { pipelineId?: unknown; limit?: unknown; offset?: unknown }): Promise<{ items: Trigger[]; total: number; limit: number; offset: number }>;
  /**
   * Changes a trigger's name, pipeline, schedule or parameters. An enabled trigger whose schedule
   * (cron expression or time zone) changes gets its next run computed again from now; a run
   * already started is not affected. A new pipeline must be one the tenant has.
   */
  update(tenantId: string, id: unknown, changes: RawTriggerChanges): Promise<Trigger>;
  setEnabled(tenantId: string, id: unknown, enabled: boolean): Promise<Trigger>;
  /**
   * The runs the trigger's occurrences started (its `schema.execute` tasks), newest first. The
   * caller has found the trigger; skipped occurrences start no run.
   */
  runs(tenantId: string, id: string, filter: { status?: unknown; limit?: unknown; offset?: unknown }): Promise<{ tasks: Task[]; total: number }>;
  remove(tenantId: string, id: unknown): Promise<Trigger>;
  /** `POST /api/v1/mvp/triggers/manual/:pipeline_id`: a run now, outside any schedule. */
  runNow(tenantId: string, pipelineId: unknown, parameters: unknown): Promise<Task>;
  /**
   * A pipeline (schema) was deleted: its enabled triggers are disabled, each announced as
   * `scheduler.trigger.updated`. Returns how many. Enabling one again is the user's call (a
   * restored schema does not bring its triggers back on its own).
   */
  pipelineRemoved(tenantId: string, pipelineId: string): Promise<number>;
  /** Starts or skips every occurrence due at `now`; called by the dispatcher. */
  fireDue(now: Date): Promise<number>;
}

function triggerEvent(contract: EventContract<z.ZodType>, trigger: Trigger): PendingEvent<z.ZodType> {
  return {
    contract,
    tenantId: trigger.tenantId,
    entity: { typename: 'Trigger', id: trigger.id },
    data: {
      trigger_id: trigger.id,
      name: trigger.name,
      pipeline_id: trigger.pipelineId,
      status: triggerStatusOf(trigger),
      cron_expression: trigger.cronExpression,
      timezone: trigger.timezone,
      next_run: trigger.nextRun ? formatTimestamp(trigger.nextRun) : null,
    },
  };
}

/** The payload of a `schema.execute` task. */
export interface SchemaExecutePayload {
  schema_id: string;
  input?: unknown;
  trigger_id?: string;
}

function fail(issues: FieldIssue[]): never {
  throw new ValidationError(issues.map((i) => `${i.path}: ${i.message}`).join('; '), { details: { issues } });
}

export function createTriggerService(deps: {
  pool: pg.Pool;
  prefix: string;
  /** A run task was stored, due then. */
  onTaskScheduled: (dueMs: number) => void;
  /** A trigger's next run is then. */
  onTriggerScheduled: (dueMs: number) => void;
  onEventsWritten: () => void;
  /** The tenant's pipeline (schema) and its status; throws RESOURCE_NOT_FOUND when there is none. */
  checkPipeline: PipelineCheck;
}): TriggerService {
  async function mustFind(client: Pick<pg.PoolClient, 'query'>, tenantId: string, rawId: unknown, lock = false): Promise<Trigger> {
    const id = parseTriggerId(rawId);
    const trigger = await findTrigger(client, tenantId, id, lock);
    if (!trigger) throw new NotFoundError(`trigger ${id} not found`);
    return trigger;
  }

  async function write<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const result = await withTransaction(deps.pool, work);
    deps.onEventsWritten();
    return result;
  }

  function runTaskOf(tenantId: string, pipelineId: string, parameters: unknown, executeAt: Date, triggerId: string | null) {
    const payload: SchemaExecutePayload = { schema_id: pipelineId, input: parameters ?? {}, ...(triggerId ? { trigger_id: triggerId } : {}) };
    return { tenantId, source: 'trigger' as const, taskType: builtInTaskTypes.schemaExecute, payload, executeAt, maxAttempts: taskLimits.maxAttemptsDefault, triggerId };
  }

  return {
    async create(tenantId, createdBy, input) {
      const valid = validateNewTrigger(input);
      await deps.checkPipeline(tenantId, valid.pipelineId);
      const trigger = await write(async (client) => {
        const created = await insertTrigger(client, {
          id: `trigger_${randomUUID().replaceAll('-', '')}`,
          tenantId,
          ...valid,
          nextRun: valid.enabled ? nextCronRun(valid.cronExpression, valid.timezone, new Date()) : null,
          createdBy,
        });
        await appendEvents(client, deps.prefix, [triggerEvent(triggerCreatedEvent, created)]);
        if (created.nextRun) await notifyTriggerDue(client, created.nextRun);
        return created;
      });
      if (trigger.nextRun) deps.onTriggerScheduled(trigger.nextRun.getTime());
      return trigger;
    },
    async get(tenantId, id) {
      return mustFind(deps.pool as unknown as pg.PoolClient, tenantId, id);
    },
    async list(tenantId, filter) {
      const issues: FieldIssue[] = [];
      const limit = filter.limit ?? taskLimits.listLimitDefault;
      const offset = filter.offset ?? 0;
      if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > taskLimits.listLimitMax) issues.push({ path: 'limit', message: `an integer from 1 to ${taskLimits.listLimitMax}` });
      if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0) issues.push({ path: 'offset', message: 'a non-negative integer' });
      const pipelineId = filter.pipelineId ?? undefined;
      const pipelineIssue = pipelineId === undefined ? null : pipelineIdIssue(pipelineId);
      if (pipelineIssue) issues.push(pipelineIssue);
      if (issues.length > 0) fail(issues);
      const page = await listTriggers(deps.pool as unknown as pg.PoolClient, tenantId, { pipelineId: pipelineId as string | undefined, limit: limit as number, offset: offset as number });
      return { ...page, limit: limit as number, offset: offset as number };
    },
    async update(tenantId, rawId, input) {
      const id = parseTriggerId(rawId);
      const changes = validateTriggerChanges(input);
      // A new pipeline is asked of the schemas service before the trigger's row is locked, so that
      // no lock is held across a NATS request.
      const before = await mustFind(deps.pool as unknown as pg.PoolClient, tenantId, id);
      if (changes.pipelineId !== undefined && changes.pipelineId !== before.pipelineId) await deps.checkPipeline(tenantId, changes.pipelineId);
      const trigger = await write(async (client) => {
        const current = await mustFind(client, tenantId, id, true);
        const next = { ...current, ...changes };
        const scheduleChanged = next.cronExpression !== current.cronExpression || next.timezone !== current.timezone;
        const changed =
          scheduleChanged || next.name !== current.name || next.pipelineId !== current.pipelineId || JSON.stringify(next.parameters) !== JSON.stringify(current.parameters);
        if (!changed) return current;
        const nextRun = scheduleChanged && current.enabled ? nextCronRun(next.cronExpression, next.timezone, new Date()) : current.nextRun;
        const updated = await updateTriggerDefinition(client, id, { ...next, nextRun });
        await appendEvents(client, deps.prefix, [triggerEvent(triggerUpdatedEvent, updated)]);
        if (nextRun && nextRun.getTime() !== current.nextRun?.getTime()) await notifyTriggerDue(client, nextRun);
        return updated;
      });
      if (trigger.nextRun) deps.onTriggerScheduled(trigger.nextRun.getTime());
      return trigger;
    },
    async setEnabled(tenantId, rawId, enabled) {
      // A trigger disabled because its pipeline was deleted stays off until the pipeline is back.
      if (enabled) {
        const current = await mustFind(deps.pool as unknown as pg.PoolClient, tenantId, rawId);
        if (!current.enabled) await deps.checkPipeline(tenantId, current.pipelineId);
      }
      const trigger = await write(async (client) => {
        const current = await mustFind(client, tenantId, rawId, true);
        if (current.enabled === enabled) return current;
        // Enabling starts from now: occurrences that passed while disabled are not run.
        const nextRun = enabled ? nextCronRun(current.cronExpression, current.timezone, new Date()) : null;
        const updated = await setTriggerEnabled(client, current.id, enabled, nextRun);
        await appendEvents(client, deps.prefix, [triggerEvent(triggerUpdatedEvent, updated)]);
        if (nextRun) await notifyTriggerDue(client, nextRun);
        return updated;
      });
      if (trigger.nextRun) deps.onTriggerScheduled(trigger.nextRun.getTime());
      return trigger;
    },
    async runs(tenantId, id, rawFilter) {
      const filter = validateTaskFilter({ status: rawFilter.status, limit: rawFilter.limit, offset: rawFilter.offset });
      return listTasks(deps.pool, tenantId, { ...filter, triggerId: id, newestFirst: true });
    },
    async remove(tenantId, rawId) {
      return write(async (client) => {
        const current = await mustFind(client, tenantId, rawId, true);
        await deleteTrigger(client, current.id);
        await appendEvents(client, deps.prefix, [triggerEvent(triggerDeletedEvent, { ...current, enabled: false, nextRun: null })]);
        return { ...current, enabled: false, nextRun: null };
      });
    },
    async runNow(tenantId, pipelineId, parameters) {
      const pipelineIssue = pipelineIdIssue(pipelineId);
      const issues = [...(pipelineIssue ? [pipelineIssue] : []), ...parametersIssues(parameters)];
      if (issues.length > 0) fail(issues);
      // The engine starts only active schemas outside the editor: a draft or archived one would
      // fail at once, so it is refused here and nothing is stored.
      const { status } = await deps.checkPipeline(tenantId, pipelineId as string);
      if (status !== 'active') {
        throw new ConflictError(`pipeline ${pipelineId as string} is ${status}; only active pipelines run`, { details: { pipeline_id: pipelineId, status } });
      }
      const task = await write(async (client) => {
        const created = await insertTask(client, runTaskOf(tenantId, pipelineId as string, parameters, new Date(), null));
        await appendEvents(client, deps.prefix, [taskUpdated(created)]);
        return created;
      });
      deps.onTaskScheduled(task.dueAt.getTime());
      return task;
    },
    async pipelineRemoved(tenantId, pipelineId) {
      const disabled = await write(async (client) => {
        const triggers = await disableTriggersOfPipeline(client, tenantId, pipelineId);
        if (triggers.length > 0) await appendEvents(client, deps.prefix, triggers.map((trigger) => triggerEvent(triggerUpdatedEvent, trigger)));
        return triggers;
      });
      return disabled.length;
    },
    async fireDue(now) {
      let total = 0;
      for (;;) {
        const fired = await withTransaction(deps.pool, async (client) => {
          const due = await lockDueTriggers(client, now, 100);
          const events: PendingEvent<z.ZodType>[] = [];
          for (const trigger of due) {
            const scheduledFor = trigger.nextRun!;
            // Computed from now, not from the missed occurrence: after downtime, the missed
            // occurrences collapse into this one run instead of firing once per missed slot.
            const nextRun = nextCronRun(trigger.cronExpression, trigger.timezone, now);
            let task: Task | null = null;
            if (!(await isRunLive(client, trigger.lastTaskId))) {
              task = await insertTask(client, runTaskOf(trigger.tenantId, trigger.pipelineId, trigger.parameters, scheduledFor, trigger.id));
              events.push(taskUpdated(task));
            }
            const updated = await recordOccurrence(client, trigger.id, { nextRun, startedTaskId: task?.id ?? null, firedAt: now });
            events.push(triggerEvent(triggerUpdatedEvent, updated), {
              contract: triggerFiredEvent,
              tenantId: trigger.tenantId,
              entity: { typename: 'Trigger', id: trigger.id },
              data: {
                trigger_id: trigger.id,
                pipeline_id: trigger.pipelineId,
                outcome: task ? 'started' : 'skipped',
                run_id: task ? String(task.id) : null,
                scheduled_for: formatTimestamp(scheduledFor),
                fired_at: formatTimestamp(now),
              },
            });
            if (nextRun) deps.onTriggerScheduled(nextRun.getTime());
          }
          await appendEvents(client, deps.prefix, events);
          return due.length;
        }, genericPlans);
        total += fired;
        if (fired > 0) deps.onEventsWritten();
        if (fired < 100) return total;
      }
    },
  };
}
