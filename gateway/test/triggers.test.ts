import { createTestTenant } from '@conveyor/testing';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startSchedulerPlatform, type SchedulerPlatform } from '../../services/scheduler/test/scheduler-platform';
import { collect } from './live-harness';

/**
 * Cron triggers of `002_*.txt` through the real gateway, scheduler and schemas processes (the
 * pipelines are schemas). The built-in schema.execute handler is off: runs stay pending.
 */
let platform: SchedulerPlatform;
/**
 * The documented example. Its pipeline id is replaced by one that exists before the tests run; the
 * rows of the validation table below are built earlier, with the documented id, and are refused
 * before any pipeline is looked up.
 */
const documented = { name: 'Daily Sales Trigger', pipeline_id: 'pipeline_123', trigger_type: 'cron', config: { cron_expression: '0 2 * * *' }, enabled: true };
let pipeline: string;
let lifecyclePipeline: string;

beforeAll(async () => {
  platform = await startSchedulerPlatform('triggers_rest', { gateway: true, pipelines: true, env: { SCHEDULER_SCHEMA_EXECUTE_HANDLER: 'false' } });
  pipeline = await platform.createPipeline('daily sales');
  lifecyclePipeline = await platform.createPipeline('lifecycle');
  documented.pipeline_id = pipeline;
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

describe('POST /api/v1/mvp/triggers/create', () => {
  it('answers 201 with the documented fields first', async () => {
    const { status, body } = await call('POST', '/api/v1/mvp/triggers/create', documented);
    expect(status).toBe(201);
    expect(Object.keys(body).slice(0, 7)).toEqual(['trigger_id', 'name', 'pipeline_id', 'trigger_type', 'status', 'next_run', 'created_at']);
    expect(body).toMatchObject({
      name: 'Daily Sales Trigger',
      pipeline_id: pipeline,
      trigger_type: 'cron',
      status: 'active',
      config: { cron_expression: '0 2 * * *', timezone: 'UTC' },
      concurrency_policy: 'skip',
      skipped_runs: 0,
    });
    expect(body.next_run).toMatch(/^\d{4}-\d{2}-\d{2}T02:00:00Z$/);
  });

  it('creates a disabled trigger without next_run', async () => {
    const { body } = await call('POST', '/api/v1/mvp/triggers/create', { ...documented, enabled: false });
    expect(body).toMatchObject({ status: 'disabled', enabled: false, next_run: null });
  });

  it.each([
    [{ ...documented, config: { cron_expression: '0 25 * * *' } }, '/body/config/cron_expression'],
    [{ ...documented, config: { cron_expression: '0 2 * * *', timezone: 'Nowhere/City' } }, '/body/config/timezone'],
    [{ ...documented, trigger_type: 'event' }, '/body/trigger_type'],
    [{ ...documented, config: undefined }, '/body/config'],
    [{ ...documented, name: undefined }, '/body/name'],
  ])('refuses %j with 400', async (payload, path) => {
    const { status, body } = await call('POST', '/api/v1/mvp/triggers/create', payload);
    expect(status).toBe(400);
    expect(body.error.code).toBe('VALIDATION_ERROR');
    const paths = body.error.details.issues.map((i: { path: string }) => i.path);
    // Cron and time zone are checked by the scheduler (croner); their paths name the same field.
    expect(paths.some((p: string) => p === path || `/body/${p.replaceAll('.', '/')}` === path)).toBe(true);
  });

  it('answers 404 in the envelope for a pipeline the tenant does not have, and stores nothing', async () => {
    const triggers = async () => (await platform.sql.query('select count(*)::int as n from scheduler.triggers')).rows[0].n;
    const before = await triggers();
    const { status, body } = await call('POST', '/api/v1/mvp/triggers/create', { ...documented, pipeline_id: 'pipeline_123' });
    expect(status).toBe(404);
    expect(body.error).toMatchObject({ code: 'RESOURCE_NOT_FOUND', message: 'pipeline pipeline_123 not found' });
    expect(await triggers()).toBe(before);
  });

  it('needs workflow:write (an analyst gets 403)', async () => {
    const analyst = await platform.tenant.addUser('analyst');
    const { status, body } = await call('POST', '/api/v1/mvp/triggers/create', documented, analyst.authorization);
    expect(status).toBe(403);
    expect(body.error.code).toBe('PERMISSION_DENIED');
  });
});

describe('POST /api/v1/mvp/triggers/manual/:pipeline_id', () => {
  it('answers 202 with the documented body; the run is a schema.execute task', async () => {
    const { status, body } = await call('POST', `/api/v1/mvp/triggers/manual/${pipeline}`, { parameters: { custom_param: 'value' } });
    expect(status).toBe(202);
    expect(body).toEqual({ run_id: expect.stringMatching(/^\d+$/), pipeline_id: pipeline, status: 'triggered', started_at: expect.any(String) });
    const task = await call('GET', `/api/v1/tasks/${body.run_id}`);
    expect(task.body.task).toMatchObject({ task_type: 'schema.execute', payload: { schema_id: pipeline, input: { custom_param: 'value' } } });
  });

  it('takes no body at all', async () => {
    expect((await call('POST', `/api/v1/mvp/triggers/manual/${pipeline}`)).status).toBe(202);
  });

  it('refuses parameters that are not an object', async () => {
    expect((await call('POST', `/api/v1/mvp/triggers/manual/${pipeline}`, { parameters: [1] })).status).toBe(400);
  });

  it('answers 404 in the envelope for a pipeline the tenant does not have, and starts nothing', async () => {
    const runs = async () => (await platform.sql.query(`select count(*)::int as n from scheduler.tasks where task_type = 'schema.execute'`)).rows[0].n;
    const before = await runs();
    const { status, body } = await call('POST', '/api/v1/mvp/triggers/manual/pipeline_123');
    expect(status).toBe(404);
    expect(body.error).toMatchObject({ code: 'RESOURCE_NOT_FOUND', message: 'pipeline pipeline_123 not found', details: { pipeline_id: 'pipeline_123' } });
    expect(await runs()).toBe(before);
  });
});

describe('list, get, enable, disable, delete', () => {
  it('manages a trigger through its lifecycle', async () => {
    const created = (await call('POST', '/api/v1/mvp/triggers/create', { ...documented, pipeline_id: lifecyclePipeline })).body;
    const id = created.trigger_id;
    expect(await call('GET', `/api/v1/mvp/triggers/${id}`)).toEqual({ status: 200, body: created });
    const list = await call('GET', `/api/v1/mvp/triggers?pipeline_id=${lifecyclePipeline}&limit=10`);
    expect(list.body).toEqual({ items: [created], total: 1, limit: 10, offset: 0 });
    const disabled = await call('POST', `/api/v1/mvp/triggers/${id}/disable`);
    expect(disabled.body).toMatchObject({ status: 'disabled', next_run: null });
    const enabled = await call('POST', `/api/v1/mvp/triggers/${id}/enable`);
    expect(enabled.body).toMatchObject({ status: 'active', next_run: created.next_run });
    expect((await call('DELETE', `/api/v1/mvp/triggers/${id}`)).status).toBe(204);
    expect((await call('GET', `/api/v1/mvp/triggers/${id}`)).status).toBe(404);
    expect((await call('DELETE', `/api/v1/mvp/triggers/${id}`)).status).toBe(404);
  });

  it('answers 400 for a malformed id or paging', async () => {
    expect((await call('GET', '/api/v1/mvp/triggers/trigger_456')).status).toBe(400);
    expect((await call('GET', '/api/v1/mvp/triggers?limit=0')).status).toBe(400);
    expect((await call('GET', '/api/v1/mvp/triggers?offset=-1')).status).toBe(400);
  });
});

describe('PATCH /api/v1/mvp/triggers/:trigger_id', () => {
  const create = async () => (await call('POST', '/api/v1/mvp/triggers/create', { ...documented, pipeline_id: lifecyclePipeline, parameters: { region: 'eu' } })).body;
  const stored = async (id: string) => (await platform.sql.query('select * from scheduler.triggers where id = $1', [id])).rows[0];

  it('changes the given fields and answers 200 with the whole trigger', async () => {
    const created = await create();
    const { status, body } = await call('PATCH', `/api/v1/mvp/triggers/${created.trigger_id}`, {
      name: 'Hourly Sales Trigger',
      config: { cron_expression: '30 * * * *', timezone: 'Europe/Moscow' },
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({
      trigger_id: created.trigger_id,
      name: 'Hourly Sales Trigger',
      pipeline_id: lifecyclePipeline,
      status: 'active',
      config: { cron_expression: '30 * * * *', timezone: 'Europe/Moscow' },
      parameters: { region: 'eu' },
      created_at: created.created_at,
    });
    expect(body.next_run).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:30:00Z$/);
    expect(await call('GET', `/api/v1/mvp/triggers/${created.trigger_id}`)).toEqual({ status: 200, body });
    // null clears the parameters.
    expect((await call('PATCH', `/api/v1/mvp/triggers/${created.trigger_id}`, { parameters: null })).body).toMatchObject({ parameters: null, name: 'Hourly Sales Trigger' });
  });

  it.each([
    [{}, '/body'],
    [{ config: {} }, '/body'],
    [{ enabled: false }, '/body'],
    [{ config: { cron_expression: '0 25 * * *' } }, 'config.cron_expression'],
    [{ config: { timezone: 'Nowhere/City' } }, 'config.timezone'],
    [{ name: '' }, '/body/name'],
    [{ parameters: [1] }, '/body/parameters'],
  ])('refuses %j with 400 and changes nothing', async (payload, path) => {
    const created = await create();
    const before = await stored(created.trigger_id);
    const { status, body } = await call('PATCH', `/api/v1/mvp/triggers/${created.trigger_id}`, payload);
    expect(status).toBe(400);
    expect(body.error.code).toBe('VALIDATION_ERROR');
    expect(body.error.details.issues.map((i: { path: string }) => i.path)).toContain(path);
    expect(await stored(created.trigger_id)).toEqual(before);
  });

  it('names an unknown field alone, and where enabling is', async () => {
    const created = await create();
    const { status, body } = await call('PATCH', `/api/v1/mvp/triggers/${created.trigger_id}`, { enabled: false });
    expect(status).toBe(400);
    expect(body.error.details.issues).toEqual([{ path: '/body', message: expect.stringMatching(/^cannot change enabled: .*POST …\/enable and …\/disable$/) }]);
  });

  it('answers 404 for an unknown trigger or a pipeline the tenant does not have, 403 for an analyst', async () => {
    const created = await create();
    const before = await stored(created.trigger_id);
    expect((await call('PATCH', `/api/v1/mvp/triggers/trigger_${'0'.repeat(32)}`, { name: 'x' })).status).toBe(404);
    const foreign = await call('PATCH', `/api/v1/mvp/triggers/${created.trigger_id}`, { pipeline_id: 'pipeline_123' });
    expect(foreign).toMatchObject({ status: 404, body: { error: { code: 'RESOURCE_NOT_FOUND', details: { pipeline_id: 'pipeline_123' } } } });
    const analyst = await platform.tenant.addUser('analyst');
    expect((await call('PATCH', `/api/v1/mvp/triggers/${created.trigger_id}`, { name: 'x' }, analyst.authorization)).status).toBe(403);
    expect(await stored(created.trigger_id)).toEqual(before);
  });
});

describe('triggerUpdated (live, graphql-ws)', () => {
  const subscription = 'subscription($id: ID!) { triggerUpdated(id: $id) { id name status nextRun skippedRuns cronExpression } }';
  type TriggerMessage = { triggerUpdated: { id: string; name: string; status: string; nextRun: string | null; skippedRuns: number; cronExpression: string } };
  const client = (authorization: string) =>
    createClient({ url: `${platform.gatewayUrl!.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { authorization } });

  it('sends the trigger, then each change in stream order, with the fields its events lack', async () => {
    const created = (await call('POST', '/api/v1/mvp/triggers/create', { ...documented, pipeline_id: lifecyclePipeline })).body;
    let subscribed!: () => void;
    const ready = new Promise<void>((resolve) => (subscribed = resolve));
    const watching = collect<TriggerMessage>(client(platform.tenant.admin.authorization), subscription, { id: created.trigger_id }, (message, all) => {
      if (all.length === 1) subscribed();
      return message.data?.triggerUpdated.status === 'disabled' || message.errors !== undefined;
    });
    await ready;
    expect((await call('PATCH', `/api/v1/mvp/triggers/${created.trigger_id}`, { name: 'renamed', config: { cron_expression: '0 3 * * *' } })).status).toBe(200);
    expect((await call('POST', `/api/v1/mvp/triggers/${created.trigger_id}/disable`)).status).toBe(200);
    const messages = await watching;
    expect(messages.map((m) => m.data?.triggerUpdated)).toEqual([
      { id: created.trigger_id, name: 'Daily Sales Trigger', status: 'active', nextRun: created.next_run, skippedRuns: 0, cronExpression: '0 2 * * *' },
      { id: created.trigger_id, name: 'renamed', status: 'active', nextRun: expect.stringMatching(/T03:00:00Z$/), skippedRuns: 0, cronExpression: '0 3 * * *' },
      { id: created.trigger_id, name: 'renamed', status: 'disabled', nextRun: null, skippedRuns: 0, cronExpression: '0 3 * * *' },
    ]);
    const sequences = messages.slice(1).map((m) => Number(m.extensions!.sequence));
    expect([...sequences].sort((a, b) => a - b)).toEqual(sequences);
  });

  it('refuses a trigger of another tenant', async () => {
    const created = (await call('POST', '/api/v1/mvp/triggers/create', { ...documented, pipeline_id: lifecyclePipeline })).body;
    const stranger = await createTestTenant(platform.authUrl, 'stranger');
    const messages = await collect(client(stranger.admin.authorization), subscription, { id: created.trigger_id }, () => true);
    expect(messages[0]!.errors![0]!.extensions?.code).toBe('RESOURCE_NOT_FOUND');
  });
});
