import { jsonNestingLimit, nestsDeeperThan, taskLimits, taskStatuses, taskTypePattern, unstorableStrings, unstorableText, type TaskStatus } from '@conveyor/contracts';
import { ValidationError } from '@conveyor/errors';
import { parseRfc3339 } from './rfc3339';

/** A field problem, reported as `details.issues[{path, message}]` like the REST adapter's own. */
export interface FieldIssue {
  path: string;
  message: string;
}

export interface NewTask {
  executeAt: Date;
  taskType: string;
  payload: unknown;
  maxAttempts: number;
}

export interface RawTaskInput {
  execute_at?: unknown;
  task_type?: unknown;
  payload?: unknown;
  max_attempts?: unknown;
}

function fail(issues: FieldIssue[]): never {
  throw new ValidationError(issues.map((i) => `${i.path}: ${i.message}`).join('; '), { details: { issues } });
}

/**
 * What keeps a client's JSON value (a payload, parameters) from being stored: nesting deeper than
 * `jsonNestingLimit`, more than `maxBytes` as JSON, or strings PostgreSQL refuses (NUL, lone
 * surrogates), each reported at its own path below `path`.
 */
export function jsonValueIssues(value: unknown, path: string, maxBytes: number): FieldIssue[] {
  if (nestsDeeperThan(value)) return [{ path, message: `nests deeper than ${jsonNestingLimit} levels` }];
  const size = jsonByteSize(value);
  if (size === undefined) return [{ path, message: 'not serializable as JSON' }];
  if (size > maxBytes) return [{ path, message: `at most ${maxBytes} bytes as JSON (got ${size})` }];
  return unstorableStrings(value, path);
}

/** A free-text field's problem PostgreSQL would otherwise answer with an error. */
export function textIssue(value: string, path: string): FieldIssue | null {
  const problem = unstorableText(value);
  return problem ? { path, message: problem } : null;
}

/** The byte size of a value as JSON (UTF-8); `undefined` when it cannot be serialized. */
export function jsonByteSize(value: unknown): number | undefined {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? undefined : Buffer.byteLength(text, 'utf8');
  } catch {
    return undefined;
  }
}

export function validateTaskType(value: unknown, path = 'task_type'): FieldIssue | null {
  if (typeof value !== 'string' || value.length === 0) return { path, message: 'required, a non-empty string' };
  if (value.length > taskLimits.taskTypeMaxLength) return { path, message: `at most ${taskLimits.taskTypeMaxLength} characters` };
  if (!taskTypePattern.test(value)) return { path, message: 'dot-separated segments of letters, digits, _ and -' };
  return null;
}

/**
 * Checks a new task as the AT API documents it: `execute_at` RFC 3339 and in the future,
 * `task_type` 1..50 characters, `payload` present (any JSON except null) and at most 64 KiB,
 * `max_attempts` an integer 1..25 (default 3). Every problem is reported, not just the first.
 */
export function validateNewTask(input: RawTaskInput, now: Date): NewTask {
  const issues: FieldIssue[] = [];
  let executeAt: Date | null = null;
  if (typeof input.execute_at !== 'string') {
    issues.push({ path: 'execute_at', message: 'required, an RFC 3339 date-time' });
  } else {
    executeAt = parseRfc3339(input.execute_at);
    if (!executeAt) issues.push({ path: 'execute_at', message: 'not an RFC 3339 date-time (e.g. 2025-11-10T15:00:00Z)' });
    else if (executeAt.getTime() <= now.getTime()) issues.push({ path: 'execute_at', message: 'must be in the future' });
  }
  const typeIssue = validateTaskType(input.task_type);
  if (typeIssue) issues.push(typeIssue);
  if (input.payload === undefined || input.payload === null) {
    issues.push({ path: 'payload', message: 'required, any JSON value except null' });
  } else {
    issues.push(...jsonValueIssues(input.payload, 'payload', taskLimits.payloadMaxBytes));
  }
  const maxAttempts = input.max_attempts ?? taskLimits.maxAttemptsDefault;
  if (typeof maxAttempts !== 'number' || !Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > taskLimits.maxAttemptsMax) {
    issues.push({ path: 'max_attempts', message: `an integer from 1 to ${taskLimits.maxAttemptsMax}` });
  }
  if (issues.length > 0) fail(issues);
  return { executeAt: executeAt!, taskType: input.task_type as string, payload: input.payload, maxAttempts: maxAttempts as number };
}

/** A task id: a positive integer that fits PostgreSQL's bigint and a JSON number exactly. */
export function parseTaskId(value: unknown): number {
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string' || !/^[1-9]\d{0,15}$/.test(text) || !Number.isSafeInteger(Number(text))) {
    fail([{ path: 'id', message: 'a positive integer' }]);
  }
  return Number(text);
}

export interface TaskFilter {
  status?: TaskStatus;
  taskType?: string;
  /** Only the runs this cron trigger started. */
  triggerId?: string;
  /** Newest first (a trigger's runs); the task API lists oldest first. */
  newestFirst?: boolean;
  limit: number;
  offset: number;
}

/** List parameters: unknown statuses, limits outside 1..100 and negative offsets are errors, not silently fixed. */
export function validateTaskFilter(input: { status?: unknown; task_type?: unknown; limit?: unknown; offset?: unknown }): TaskFilter {
  const issues: FieldIssue[] = [];
  const status = input.status ?? undefined;
  if (status !== undefined && !taskStatuses.includes(status as TaskStatus)) {
    issues.push({ path: 'status', message: `one of ${taskStatuses.join(', ')}` });
  }
  const taskType = input.task_type ?? undefined;
  if (taskType !== undefined && (typeof taskType !== 'string' || taskType.length === 0 || taskType.length > taskLimits.taskTypeMaxLength)) {
    issues.push({ path: 'task_type', message: `a string of 1 to ${taskLimits.taskTypeMaxLength} characters` });
  } else if (taskType !== undefined) {
    const problem = textIssue(taskType as string, 'task_type');
    if (problem) issues.push(problem);
  }
  const limit = input.limit ?? taskLimits.listLimitDefault;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > taskLimits.listLimitMax) {
    issues.push({ path: 'limit', message: `an integer from 1 to ${taskLimits.listLimitMax}` });
  }
  const offset = input.offset ?? 0;
  if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0 || offset > 1_000_000_000) {
    issues.push({ path: 'offset', message: 'an integer from 0 to 1000000000' });
  }
  if (issues.length > 0) fail(issues);
  return { status: status as TaskStatus | undefined, taskType: taskType as string | undefined, limit: limit as number, offset: offset as number };
}
