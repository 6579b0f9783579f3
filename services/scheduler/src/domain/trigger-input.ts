import { taskLimits } from '@conveyor/contracts';
import { ValidationError } from '@conveyor/errors';
import { cronExpressionIssue, cronIssues, timeZoneIssue } from './cron-schedule';
import { jsonValueIssues, textIssue, type FieldIssue } from './task-input';

export interface NewTrigger {
  name: string;
  pipelineId: string;
  cronExpression: string;
  timezone: string;
  parameters: unknown;
  enabled: boolean;
}

export interface RawTriggerInput {
  name?: unknown;
  pipeline_id?: unknown;
  trigger_type?: unknown;
  config?: { cron_expression?: unknown; timezone?: unknown } | null;
  parameters?: unknown;
  enabled?: unknown;
}

function fail(issues: FieldIssue[]): never {
  throw new ValidationError(issues.map((i) => `${i.path}: ${i.message}`).join('; '), { details: { issues } });
}

const isText = (value: unknown, max: number): value is string => typeof value === 'string' && value.trim().length > 0 && value.length <= max;

export function parametersIssues(value: unknown, path = 'parameters'): FieldIssue[] {
  if (value === undefined || value === null) return [];
  return jsonValueIssues(value, path, taskLimits.payloadMaxBytes);
}

export function pipelineIdIssue(value: unknown, path = 'pipeline_id'): FieldIssue | null {
  return isText(value, 200) ? textIssue(value, path) : { path, message: 'required, the id of a schema (1 to 200 characters)' };
}

function nameIssue(value: unknown): FieldIssue | null {
  return isText(value, 200) ? textIssue(value, 'name') : { path: 'name', message: 'required, 1 to 200 characters' };
}

/** Single spaces between the five fields, as stored and shown. */
const normalCron = (expression: string) => expression.trim().split(/\s+/).join(' ');

/** A new cron trigger as `002_*.txt` documents it, plus an optional `config.timezone` (IANA, default UTC). */
export function validateNewTrigger(input: RawTriggerInput): NewTrigger {
  const issues: FieldIssue[] = [];
  const badName = nameIssue(input.name);
  if (badName) issues.push(badName);
  const pipelineIssue = pipelineIdIssue(input.pipeline_id);
  if (pipelineIssue) issues.push(pipelineIssue);
  if ((input.trigger_type ?? 'cron') !== 'cron') issues.push({ path: 'trigger_type', message: 'only cron is supported' });
  const timezone = input.config?.timezone ?? 'UTC';
  issues.push(...cronIssues(input.config?.cron_expression, timezone));
  issues.push(...parametersIssues(input.parameters));
  if (input.enabled !== undefined && input.enabled !== null && typeof input.enabled !== 'boolean') issues.push({ path: 'enabled', message: 'a boolean' });
  if (issues.length > 0) fail(issues);
  return {
    name: (input.name as string).trim(),
    pipelineId: input.pipeline_id as string,
    cronExpression: normalCron(input.config!.cron_expression as string),
    timezone: timezone as string,
    parameters: input.parameters ?? null,
    enabled: (input.enabled as boolean | undefined | null) ?? true,
  };
}

/** Changes to a trigger's definition; an absent field keeps its value. */
export interface RawTriggerChanges {
  name?: unknown;
  pipeline_id?: unknown;
  config?: { cron_expression?: unknown; timezone?: unknown } | null;
  /** `null` clears the parameters. */
  parameters?: unknown;
}

export type TriggerChanges = Partial<Pick<NewTrigger, 'name' | 'pipelineId' | 'cronExpression' | 'timezone' | 'parameters'>>;

/**
 * The fields of an update, each checked as on creation. `undefined` keeps a field; `null` clears
 * the parameters and is refused for the others (they are required). At least one field must be
 * given.
 */
export function validateTriggerChanges(input: RawTriggerChanges): TriggerChanges {
  const issues: FieldIssue[] = [];
  const changes: TriggerChanges = {};
  if (input.name !== undefined) {
    const badName = nameIssue(input.name);
    if (badName) issues.push(badName);
    else changes.name = (input.name as string).trim();
  }
  if (input.pipeline_id !== undefined) {
    const pipelineIssue = pipelineIdIssue(input.pipeline_id);
    if (pipelineIssue) issues.push(pipelineIssue);
    else changes.pipelineId = input.pipeline_id as string;
  }
  const timezone = input.config?.timezone;
  if (timezone !== undefined) {
    const zoneIssue = timeZoneIssue(timezone);
    if (zoneIssue) issues.push(zoneIssue);
    else changes.timezone = timezone as string;
  }
  const cron = input.config?.cron_expression;
  if (cron !== undefined) {
    // Its syntax, not its zone: checked in the new zone if valid, else in UTC.
    const expressionIssue = cronExpressionIssue(cron, changes.timezone ?? 'UTC');
    if (expressionIssue) issues.push(expressionIssue);
    else changes.cronExpression = normalCron(cron as string);
  }
  if (input.parameters !== undefined) {
    const found = parametersIssues(input.parameters);
    issues.push(...found);
    if (found.length === 0) changes.parameters = input.parameters;
  }
  if (issues.length === 0 && Object.keys(changes).length === 0) {
    issues.push({ path: '', message: 'nothing to change: give at least one of name, pipeline_id, config.cron_expression, config.timezone, parameters' });
  }
  if (issues.length > 0) fail(issues);
  return changes;
}

export function parseTriggerId(value: unknown): string {
  if (typeof value !== 'string' || !/^trigger_[0-9a-f]{32}$/.test(value)) fail([{ path: 'id', message: 'a trigger id (trigger_ followed by 32 hex digits)' }]);
  return value;
}
