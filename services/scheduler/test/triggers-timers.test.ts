import { streamName, timerFiredMessage } from '@conveyor/contracts';
import { createTestTenant } from '@conveyor/testing';
import { AckPolicy, DeliverPolicy } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextCronRun } from '../src/domain/cron-schedule';
import { startSchedulerPlatform, type SchedulerPlatform } from './scheduler-platform';

/**
 * Cron triggers and engine timers through a real scheduler process. The built-in schema.execute
 * handler is off here, so a started run stays live: that is how "skip, not stack" is observed.
 */
let platform: SchedulerPlatform;
/** Pipelines (schemas) of the platform's tenant, created through the real schemas service. */
const pipelines = { daily: '', hourly: '', listed: '', manual: '', edited: '', moved: '', history: '' };

beforeAll(async () => {
  platform = await startSchedulerPlatform('triggers', { env: { SCHEDULER_SCHEMA_EXECUTE_HANDLER: 'false' }, pipelines: true });
  for (const key of Object.keys(pipelines) as Array<keyof typeof pipelines>) pipelines[key] = await platform.createPipeline(key);
});

afterAll(async () => {
  await platform?.destroy();
});

const triggerFields = 'id name pipelineId status enabled cronExpression timezone nextRun lastRunAt lastRunId skippedRuns concurrencyPolicy parameters';

interface TriggerNode {
  id: string;
  status: string;
  enabled: boolean;
  nextRun: string | null;
  lastRunId: string | null;
  skippedRuns: number;
  [key: string]: unknown;
}

const createTrigger = async (input: Record<string, unknown>, authorization?: string) =>
  platform.graphql<{ createTrigger: TriggerNode }>(
    `mutation($input: CreateTriggerInput!) { createTrigger(input: $input) { ${triggerFields} } }`,
    { input },
    authorization,
  );

const getTrigger = async (id: string) => (await platform.graphql<{ trigger: TriggerNode }>(`{ trigger(id: "${id}") { ${triggerFields} } }`)).data!.trigger;

const until = async <T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> => {
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

const runsOf = async (triggerId: string) =>
  (await platform.sql.query(`select id, task_type, payload, execute_at, status from scheduler.tasks where trigger_id = $1 order by id`, [triggerId])).rows;

describe('cron triggers', () => {
  it('creates a trigger with next_run computed in its time zone', async () => {
    const before = new Date();
    const { data } = await createTrigger({ name: 'Daily Sales Trigger', pipelineId: pipelines.daily, cronExpression: '0 2 * * *', timezone: 'Europe/Moscow', parameters: { region: 'eu' } });
    const trigger = data!.createTrigger;
    expect(trigger).toMatchObject({ name: 'Daily Sales Trigger', pipelineId: pipelines.daily, status: 'active', enabled: true, timezone: 'Europe/Moscow', concurrencyPolicy: 'skip', skippedRuns: 0, lastRunId: null, parameters: { region: 'eu' } });
    expect(trigger.id).toMatch(/^trigger_[0-9a-f]{32}$/);
    expect(trigger.nextRun).toBe(nextCronRun('0 2 * * *', 'Europe/Moscow', before)!.toISOString().replace('.000Z', 'Z'));
  });

  it.each([
    [{ cronExpression: '61 * * * *' }, 'config.cron_expression'],
    [{ cronExpression: '* * * * * *' }, 'config.cron_expression'],
    [{ cronExpression: '@daily' }, 'config.cron_expression'],
    [{ timezone: 'Mars/Olympus' }, 'config.timezone'],
    [{ triggerType: 'webhook' }, 'trigger_type'],
    [{ name: '' }, 'name'],
    [{ pipelineId: null }, 'pipeline_id'],
    [{ name: 'a\u0000b' }, 'name'],
    [{ pipelineId: 'a\u0000b' }, 'pipeline_id'],
    [{ parameters: { region: '\ud800' } }, 'parameters/region'],
    [{ parameters: JSON.parse(`{"a":${'['.repeat(100)}${']'.repeat(100)}}`) }, 'parameters'],
  ])('refuses %j and stores nothing', async (change, path) => {
    const before = (await platform.sql.query('select count(*)::int as n from scheduler.triggers')).rows[0].n;
    const result = await createTrigger({ name: 'x', pipelineId: pipelines.daily, cronExpression: '*/5 * * * *', ...change });
    expect(result.errors?.[0]?.extensions.code).toBe('VALIDATION_ERROR');
    expect((result.errors?.[0]?.extensions.details as { issues: Array<{ path: string }> }).issues.map((i) => i.path)).toContain(path);
    expect((await platform.sql.query('select count(*)::int as n from scheduler.triggers')).rows[0].n).toBe(before);
  });

  it('fires an occurrence missed during downtime once, then skips the next one while that run is live', async () => {
    const trigger = (await createTrigger({ name: 'hourly', pipelineId: pipelines.hourly, cronExpression: '0 * * * *', parameters: { a: 1 } })).data!.createTrigger;
    // Three hours of downtime: three occurrences were missed; they collapse into one run.
    const missed = new Date(Date.now() - 3 * 3600_000);
    await platform.sql.query('update scheduler.triggers set next_run = $2 where id = $1', [trigger.id, missed]);
    const fired = await until(() => getTrigger(trigger.id), (t) => t.lastRunId !== null);
    const runs = await runsOf(trigger.id);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ task_type: 'schema.execute', payload: { schema_id: pipelines.hourly, input: { a: 1 }, trigger_id: trigger.id } });
    expect((runs[0].execute_at as Date).getTime()).toBe(missed.getTime());
    expect(fired.lastRunId).toBe(String(runs[0].id));
    expect(Date.parse(fired.nextRun!)).toBeGreaterThan(Date.now());
    expect(fired.skippedRuns).toBe(0);

    // The run is still live (no handler here): the next occurrence is skipped, not queued.
    await platform.sql.query('update scheduler.triggers set next_run = now() - interval \'1 second\' where id = $1', [trigger.id]);
    const skipped = await until(() => getTrigger(trigger.id), (t) => t.skippedRuns === 1);
    expect(await runsOf(trigger.id)).toHaveLength(1);
    expect(Date.parse(skipped.nextRun!)).toBeGreaterThan(Date.now());

    // Both occurrences were announced on the events stream.
    const jsm = await platform.nc.jetstreamManager();
    const stream = streamName(platform.prefix, 'EVENTS');
    await jsm.consumers.add(stream, { durable_name: 'fired', filter_subject: `${platform.prefix}.scheduler.trigger.fired`, ack_policy: AckPolicy.None, deliver_policy: DeliverPolicy.All });
    const consumer = await platform.nc.jetstream().consumers.get(stream, 'fired');
    const outcomes: string[] = [];
    while (outcomes.length < 2) {
      const msg = await consumer.next({ expires: 5_000 });
      if (!msg) continue;
      const event = msg.json<{ tenant_id: string; data: { trigger_id: string; outcome: string } }>();
      if (event.data.trigger_id === trigger.id) outcomes.push(event.data.outcome);
      expect(event.tenant_id).toBe(platform.tenant.tenantId);
    }
    expect(outcomes).toEqual(['started', 'skipped']);
  });

  it('disables, enables, lists and deletes', async () => {
    const trigger = (await createTrigger({ name: 'listed', pipelineId: pipelines.listed, cronExpression: '*/10 * * * *' })).data!.createTrigger;
    const disabled = (await platform.graphql<{ disableTrigger: TriggerNode }>(`mutation { disableTrigger(id: "${trigger.id}") { ${triggerFields} } }`)).data!.disableTrigger;
    expect(disabled).toMatchObject({ status: 'disabled', enabled: false, nextRun: null });
    const enabled = (await platform.graphql<{ enableTrigger: TriggerNode }>(`mutation { enableTrigger(id: "${trigger.id}") { ${triggerFields} } }`)).data!.enableTrigger;
    expect(enabled).toMatchObject({ status: 'active', enabled: true });
    expect(Date.parse(enabled.nextRun!)).toBeGreaterThan(Date.now());
    const list = await platform.graphql<{ triggers: { total: number; items: Array<{ id: string }> } }>(`{ triggers(pipelineId: "${pipelines.listed}") { total items { id } } }`);
    expect(list.data!.triggers).toEqual({ total: 1, items: [{ id: trigger.id }] });
    await platform.graphql(`mutation { deleteTrigger(id: "${trigger.id}") { id } }`);
    const gone = await platform.graphql(`{ trigger(id: "${trigger.id}") { id } }`);
    expect(gone.errors?.[0]?.extensions.code).toBe('RESOURCE_NOT_FOUND');
    const malformed = await platform.graphql('{ trigger(id: "nope") { id } }');
    expect(malformed.errors?.[0]?.extensions.code).toBe('VALIDATION_ERROR');
  });

  it('runs a pipeline by hand as a schema.execute task; analysts may run but not manage triggers', async () => {
    const analyst = await platform.tenant.addUser('analyst');
    const run = await platform.graphql<{ runPipeline: { runId: string; pipelineId: string; status: string; startedAt: string } }>(
      `mutation { runPipeline(pipelineId: "${pipelines.manual}", parameters: { custom_param: "value" }) { runId pipelineId status startedAt } }`,
      {},
      analyst.authorization,
    );
    expect(run.data!.runPipeline).toMatchObject({ pipelineId: pipelines.manual, status: 'triggered' });
    const task = (await platform.sql.query('select task_type, payload, tenant_id from scheduler.tasks where id = $1', [Number(run.data!.runPipeline.runId)])).rows[0];
    expect(task).toEqual({ task_type: 'schema.execute', payload: { schema_id: pipelines.manual, input: { custom_param: 'value' } }, tenant_id: platform.tenant.tenantId });
    const denied = await createTrigger({ name: 'x', pipelineId: pipelines.manual, cronExpression: '* * * * *' }, analyst.authorization);
    expect(denied.errors?.[0]?.extensions.code).toBe('PERMISSION_DENIED');
  });
});

describe('run history', () => {
  interface RunPage {
    total: number;
    tasks: Array<{ id: string; status: string; taskType: string; payload: { trigger_id?: string }; executionId: string | null }>;
  }
  const runsPage = async (id: string, args = '') => {
    const result = await platform.graphql<{ trigger: { runs: RunPage } }>(`{ trigger(id: "${id}") { runs${args} { total tasks { id status taskType payload executionId } } } }`);
    return result;
  };
  const fireNow = async (id: string, previous: string | null) => {
    await platform.sql.query(`update scheduler.triggers set next_run = now() - interval '1 second' where id = $1`, [id]);
    return (await until(() => getTrigger(id), (t) => t.lastRunId !== previous)).lastRunId!;
  };

  it('lists the runs a trigger started, newest first, filtered by status', async () => {
    const trigger = (await createTrigger({ name: 'history', pipelineId: pipelines.history, cronExpression: '0 2 * * *' })).data!.createTrigger;
    expect((await runsPage(trigger.id)).data!.trigger.runs).toEqual({ total: 0, tasks: [] });
    const first = await fireNow(trigger.id, null);
    // The first run is cancelled, so the next occurrence is not skipped.
    expect((await platform.graphql(`mutation { cancelTask(id: "${first}") { id } }`)).errors).toBeUndefined();
    const second = await fireNow(trigger.id, first);
    // No handler runs here: the run is handed to JetStream and stays processing.
    await until(async () => (await platform.sql.query('select status from scheduler.tasks where id = $1', [Number(second)])).rows[0].status, (status) => status === 'processing');
    // A manual run of the same pipeline belongs to no trigger.
    await platform.graphql(`mutation { runPipeline(pipelineId: "${pipelines.history}") { runId } }`);

    const all = (await runsPage(trigger.id)).data!.trigger.runs;
    expect(all.total).toBe(2);
    expect(all.tasks.map((t) => [t.id, t.status, t.taskType, t.payload.trigger_id, t.executionId])).toEqual([
      [second, 'processing', 'schema.execute', trigger.id, null],
      [first, 'cancelled', 'schema.execute', trigger.id, null],
    ]);
    expect((await runsPage(trigger.id, '(status: "cancelled")')).data!.trigger.runs).toMatchObject({ total: 1, tasks: [{ id: first }] });
    expect((await runsPage(trigger.id, '(limit: 1, offset: 1)')).data!.trigger.runs).toMatchObject({ total: 2, tasks: [{ id: first }] });
    for (const bad of ['(limit: 0)', '(offset: -1)', '(status: "done")']) {
      expect((await runsPage(trigger.id, bad)).errors?.[0]?.extensions.code).toBe('VALIDATION_ERROR');
    }
  });
});

describe('editing a trigger', () => {
  const updateTrigger = async (id: string, input: Record<string, unknown>, authorization?: string) =>
    platform.graphql<{ updateTrigger: TriggerNode }>(
      `mutation($id: ID!, $input: UpdateTriggerInput!) { updateTrigger(id: $id, input: $input) { ${triggerFields} } }`,
      { id, input },
      authorization,
    );
  const row = async (id: string) => (await platform.sql.query('select * from scheduler.triggers where id = $1', [id])).rows[0];

  it('changes the schedule, computing next_run again in the new time zone, and announces the change', async () => {
    const trigger = (await createTrigger({ name: 'nightly', pipelineId: pipelines.edited, cronExpression: '0 2 * * *', parameters: { a: 1 } })).data!.createTrigger;
    const before = new Date();
    const { data } = await updateTrigger(trigger.id, { name: 'twice an hour', cronExpression: ' 15,45  *  * * * ', timezone: 'Asia/Kolkata', pipelineId: pipelines.moved, parameters: { b: 2 } });
    const updated = data!.updateTrigger;
    expect(updated).toMatchObject({ name: 'twice an hour', pipelineId: pipelines.moved, cronExpression: '15,45 * * * *', timezone: 'Asia/Kolkata', parameters: { b: 2 }, status: 'active' });
    // Kolkata is UTC+05:30: its :15 and :45 are UTC's :45 and :15, and next_run is the first after now.
    expect(updated.nextRun).toBe(nextCronRun('15,45 * * * *', 'Asia/Kolkata', before)!.toISOString().replace('.000Z', 'Z'));
    expect(updated.nextRun).not.toBe(trigger.nextRun);
    expect((await row(trigger.id)).next_run.toISOString().replace('.000Z', 'Z')).toBe(updated.nextRun);

    // The change reached the events stream with the new definition.
    const jsm = await platform.nc.jetstreamManager();
    const stream = streamName(platform.prefix, 'EVENTS');
    await jsm.consumers.add(stream, { durable_name: 'edited', filter_subject: `${platform.prefix}.scheduler.trigger.updated`, ack_policy: AckPolicy.None, deliver_policy: DeliverPolicy.All });
    const consumer = await platform.nc.jetstream().consumers.get(stream, 'edited');
    let announced: Record<string, unknown> | undefined;
    while (!announced) {
      const event = (await consumer.next({ expires: 5_000 }))?.json<{ data: Record<string, unknown> }>();
      if (event?.data.trigger_id === trigger.id) announced = event.data;
    }
    expect(announced).toEqual({
      trigger_id: trigger.id,
      name: 'twice an hour',
      pipeline_id: pipelines.moved,
      status: 'active',
      cron_expression: '15,45 * * * *',
      timezone: 'Asia/Kolkata',
      next_run: updated.nextRun,
    });

    // Parameters are cleared with null; a field left out keeps its value.
    const cleared = (await updateTrigger(trigger.id, { parameters: null })).data!.updateTrigger;
    expect(cleared).toMatchObject({ name: 'twice an hour', cronExpression: '15,45 * * * *', nextRun: updated.nextRun, parameters: null });
  });

  it('keeps a disabled trigger disabled, without next_run', async () => {
    const trigger = (await createTrigger({ name: 'off', pipelineId: pipelines.edited, cronExpression: '0 2 * * *', enabled: false })).data!.createTrigger;
    const updated = (await updateTrigger(trigger.id, { cronExpression: '*/5 * * * *' })).data!.updateTrigger;
    expect(updated).toMatchObject({ status: 'disabled', enabled: false, nextRun: null, cronExpression: '*/5 * * * *' });
    const enabled = (await platform.graphql<{ enableTrigger: TriggerNode }>(`mutation { enableTrigger(id: "${trigger.id}") { ${triggerFields} } }`)).data!.enableTrigger;
    expect(new Date(enabled.nextRun!).getUTCMinutes() % 5).toBe(0);
  });

  it.each([
    [{}, ''],
    [{ cronExpression: '61 * * * *' }, 'config.cron_expression'],
    [{ cronExpression: null }, 'config.cron_expression'],
    [{ timezone: 'Mars/Olympus' }, 'config.timezone'],
    [{ timezone: null }, 'config.timezone'],
    [{ name: '' }, 'name'],
    [{ name: null }, 'name'],
    [{ pipelineId: null }, 'pipeline_id'],
    [{ name: 'a\u0000b' }, 'name'],
    [{ parameters: { region: '\ud800' } }, 'parameters/region'],
  ])('refuses %j and changes nothing', async (change, path) => {
    const trigger = (await createTrigger({ name: 'kept', pipelineId: pipelines.edited, cronExpression: '0 2 * * *' })).data!.createTrigger;
    const before = await row(trigger.id);
    // A valid change rides along with each invalid one: none of the input may be applied.
    const result = await updateTrigger(trigger.id, Object.keys(change).length === 0 ? {} : { name: 'changed', ...change });
    expect(result.errors?.[0]?.extensions.code).toBe('VALIDATION_ERROR');
    expect((result.errors?.[0]?.extensions.details as { issues: Array<{ path: string }> }).issues.map((i) => i.path)).toContain(path);
    expect(await row(trigger.id)).toEqual(before);
  });

  it('refuses a pipeline the tenant does not have, an unknown trigger and an analyst, changing nothing', async () => {
    const trigger = (await createTrigger({ name: 'guarded', pipelineId: pipelines.edited, cronExpression: '0 2 * * *' })).data!.createTrigger;
    const before = await row(trigger.id);
    const foreign = await updateTrigger(trigger.id, { pipelineId: 'pipeline_123', name: 'moved' });
    expect(foreign.errors?.[0]?.extensions).toMatchObject({ code: 'RESOURCE_NOT_FOUND', details: { pipeline_id: 'pipeline_123' } });
    const unknown = await updateTrigger(`trigger_${'0'.repeat(32)}`, { name: 'x' });
    expect(unknown.errors?.[0]?.extensions.code).toBe('RESOURCE_NOT_FOUND');
    const analyst = await platform.tenant.addUser('analyst');
    const denied = await updateTrigger(trigger.id, { name: 'x' }, analyst.authorization);
    expect(denied.errors?.[0]?.extensions.code).toBe('PERMISSION_DENIED');
    expect(await row(trigger.id)).toEqual(before);
  });

  it('keeps next_run when the schedule does not change, and the trigger still fires then', async () => {
    const trigger = (await createTrigger({ name: 'soon', pipelineId: pipelines.edited, cronExpression: '0 2 1 1 *' })).data!.createTrigger;
    // A cron fires at minute boundaries at best: the test moves the stored next_run close, then
    // changes only the name, which must keep that next_run (not compute January's again).
    await platform.sql.query(`update scheduler.triggers set next_run = now() + interval '300 milliseconds' where id = $1`, [trigger.id]);
    const renamed = (await updateTrigger(trigger.id, { name: 'soon, renamed' })).data!.updateTrigger;
    expect(Date.parse(renamed.nextRun!)).toBeLessThan(Date.now() + 1_000);
    const fired = await until(() => getTrigger(trigger.id), (t) => t.lastRunId !== null);
    expect(fired.name).toBe('soon, renamed');
    expect(await runsOf(trigger.id)).toHaveLength(1);
  });
});

describe('pipelines the tenant does not have', () => {
  const counts = async () =>
    (await platform.sql.query(`select (select count(*) from scheduler.triggers)::int as triggers, (select count(*) from scheduler.tasks where task_type = 'schema.execute')::int as runs`)).rows[0];
  const runPipeline = async (pipelineId: string, authorization?: string) =>
    platform.graphql(`mutation { runPipeline(pipelineId: "${pipelineId}") { runId } }`, {}, authorization);

  it('answers RESOURCE_NOT_FOUND for an unknown, a foreign or a deleted pipeline, and stores nothing', async () => {
    const otherTenant = await createTestTenant(platform.authUrl, 'other');
    const other = await platform.createPipeline('theirs', { authorization: otherTenant.admin.authorization });
    const deleted = await platform.createPipeline('deleted');
    await platform.deletePipeline(deleted);
    const before = await counts();
    for (const pipelineId of ['00000000-0000-4000-8000-000000000000', 'pipeline_123', other, deleted]) {
      const created = await createTrigger({ name: 'x', pipelineId, cronExpression: '*/5 * * * *' });
      expect(created.errors?.[0]?.extensions).toMatchObject({ code: 'RESOURCE_NOT_FOUND', details: { pipeline_id: pipelineId } });
      expect(created.errors?.[0]?.message).toBe(`pipeline ${pipelineId} not found`);
      expect((await runPipeline(pipelineId)).errors?.[0]?.extensions.code).toBe('RESOURCE_NOT_FOUND');
    }
    expect(await counts()).toEqual(before);
  });

  it('answers CONFLICT for a manual run of a pipeline that is not active, and stores nothing', async () => {
    const draft = await platform.createPipeline('draft', { status: 'draft' });
    const before = await counts();
    const run = await runPipeline(draft);
    expect(run.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', details: { pipeline_id: draft, status: 'draft' } });
    expect(await counts()).toEqual(before);
    // A trigger may wait for its pipeline to be activated.
    expect((await createTrigger({ name: 'later', pipelineId: draft, cronExpression: '0 3 * * *' })).data!.createTrigger.status).toBe('active');
  });

  it('disables the triggers of a pipeline once it is deleted, and announces each', async () => {
    const doomed = await platform.createPipeline('doomed');
    const first = (await createTrigger({ name: 'a', pipelineId: doomed, cronExpression: '*/5 * * * *' })).data!.createTrigger;
    const second = (await createTrigger({ name: 'b', pipelineId: doomed, cronExpression: '0 * * * *' })).data!.createTrigger;
    const bystander = (await createTrigger({ name: 'c', pipelineId: pipelines.listed, cronExpression: '0 * * * *' })).data!.createTrigger;
    await platform.deletePipeline(doomed);
    for (const trigger of [first, second]) {
      const now = await until(() => getTrigger(trigger.id), (t) => !t.enabled);
      expect(now).toMatchObject({ status: 'disabled', enabled: false, nextRun: null });
    }
    expect(await getTrigger(bystander.id)).toMatchObject({ status: 'active', enabled: true });
    // Enabling one again needs the pipeline back.
    const enable = await platform.graphql(`mutation { enableTrigger(id: "${first.id}") { id } }`);
    expect(enable.errors?.[0]?.extensions).toMatchObject({ code: 'RESOURCE_NOT_FOUND', details: { pipeline_id: doomed } });
    expect(await getTrigger(first.id)).toMatchObject({ status: 'disabled', nextRun: null });
    // Each change was announced as trigger.updated.
    const jsm = await platform.nc.jetstreamManager();
    const stream = streamName(platform.prefix, 'EVENTS');
    await jsm.consumers.add(stream, { durable_name: 'removed', filter_subject: `${platform.prefix}.scheduler.trigger.updated`, ack_policy: AckPolicy.None, deliver_policy: DeliverPolicy.All });
    const consumer = await platform.nc.jetstream().consumers.get(stream, 'removed');
    const announced = new Set<string>();
    while (announced.size < 2) {
      const msg = await consumer.next({ expires: 5_000 });
      const event = msg?.json<{ data: { trigger_id: string; status: string; next_run: string | null } }>();
      if (event && [first.id, second.id].includes(event.data.trigger_id) && event.data.status === 'disabled') announced.add(event.data.trigger_id);
    }
    expect([...announced].sort()).toEqual([first.id, second.id].sort());
  });

  it('answers SERVICE_UNAVAILABLE while the schemas service is down, and stores nothing', async () => {
    await platform.schemas!.stop();
    const before = await counts();
    const created = await createTrigger({ name: 'x', pipelineId: pipelines.daily, cronExpression: '*/5 * * * *' });
    expect(created.errors?.[0]?.extensions.code).toBe('SERVICE_UNAVAILABLE');
    expect((await runPipeline(pipelines.manual)).errors?.[0]?.extensions.code).toBe('SERVICE_UNAVAILABLE');
    expect(await counts()).toEqual(before);
  });
});

describe('engine timers', () => {
  const request = async (verb: string, body: Record<string, unknown>) =>
    (await platform.nc.request(`${platform.prefix}.scheduler.${verb}`, JSON.stringify(body), { timeout: 5_000 })).json<Record<string, unknown>>();

  it('fires a timer on <prefix>.tasks.engine.timer at its time; setting it again moves it', async () => {
    const consumer = await platform.handlerConsumer('engine.timer', 'engine-timers');
    const tenant = platform.tenant.tenantId;
    const first = await request('timer_set', { tenant_id: tenant, execution_id: 'exec-1', step_id: 'step-1', fire_at: new Date(Date.now() + 60_000).toISOString() });
    const fireAt = new Date(Date.now() + 400).toISOString();
    const moved = await request('timer_set', { tenant_id: tenant, execution_id: 'exec-1', step_id: 'step-1', fire_at: fireAt });
    expect(moved).toEqual({ timer_id: first.timer_id, fire_at: fireAt, status: 'pending' });
    let msg = await consumer.next({ expires: 5_000 });
    while (!msg) msg = await consumer.next({ expires: 5_000 });
    const fired = timerFiredMessage.parse(msg.json());
    expect(fired).toMatchObject({ v: 1, timer_id: first.timer_id, tenant_id: tenant, execution_id: 'exec-1', step_id: 'step-1', fire_at: fireAt });
    expect(Date.parse(fired.fired_at)).toBeGreaterThanOrEqual(Date.parse(fireAt));
    msg.ack();
    // The message is published just before the dispatch commits, so the row follows a moment later.
    const row = await until(
      async () => (await platform.sql.query('select status, source from scheduler.tasks where id = $1', [Number(first.timer_id)])).rows[0],
      (r) => r.status === 'completed',
    );
    expect(row).toEqual({ status: 'completed', source: 'timer' });
    // Timers are internal: the task API does not show them.
    const api = await platform.graphql(`{ task(id: "${first.timer_id}") { id } }`);
    expect(api.errors?.[0]?.extensions.code).toBe('RESOURCE_NOT_FOUND');
  });

  it('cancels the pending timers of an execution', async () => {
    const tenant = platform.tenant.tenantId;
    const far = new Date(Date.now() + 60_000).toISOString();
    const a = await request('timer_set', { tenant_id: tenant, execution_id: 'exec-2', step_id: 'a', fire_at: far });
    await request('timer_set', { tenant_id: tenant, execution_id: 'exec-2', step_id: 'b', fire_at: far });
    await request('timer_set', { tenant_id: tenant, execution_id: 'exec-20', step_id: 'a', fire_at: far });
    expect(await request('timer_cancel', { tenant_id: tenant, execution_id: 'exec-2', step_id: 'a' })).toEqual({ cancelled: 1 });
    expect(await request('timer_cancel', { tenant_id: tenant, execution_id: 'exec-2' })).toEqual({ cancelled: 1 });
    expect(await request('timer_cancel', { tenant_id: tenant, execution_id: 'exec-2' })).toEqual({ cancelled: 0 });
    const statuses = (await platform.sql.query(`select timer_key, status from scheduler.tasks where source = 'timer' and timer_key like 'exec-2%' order by timer_key`)).rows;
    expect(statuses).toEqual([
      { timer_key: 'exec-2/a', status: 'cancelled' },
      { timer_key: 'exec-2/b', status: 'cancelled' },
      { timer_key: 'exec-20/a', status: 'pending' },
    ]);
    expect(a.status).toBe('pending');
  });

  it('refuses a malformed request with a validation error', async () => {
    const reply = await platform.nc.request(`${platform.prefix}.scheduler.timer_set`, JSON.stringify({ tenant_id: 't', execution_id: 'e' }), { timeout: 5_000 });
    expect(reply.headers?.get('Conveyor-Error-Code')).toBe('VALIDATION_ERROR');
  });
});
