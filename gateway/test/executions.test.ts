import { randomUUID } from 'node:crypto';
import type { TestUser } from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExecutionsPlatform, type ExecutionsPlatform } from './executions-platform';

/** `000_*.txt` 4.2 through the real auth, catalog, schemas, executions and gateway processes. */
let p: ExecutionsPlatform;
let analyst: TestUser;
let stranger: TestUser;

beforeAll(async () => {
  p = await startExecutionsPlatform('executions_rest');
  analyst = await p.tenant.addUser('analyst');
  stranger = (await (await import('@conveyor/testing')).createTestTenant(p.platform.gatewayUrl, 'stranger')).admin;
});

afterAll(async () => {
  await p?.destroy();
});

const branching = () => ({
  status: 'active' as const,
  nodes: [
    { id: 'start', type: 'trigger.manual' },
    { id: 'double', type: 'transform', config: { expression: '{"n": n * 2}' } },
    { id: 'check', type: 'condition', config: { expression: 'n > 10' } },
    { id: 'big', type: 'log', config: { message: 'big number', data: 'n' } },
    { id: 'small', type: 'noop' },
  ],
  edges: [
    { source: 'start', target: 'double' },
    { source: 'double', target: 'check' },
    { source: 'check', source_port: 'true', target: 'big' },
    { source: 'check', source_port: 'false', target: 'small' },
  ],
});

const isoDate = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('POST /api/executions and GET /api/executions/:id', () => {
  it('starts a schema and answers with the documented Execution JSON plus schema_version', async () => {
    const schemaId = await p.createSchema(branching());
    const started = await p.call(analyst, 'POST', '/api/executions', { schema_id: schemaId, input: { n: 21 } });
    expect(started.status).toBe(201);
    expect(Object.keys(started.body)).toEqual(['id', 'schema_id', 'schema_version', 'status', 'current_step', 'started_at', 'finished_at', 'error']);
    expect(started.body).toMatchObject({ schema_id: schemaId, schema_version: 1, status: 'running', finished_at: null, error: null });
    expect(started.body.started_at).toMatch(isoDate);

    const done = await p.waitForEnd(started.body.id);
    expect(done).toMatchObject({ id: started.body.id, status: 'completed', current_step: 'big', error: null });
    expect(done.finished_at).toMatch(isoDate);
    expect((await p.call(analyst, 'GET', `/api/v1/executions/${started.body.id}`)).body).toEqual(done);
  });

  it('starts at a given step with the input as its input', async () => {
    const schemaId = await p.createSchema(branching());
    const started = await p.call(p.engineer, 'POST', '/api/v1/executions', { schema_id: schemaId, input: { n: 1 }, start_step: 'check' });
    expect(started.status).toBe(201);
    await p.waitForEnd(started.body.id);
    const steps = await p.call(p.engineer, 'GET', `/api/executions/${started.body.id}/steps`);
    expect(steps.body.items.map((s: { node_id: string; status: string }) => [s.node_id, s.status])).toEqual([
      ['check', 'completed'],
      ['big', 'skipped'],
      ['small', 'completed'],
    ]);
  });

  it('refuses bad input with the envelope: body, unknown schema or step, unknown execution, no token, other tenant', async () => {
    const schemaId = await p.createSchema(branching());
    const noSchema = await p.call(p.engineer, 'POST', '/api/executions', { input: {} });
    expect(noSchema.status).toBe(400);
    expect(noSchema.body.error.code).toBe('VALIDATION_ERROR');
    expect(noSchema.body.error.details.issues.map((i: { path: string }) => i.path)).toContain('/body/schema_id');
    const broken = await fetch(`${p.platform.gatewayUrl}/api/executions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: p.engineer.authorization }, body: '{"schema_id":' });
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { error: { code: string } }).error.code).toBe('INVALID_JSON');
    const unknown = await p.call(p.engineer, 'POST', '/api/executions', { schema_id: randomUUID() });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('RESOURCE_NOT_FOUND');
    const badStep = await p.call(p.engineer, 'POST', '/api/executions', { schema_id: schemaId, start_step: 'nowhere' });
    expect(badStep.status).toBe(400);
    expect(badStep.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: { field: 'start_step' } });
    // Values PostgreSQL refuses (NUL, lone surrogates) are the client's error, and nothing is half-written.
    const started = async () => (await p.call(p.engineer, 'GET', `/api/executions?schema_id=${schemaId}`)).body.total;
    const before = await started();
    for (const input of [{ note: 'a\u0000b' }, { note: '\ud800' }]) {
      const refused = await p.call(p.engineer, 'POST', '/api/executions', { schema_id: schemaId, input });
      expect(refused.status).toBe(400);
      expect(refused.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: { sqlstate: expect.stringMatching(/^22/) } });
    }
    expect((await p.call(p.engineer, 'GET', '/api/executions?schema_id=a%00b')).status).toBe(400);
    expect(await started()).toBe(before);
    expect((await p.call(p.engineer, 'GET', `/api/executions/${randomUUID()}`)).status).toBe(404);
    expect((await p.call(p.engineer, 'GET', '/api/executions/not-a-uuid')).status).toBe(404);
    expect((await p.call(null, 'POST', '/api/executions', { schema_id: schemaId })).body.error.code).toBe('AUTH_FAILED');
    const mine = await p.call(p.engineer, 'POST', '/api/executions', { schema_id: schemaId, input: { n: 1 } });
    expect((await p.call(stranger, 'GET', `/api/executions/${mine.body.id}`)).status).toBe(404);
    expect((await p.call(stranger, 'POST', '/api/executions', { schema_id: schemaId })).status).toBe(404);
    expect((await p.call(p.engineer, 'GET', '/api/executions?status=sleeping')).status).toBe(400);
    expect((await p.call(p.engineer, 'GET', '/api/executions?limit=0')).status).toBe(400);
  });

  it('lists executions newest first, filtered by schema and status, with limit/offset', async () => {
    const schemaId = await p.createSchema(branching());
    const ids: string[] = [];
    for (const n of [1, 2, 3]) ids.push((await p.call(p.engineer, 'POST', '/api/executions', { schema_id: schemaId, input: { n } })).body.id);
    for (const id of ids) await p.waitForEnd(id);
    const all = await p.call(analyst, 'GET', `/api/executions?schema_id=${schemaId}`);
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ total: 3, limit: 50, offset: 0 });
    expect(new Set(all.body.items.map((e: { id: string }) => e.id))).toEqual(new Set(ids));
    const page = await p.call(analyst, 'GET', `/api/executions?schema_id=${schemaId}&status=completed&limit=2&offset=2`);
    expect(page.body).toMatchObject({ total: 3, limit: 2, offset: 2 });
    expect(page.body.items).toHaveLength(1);
    expect((await p.call(analyst, 'GET', `/api/executions?schema_id=${schemaId}&status=failed`)).body.total).toBe(0);
    expect((await p.call(stranger, 'GET', `/api/executions?schema_id=${schemaId}`)).body.total).toBe(0);
  });
});

describe('history: steps and logs', () => {
  it('pages the steps and filters them; pages the logs and filters by level and step', async () => {
    const schemaId = await p.createSchema(branching());
    const { body } = await p.call(p.engineer, 'POST', '/api/executions', { schema_id: schemaId, input: { n: 7 } });
    await p.waitForEnd(body.id);
    const steps = await p.call(analyst, 'GET', `/api/executions/${body.id}/steps`);
    expect(steps.status).toBe(200);
    expect(steps.body.total).toBe(5);
    expect(steps.body.items[1]).toMatchObject({ node_id: 'double', node_type: 'transform', attempt: 1, status: 'completed', input: { n: 7 }, output: { n: 14 }, error: null });
    expect(Object.keys(steps.body.items[0]).sort()).toEqual(
      ['attempt', 'created_at', 'error', 'execution_id', 'finished_at', 'id', 'input', 'node_id', 'node_type', 'output', 'ports', 'started_at', 'status', 'wait'].sort(),
    );
    const second = await p.call(analyst, 'GET', `/api/executions/${body.id}/steps?limit=2&offset=1`);
    expect(second.body.items.map((s: { node_id: string }) => s.node_id)).toEqual(['double', 'check']);
    const skipped = await p.call(analyst, 'GET', `/api/executions/${body.id}/steps?status=skipped`);
    expect(skipped.body.items.map((s: { node_id: string }) => s.node_id)).toEqual(['small']);

    const logs = await p.call(analyst, 'GET', `/api/executions/${body.id}/logs`);
    expect(logs.status).toBe(200);
    expect(logs.body.items.find((l: { message: string }) => l.message === 'big number')).toMatchObject({ level: 'info', node_id: 'big', data: { value: 14 } });
    const bigOnly = await p.call(analyst, 'GET', `/api/executions/${body.id}/logs?step=big&level=info&limit=1`);
    expect(bigOnly.body.limit).toBe(1);
    expect(bigOnly.body.total).toBeGreaterThanOrEqual(3);
    expect(bigOnly.body.items[0]).toMatchObject({ node_id: 'big', level: 'info' });
    expect((await p.call(analyst, 'GET', `/api/executions/${body.id}/logs?level=loud`)).status).toBe(400);
    expect((await p.call(stranger, 'GET', `/api/executions/${body.id}/steps`)).status).toBe(404);
  });
});

describe('controls', () => {
  it('approval: the execution pauses; resume with a payload continues; a completed one answers 409', async () => {
    const schemaId = await p.createSchema({
      status: 'active',
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'approve', type: 'approval', config: { prompt: 'Ship it?' } },
        { id: 'shipped', type: 'transform', config: { expression: '{"shipped": approved}' } },
      ],
      edges: [
        { source: 'start', target: 'approve' },
        { source: 'approve', target: 'shipped' },
      ],
    });
    const { body } = await p.call(p.engineer, 'POST', '/api/executions', { schema_id: schemaId, input: {} });
    const paused = await p.waitForEnd(body.id, p.engineer, ['paused']);
    expect(paused.current_step).toBe('approve');
    const resumed = await p.call(p.engineer, 'POST', `/api/executions/${body.id}/resume`, { payload: { approved: true } });
    expect(resumed.status).toBe(200);
    expect(Object.keys(resumed.body)).toEqual(['id', 'schema_id', 'schema_version', 'status', 'current_step', 'started_at', 'finished_at', 'error']);
    expect((await p.waitForEnd(body.id)).status).toBe('completed');
    const steps = await p.call(p.engineer, 'GET', `/api/executions/${body.id}/steps?node_id=shipped`);
    expect(steps.body.items[0].output).toEqual({ shipped: true });

    const again = await p.call(p.engineer, 'POST', `/api/executions/${body.id}/resume`);
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'CONFLICT', details: { status: 'completed' } });
    expect((await p.call(p.engineer, 'POST', `/api/executions/${body.id}/stop`)).status).toBe(409);
    expect((await p.call(p.engineer, 'POST', `/api/executions/${body.id}/pause`)).status).toBe(409);
  });

  it('pause, resume and stop through REST', async () => {
    const schemaId = await p.createSchema({
      status: 'active',
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'gate', type: 'approval' },
        { id: 'next', type: 'noop' },
      ],
      edges: [
        { source: 'start', target: 'gate' },
        { source: 'gate', target: 'next' },
      ],
    });
    const { body } = await p.call(p.engineer, 'POST', '/api/executions', { schema_id: schemaId, input: {} });
    await p.waitForEnd(body.id, p.engineer, ['paused']);
    const pausedAgain = await p.call(p.engineer, 'POST', `/api/executions/${body.id}/pause`);
    expect(pausedAgain.status).toBe(200);
    expect(pausedAgain.body.status).toBe('paused');
    const stopped = await p.call(p.engineer, 'POST', `/api/executions/${body.id}/stop`);
    expect(stopped.status).toBe(200);
    expect(stopped.body).toMatchObject({ status: 'stopped', error: null });
    expect(stopped.body.finished_at).toMatch(isoDate);
    const steps = await p.call(p.engineer, 'GET', `/api/executions/${body.id}/steps?node_id=gate`);
    expect(steps.body.items[0].status).toBe('cancelled');
    expect((await p.call(p.engineer, 'POST', `/api/executions/${body.id}/resume`)).status).toBe(409);
    expect((await p.call(p.engineer, 'POST', `/api/executions/${randomUUID()}/stop`)).status).toBe(404);
  });
});

describe('GraphQL', () => {
  it('serves an execution with its steps and logs in one query', async () => {
    const schemaId = await p.createSchema(branching());
    const { body } = await p.call(p.engineer, 'POST', '/api/executions', { schema_id: schemaId, input: { n: 3 } });
    await p.waitForEnd(body.id);
    const answer = await p.call(analyst, 'POST', '/graphql', {
      query: `query($id: ID!) { execution(id: $id) { status trigger input output steps(status: "completed") { total items { nodeId } } logs(level: "error") { total } } }`,
      variables: { id: body.id },
    });
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data.execution).toEqual({
      status: 'completed',
      trigger: 'manual',
      input: { n: 3 },
      output: { n: 6 },
      steps: { total: 4, items: [{ nodeId: 'start' }, { nodeId: 'double' }, { nodeId: 'check' }, { nodeId: 'small' }] },
      logs: { total: 0 },
    });
  });
});
