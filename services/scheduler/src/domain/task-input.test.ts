import { ValidationError } from '@conveyor/errors';
import { describe, expect, it } from 'vitest';
import { validateNewTask, validateTaskFilter } from './task-input';

const issuesOf = (work: () => unknown) => {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return ((error as ValidationError).details as { issues: unknown[] }).issues;
  }
  throw new Error('expected a validation error');
};

const now = new Date('2026-01-01T00:00:00Z');
const valid = { execute_at: '2026-01-01T00:00:01Z', task_type: 'send_email', payload: { to: 'a@example.com' } };

describe('validateNewTask', () => {
  it('takes a documented task and defaults max_attempts to 3', () => {
    expect(validateNewTask(valid, now)).toEqual({ executeAt: new Date('2026-01-01T00:00:01Z'), taskType: 'send_email', payload: { to: 'a@example.com' }, maxAttempts: 3 });
  });

  it('names each string PostgreSQL could not store by its path', () => {
    expect(issuesOf(() => validateNewTask({ ...valid, payload: { to: ['ok', 'a\u0000'], ['k\ud800']: 1 } }, now))).toEqual([
      { path: 'payload/k\ud800', message: 'key must be well-formed Unicode (a lone surrogate was found)' },
      { path: 'payload/to/1', message: 'must not contain NUL characters' },
    ]);
  });

  it('refuses a payload nested deeper than 100 levels, and takes one of 100', () => {
    const nested = (levels: number) => JSON.parse(`${'['.repeat(levels)}${']'.repeat(levels)}`);
    expect(validateNewTask({ ...valid, payload: nested(100) }, now).payload).toEqual(nested(100));
    expect(issuesOf(() => validateNewTask({ ...valid, payload: nested(101) }, now))).toEqual([{ path: 'payload', message: 'nests deeper than 100 levels' }]);
  });
});

describe('validateTaskFilter', () => {
  it.each([
    [{ offset: 1_000_000_001 }, 'offset', 'an integer from 0 to 1000000000'],
    [{ offset: -1 }, 'offset', 'an integer from 0 to 1000000000'],
    [{ limit: 101 }, 'limit', 'an integer from 1 to 100'],
    [{ task_type: 'a\u0000b' }, 'task_type', 'must not contain NUL characters'],
    [{ status: 'sleeping' }, 'status', 'one of pending, processing, completed, failed, cancelled'],
  ])('refuses %j', (filter, path, message) => {
    expect(issuesOf(() => validateTaskFilter(filter))).toEqual([{ path, message }]);
  });

  it('defaults to the first 50', () => {
    expect(validateTaskFilter({})).toEqual({ status: undefined, taskType: undefined, limit: 50, offset: 0 });
  });
});
