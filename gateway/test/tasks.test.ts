import { createTestUser } from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSchedulerPlatform, type SchedulerPlatform } from '../../services/scheduler/test/scheduler-platform';

/** The AT API of `001_*.txt` through the real gateway and scheduler processes. */
let platform: SchedulerPlatform;

beforeAll(async () => {
  platform = await startSchedulerPlatform('tasks_rest', { gateway: true });
});

afterAll(async () => {
  await platform?.destroy();
});

const call = async (method: string, path: string, body?: unknown, authorization: string | null = platform.tenant.admin.authorization) => {
  const response = await fetch(`${platform.gatewayUrl}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(authorization ? { authorization } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
};

const inAMinute = () => new Date(Date.now() + 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
const storedTasks = async () => Number((await platform.sql.query('select count(*) from scheduler.tasks')).rows[0].count);

describe('POST /api/v1/tasks', () => {
  it('creates a pending task and answers 201 with the documented body', async () => {
    const executeAt = inAMinute();
    const { status, body } = await call('POST', '/api/v1/tasks', {
      execute_at: executeAt,
      task_type: 'send_email',
      payload: { to: 'user@example.com', subject: 'Напоминание' },
      max_attempts: 3,
    });
    expect(status).toBe(201);
    expect(Object.keys(body)).toEqual(['task']);
    expect(body.task).toEqual({
      id: expect.any(Number),
      execute_at: executeAt,
      task_type: 'send_email',
      payload: { to: 'user@example.com', subject: 'Напоминание' },
      status: 'pending',
      attempts: 0,
      max_attempts: 3,
      created_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/),
      updated_at: expect.any(String),
    });
  });

  it('defaults max_attempts to 3, keeps milliseconds and normalises offsets to UTC', async () => {
    const { status, body } = await call('POST', '/api/v1/tasks', { execute_at: '2999-01-01T03:00:00.250+03:00', task_type: 'a.b-c_d', payload: [1, 2] });
    expect(status).toBe(201);
    expect(body.task).toMatchObject({ max_attempts: 3, execute_at: '2999-01-01T00:00:00.250Z', payload: [1, 2] });
  });

  it.each([
    ['execute_at in the past', { execute_at: '2020-01-01T00:00:00Z', task_type: 't', payload: {} }, '/body/execute_at'],
    ['malformed execute_at', { execute_at: '10.11.2025 15:00', task_type: 't', payload: {} }, '/body/execute_at'],
    ['an impossible date', { execute_at: '2999-02-30T00:00:00Z', task_type: 't', payload: {} }, '/body/execute_at'],
    ['missing execute_at', { task_type: 't', payload: {} }, '/body/execute_at'],
    ['task_type of 51 characters', { execute_at: '2999-01-01T00:00:00Z', task_type: 'x'.repeat(51), payload: {} }, '/body/task_type'],
    ['task_type with a space', { execute_at: '2999-01-01T00:00:00Z', task_type: 'send email', payload: {} }, '/body/task_type'],
    ['missing task_type', { execute_at: '2999-01-01T00:00:00Z', payload: {} }, '/body/task_type'],
    ['missing payload', { execute_at: '2999-01-01T00:00:00Z', task_type: 't' }, '/body/payload'],
    ['null payload', { execute_at: '2999-01-01T00:00:00Z', task_type: 't', payload: null }, '/body/payload'],
    ['a payload over 64 KiB', { execute_at: '2999-01-01T00:00:00Z', task_type: 't', payload: { blob: 'x'.repeat(70_000) } }, '/body/payload'],
    ['max_attempts 0', { execute_at: '2999-01-01T00:00:00Z', task_type: 't', payload: {}, max_attempts: 0 }, '/body/max_attempts'],
    ['max_attempts 26', { execute_at: '2999-01-01T00:00:00Z', task_type: 't', payload: {}, max_attempts: 26 }, '/body/max_attempts'],
    ['max_attempts 1.5', { execute_at: '2999-01-01T00:00:00Z', task_type: 't', payload: {}, max_attempts: 1.5 }, '/body/max_attempts'],
    ['max_attempts as a string', { execute_at: '2999-01-01T00:00:00Z', task_type: 't', payload: {}, max_attempts: '3' }, '/body/max_attempts'],
  ])('refuses %s with 400 and stores nothing', async (_name, payload, path) => {
    const before = await storedTasks();
    const { status, body } = await call('POST', '/api/v1/tasks', payload);
    expect(status).toBe(400);
    expect(body.error.code).toBe('VALIDATION_ERROR');
    expect(body.error.details.issues.map((i: { path: string }) => i.path)).toContain(path);
    expect(body.error.request_id).toEqual(expect.any(String));
    expect(await storedTasks()).toBe(before);
  });

  it.each([
    ['a malformed execute_at', { execute_at: '2026-13-01T00:00:00Z', task_type: 't', payload: {} }, '/body/execute_at'],
    ['an empty task_type', { execute_at: '2999-01-01T00:00:00Z', task_type: '', payload: {} }, '/body/task_type'],
  ])('names one problem for %s, not its consequences too', async (_name, payload, path) => {
    const { status, body } = await call('POST', '/api/v1/tasks', payload);
    expect(status).toBe(400);
    expect(body.error.details.issues).toEqual([{ path, message: expect.any(String) }]);
  });

  it.each([
    ['a NUL character', { note: 'a\u0000b' }, 'payload/note', 'must not contain NUL characters'],
    ['a NUL character in a key', { ['a\u0000']: 1 }, 'payload/a\u0000', 'key must not contain NUL characters'],
    ['a lone surrogate', ['\ud800'], 'payload/0', 'must be well-formed Unicode (a lone surrogate was found)'],
  ])('refuses a payload with %s at its path, and stores nothing', async (_name, payload, path, message) => {
    const before = await storedTasks();
    const { status, body } = await call('POST', '/api/v1/tasks', { execute_at: inAMinute(), task_type: 't', payload });
    expect(status).toBe(400);
    expect(body.error.code).toBe('VALIDATION_ERROR');
    expect(body.error.details.issues).toEqual([{ path, message }]);
    expect(await storedTasks()).toBe(before);
  });

  it('takes a payload nested as deep as a body may be, and refuses one level more with 400', async () => {
    const nested = (levels: number) => JSON.parse(`${'['.repeat(levels)}${']'.repeat(levels)}`);
    // The body object is the first of the 100 levels a body may have.
    const deepest = await call('POST', '/api/v1/tasks', { execute_at: inAMinute(), task_type: 't', payload: nested(99) });
    expect(deepest.status).toBe(201);
    expect(deepest.body.task.payload).toEqual(nested(99));
    const before = await storedTasks();
    const deeper = await call('POST', '/api/v1/tasks', { execute_at: inAMinute(), task_type: 't', payload: nested(100) });
    expect(deeper.status).toBe(400);
    expect(deeper.body.error).toMatchObject({ code: 'INVALID_JSON', details: { max_depth: 100 } });
    expect(await storedTasks()).toBe(before);
  });

  it('refuses a body that is not JSON', async () => {
    const response = await fetch(`${platform.gatewayUrl}/api/v1/tasks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: platform.tenant.admin.authorization },
      body: '{"execute_at":',
    });
    expect(response.status).toBe(400);
  });
});

describe('GET and DELETE /api/v1/tasks/:id', () => {
  it('reads a task, cancels it once, then answers 404', async () => {
    const created = (await call('POST', '/api/v1/tasks', { execute_at: inAMinute(), task_type: 'send_sms', payload: { phone: '+1234567890' } })).body.task;
    const read = await call('GET', `/api/v1/tasks/${created.id}`);
    expect(read).toEqual({ status: 200, body: { task: created } });
    const cancelled = await call('DELETE', `/api/v1/tasks/${created.id}`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.task).toMatchObject({ id: created.id, status: 'cancelled', attempts: 0 });
    expect(Date.parse(cancelled.body.task.updated_at)).toBeGreaterThanOrEqual(Date.parse(created.updated_at));
    const again = await call('DELETE', `/api/v1/tasks/${created.id}`);
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe('RESOURCE_NOT_FOUND');
    expect((await call('GET', `/api/v1/tasks/${created.id}`)).body.task.status).toBe('cancelled');
  });

  it('answers 404 for a task that does not exist', async () => {
    expect((await call('GET', '/api/v1/tasks/999999')).status).toBe(404);
    expect((await call('DELETE', '/api/v1/tasks/999999')).status).toBe(404);
  });

  it.each([
    ['abc', 'a positive integer'],
    ['0', 'a positive integer'],
    ['-1', 'a positive integer'],
    ['1.5', 'a positive integer'],
    ['99999999999999999999', 'at most 9007199254740991'],
    ['9007199254740992', 'at most 9007199254740991'],
  ])('answers 400 for the id %j, with one issue that says why', async (id, message) => {
    const get = await call('GET', `/api/v1/tasks/${id}`);
    expect(get.status).toBe(400);
    expect(get.body.error.details.issues).toEqual([{ path: '/params/id', message }]);
    expect((await call('DELETE', `/api/v1/tasks/${id}`)).status).toBe(400);
  });
});

describe('GET /api/v1/tasks', () => {
  it('filters by status and task_type, pages with limit/offset and counts the total', async () => {
    const type = `list_${Date.now()}`;
    const ids: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      ids.push((await call('POST', '/api/v1/tasks', { execute_at: inAMinute(), task_type: type, payload: { i } })).body.task.id);
    }
    await call('DELETE', `/api/v1/tasks/${ids[4]}`);
    const pending = await call('GET', `/api/v1/tasks?status=pending&task_type=${type}&limit=2&offset=1`);
    expect(pending.status).toBe(200);
    expect(Object.keys(pending.body)).toEqual(['tasks', 'total']);
    expect(pending.body.total).toBe(4);
    expect(pending.body.tasks.map((t: { id: number }) => t.id)).toEqual(ids.slice(1, 3));
    const cancelled = await call('GET', `/api/v1/tasks?status=cancelled&task_type=${type}`);
    expect(cancelled.body).toMatchObject({ total: 1, tasks: [{ id: ids[4], status: 'cancelled' }] });
    const all = await call('GET', '/api/v1/tasks');
    expect(all.body.tasks.length).toBe(Math.min(50, all.body.total));
    const own = await platform.sql.query('select count(*)::int as n from scheduler.tasks where tenant_id = $1', [platform.tenant.tenantId]);
    expect(all.body.total).toBe(own.rows[0].n);
  });

  it.each([
    ['status=unknown', '/query/status'],
    ['limit=0', '/query/limit'],
    ['limit=101', '/query/limit'],
    ['limit=abc', '/query/limit'],
    ['offset=-1', '/query/offset'],
    ['offset=1.5', '/query/offset'],
    ['offset=99999999999999999999', '/query/offset'],
    ['task_type=a%00b', 'task_type'],
    [`task_type=${'x'.repeat(51)}`, '/query/task_type'],
  ])('answers 400 for %s, with one issue', async (query, path) => {
    const { status, body } = await call('GET', `/api/v1/tasks?${query}`);
    expect(status).toBe(400);
    expect(body.error.details.issues).toEqual([{ path, message: expect.any(String) }]);
  });
});

describe('tenants and roles', () => {
  it('answers 401 without a token', async () => {
    const { status, body } = await call('GET', '/api/v1/tasks', undefined, null);
    expect(status).toBe(401);
    expect(body.error.code).toBe('AUTH_FAILED');
    expect((await call('POST', '/api/v1/tasks', { execute_at: inAMinute(), task_type: 't', payload: {} }, null)).status).toBe(401);
  });

  it('keeps tasks inside their tenant', async () => {
    const mine = (await call('POST', '/api/v1/tasks', { execute_at: inAMinute(), task_type: 'private', payload: { secret: 1 } })).body.task;
    const other = await createTestUser(platform.authUrl, 'admin', 'other');
    expect((await call('GET', `/api/v1/tasks/${mine.id}`, undefined, other.authorization)).status).toBe(404);
    expect((await call('DELETE', `/api/v1/tasks/${mine.id}`, undefined, other.authorization)).status).toBe(404);
    expect((await call('GET', '/api/v1/tasks', undefined, other.authorization)).body).toEqual({ tasks: [], total: 0 });
    expect((await call('GET', `/api/v1/tasks/${mine.id}`)).body.task.status).toBe('pending');
  });

  it('lets an analyst create and read tasks (workflow:run)', async () => {
    const analyst = await platform.tenant.addUser('analyst');
    const created = await call('POST', '/api/v1/tasks', { execute_at: inAMinute(), task_type: 'by_analyst', payload: {} }, analyst.authorization);
    expect(created.status).toBe(201);
    expect((await call('GET', `/api/v1/tasks/${created.body.task.id}`, undefined, analyst.authorization)).status).toBe(200);
  });
});
