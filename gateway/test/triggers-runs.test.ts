import { createTestTenant, type TestTenant, type TestUser } from '@conveyor/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDefinitionsPlatform, type DefinitionsPlatform } from '../../services/schemas/test/definitions-platform';

/**
 * Runs of pipelines (schemas) started by the scheduler's built-in `schema.execute` handler, through
 * the real auth, catalog, schemas, executions, scheduler and gateway processes: a run lasts as
 * long as its execution, and a cron occurrence is skipped while the previous run still runs.
 */
let platform: DefinitionsPlatform;
let sql: pg.Client;
let tenant: TestTenant;
let engineer: TestUser;

beforeAll(async () => {
  platform = await startDefinitionsPlatform('trigger_runs', ['auth', 'catalog', 'schemas', 'executions', 'scheduler'], {
    OUTBOX_POLL_MS: '50',
    SCHEDULER_POLL_MS: '200',
  });
  sql = new pg.Client({ connectionString: platform.databaseUrl });
  await sql.connect();
  tenant = await createTestTenant(platform.gatewayUrl, 'runs');
  engineer = await tenant.addUser('engineer');
});

afterAll(async () => {
  await sql?.end();
  await platform?.destroy();
});

const call = async (method: string, path: string, body?: unknown, user: TestUser = engineer) => {
  const response = await fetch(`${platform.gatewayUrl}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), authorization: user.authorization },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
};

const until = async <T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> => {
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

/** An active schema whose execution waits `delayMs` (a scheduler timer) and then echoes its input. */
async function createSchema(delayMs: number): Promise<string> {
  const answer = await call('POST', '/api/schemas', {
    name: `scheduled ${Math.random().toString(36).slice(2, 8)}`,
    status: 'active',
    nodes: [
      { id: 'start', type: 'trigger.manual' },
      { id: 'wait', type: 'delay', config: { durationMs: delayMs } },
      { id: 'echo', type: 'transform', config: { expression: '{"region": region}' } },
    ],
    edges: [
      { source: 'start', target: 'wait' },
      { source: 'wait', target: 'echo' },
    ],
  });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  const id = answer.body.id as string;
  await until(async () => (await sql.query('select 1 from executions.schema_tenants where schema_id = $1', [id])).rowCount, (n) => n === 1);
  return id;
}

const taskOf = async (id: string | number) => (await call('GET', `/api/v1/tasks/${id}`)).body.task;

describe('schema.execute', () => {
  it('a manual run starts an execution and completes when the execution does', async () => {
    const schemaId = await createSchema(1_500);
    const run = await call('POST', `/api/v1/mvp/triggers/manual/${schemaId}`, { parameters: { region: 'eu' } });
    expect(run.status).toBe(202);
    // Not `=== 'processing'`: on a loaded machine a poll may come only after the run completed.
    const running = await until(() => taskOf(run.body.run_id), (t) => t.status !== 'pending');
    const started = await until(
      async () => (await sql.query('select id, status from executions.executions where schema_id = $1', [schemaId])).rows,
      (rows) => rows.length === 1,
    );
    expect(running.attempts).toBe(1);
    const done = await until(() => taskOf(run.body.run_id), (t) => t.status !== 'processing');
    expect(done).toMatchObject({ status: 'completed', attempts: 1 });
    const execution = (await call('GET', `/api/executions/${started[0].id}`)).body;
    expect(execution).toMatchObject({ schema_id: schemaId, status: 'completed' });
  });

  it('a cron occurrence is skipped while the previous run still runs', async () => {
    const schemaId = await createSchema(3_000);
    const trigger = (await call('POST', '/api/v1/mvp/triggers/create', { name: 'every minute', pipeline_id: schemaId, trigger_type: 'cron', config: { cron_expression: '* * * * *' }, parameters: { region: 'us' } })).body;
    await sql.query(`update scheduler.triggers set next_run = now() - interval '1 second' where id = $1`, [trigger.trigger_id]);
    const fired = await until(async () => (await call('GET', `/api/v1/mvp/triggers/${trigger.trigger_id}`)).body, (t) => t.last_run_id !== null);
    await until(() => taskOf(fired.last_run_id), (t) => t.status === 'processing');
    await sql.query(`update scheduler.triggers set next_run = now() - interval '1 second' where id = $1`, [trigger.trigger_id]);
    const skipped = await until(async () => (await call('GET', `/api/v1/mvp/triggers/${trigger.trigger_id}`)).body, (t) => t.skipped_runs === 1);
    expect(skipped.last_run_id).toBe(fired.last_run_id);
    expect((await sql.query('select count(*)::int as n from scheduler.tasks where trigger_id = $1', [trigger.trigger_id])).rows[0].n).toBe(1);
    expect(await until(() => taskOf(fired.last_run_id), (t) => t.status !== 'processing')).toMatchObject({ status: 'completed' });

    // The trigger's run history: its one run (the skipped occurrence started none), with the
    // execution it started. The tenant's other tasks (the manual run above) are not its runs.
    const execution = (await sql.query('select id from executions.executions where schema_id = $1', [schemaId])).rows[0].id;
    const runs = await call('GET', `/api/v1/mvp/triggers/${trigger.trigger_id}/runs`);
    expect(runs).toMatchObject({ status: 200, body: { total: 1, limit: 50, offset: 0 } });
    expect(runs.body.items).toEqual([
      {
        run_id: fired.last_run_id,
        status: 'completed',
        scheduled_for: expect.any(String),
        pipeline_id: schemaId,
        parameters: { region: 'us' },
        execution_id: execution,
        attempts: 1,
        max_attempts: 3,
        last_error: null,
        created_at: expect.any(String),
        updated_at: expect.any(String),
        completed_at: expect.any(String),
      },
    ]);
    expect((await call('GET', `/api/v1/mvp/triggers/${trigger.trigger_id}/runs?status=failed`)).body).toEqual({ items: [], total: 0, limit: 50, offset: 0 });
    expect((await call('GET', `/api/v1/mvp/triggers/${trigger.trigger_id}/runs?status=done`)).status).toBe(400);
    expect((await call('GET', `/api/v1/mvp/triggers/trigger_${'0'.repeat(32)}/runs`)).status).toBe(404);
  });

  it('a pipeline that does not exist is refused before any run is stored', async () => {
    const run = await call('POST', '/api/v1/mvp/triggers/manual/00000000-0000-4000-8000-000000000000');
    expect(run.status).toBe(404);
    expect(run.body.error.code).toBe('RESOURCE_NOT_FOUND');
  });

  it('deleting a pipeline disables its triggers; a run already scheduled fails at once with the engine error, without retries', async () => {
    const schemaId = await createSchema(100);
    const trigger = (await call('POST', '/api/v1/mvp/triggers/create', { name: 'orphan', pipeline_id: schemaId, trigger_type: 'cron', config: { cron_expression: '* * * * *' } })).body;
    const run = await call('POST', '/api/v1/tasks', { execute_at: new Date(Date.now() + 5_000).toISOString(), task_type: 'schema.execute', payload: { schema_id: schemaId } });
    expect(run.status).toBe(201);
    expect((await call('DELETE', `/api/schemas/${schemaId}`)).status).toBe(204);
    const disabled = await until(async () => (await call('GET', `/api/v1/mvp/triggers/${trigger.trigger_id}`)).body, (t) => t.status === 'disabled');
    expect(disabled).toMatchObject({ enabled: false, next_run: null, last_run_id: null });
    const failed = await until(() => taskOf(run.body.task.id), (t) => t.status === 'failed' || t.status === 'completed');
    expect(failed).toMatchObject({ status: 'failed', attempts: 1 });
    expect(failed.last_error).toMatch(/^RESOURCE_NOT_FOUND/);
  });
});
