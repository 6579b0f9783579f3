import { taskLimits } from '@conveyor/contracts';
import { ValidationError } from '@conveyor/errors';
import { cronIssues } from './cron-schedule';
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

/** A new cron trigger as `002_*.txt` documents it, plus an optional `config.timezone` (IANA, default UTC). */
export function validateNewTrigger(input: RawTriggerInput): NewTrigger {
  const issues: FieldIssue[] = [];
  if (!isText(input.name, 200)) issues.push({ path: 'name', message: 'required, 1 to 200 characters' });
  else {
    const nameIssue = textIssue(input.name, 'name');
    if (nameIssue) issues.push(nameIssue);
  }
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
    cronExpression: (input.config!.cron_expression as string).trim().split(/\s+/).join(' '),
    timezone: timezone as string,
    parameters: input.parameters ?? null,
    enabled: (input.enabled as boolean | undefined | null) ?? true,
  };
}

export function parseTriggerId(value: unknown): string {
  if (typeof value !== 'string' || !/^trigger_[0-9a-f]{32}$/.test(value)) fail([{ path: 'id', message: 'a trigger id (trigger_ followed by 32 hex digits)' }]);
  return value;
}
