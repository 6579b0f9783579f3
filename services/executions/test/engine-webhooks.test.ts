import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signWebhookBody } from '../src/domain/webhook-signature';
import { startEngineHarness, type EngineHarness } from './engine-harness';

let h: EngineHarness;

beforeAll(async () => {
  h = await startEngineHarness('engine_webhooks');
});

afterAll(async () => {
  await h?.close();
});

const webhookSchema = (extra: { status?: 'draft' | 'active'; webhookSecret?: string | null } = {}) =>
  h.addSchema({
    nodes: [
      { id: 'hook', type: 'trigger.webhook' },
      { id: 'shape', type: 'transform', config: { expression: '{"id": order.id, "paid": true}' } },
      { id: 'say', type: 'log', config: { message: 'order received' } },
    ],
    edges: [
      { source: 'hook', target: 'shape' },
      { source: 'shape', target: 'say' },
    ],
    ...extra,
  });

const json = { 'content-type': 'application/json' };

describe('webhook intake', () => {
  it('starts an execution with the body as the trigger\'s output and answers synchronously with wait', async () => {
    const schemaId = webhookSchema();
    const body = JSON.stringify({ order: { id: 7 } });
    const answer = await h.service.webhook({ schemaId, rawBody: body, headers: { ...json, 'x-source': 'shop', 'user-agent': 'test' }, waitMs: 10_000 });
    expect(answer.finished).toBe(true);
    expect(answer.execution).toMatchObject({ status: 'completed', trigger: 'webhook', output: { id: 7, paid: true }, input: { order: { id: 7 } } });
    expect(answer.execution.triggerInfo).toEqual({ headers: { 'content-type': 'application/json', 'x-source': 'shop', 'user-agent': 'test' } });
  });

  it('answers at once without wait, and the execution completes on its own', async () => {
    const schemaId = webhookSchema();
    const answer = await h.service.webhook({ schemaId, rawBody: '{"order":{"id":1}}', headers: json });
    expect(answer.finished).toBe(false);
    expect(answer.execution.status).toBe('running');
    expect((await h.waitForStatus(answer.execution.id)).status).toBe('completed');
  });

  it('requires a valid HMAC-SHA256 signature when the schema has a secret', async () => {
    const schemaId = webhookSchema({ webhookSecret: 'whsec_test' });
    const body = '{"order":{"id":2}}';
    await expect(h.service.webhook({ schemaId, rawBody: body, headers: json })).rejects.toMatchObject({ code: 'AUTH_FAILED', status: 401 });
    await expect(
      h.service.webhook({ schemaId, rawBody: body, headers: { ...json, 'x-webhook-signature': signWebhookBody('wrong', body) } }),
    ).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    const ok = await h.service.webhook({ schemaId, rawBody: body, headers: { ...json, 'x-webhook-signature': signWebhookBody('whsec_test', body) }, waitMs: 10_000 });
    expect(ok.execution.status).toBe('completed');
    expect(ok.execution.triggerInfo).toEqual({ headers: { 'content-type': 'application/json' } });
  });

  it('an Idempotency-Key returns the execution a previous call started', async () => {
    const schemaId = webhookSchema();
    const call = () => h.service.webhook({ schemaId, rawBody: '{"order":{"id":3}}', headers: { ...json, 'idempotency-key': 'evt_123' } });
    const [first, second] = await Promise.all([call(), call()]);
    const third = await call();
    expect(second.execution.id).toBe(first.execution.id);
    expect(third.execution.id).toBe(first.execution.id);
    expect((await h.service.list(h.tenantId, { schemaId, limit: 10, offset: 0 })).total).toBe(1);
  });

  it('starts at a given step with the body as its input', async () => {
    const schemaId = webhookSchema();
    const answer = await h.service.webhook({ schemaId, stepId: 'say', rawBody: '{"direct":true}', headers: json, waitMs: 10_000 });
    expect(answer.execution.status).toBe('completed');
    expect((await h.stepsOf(answer.execution.id)).map((s) => [s.nodeId, s.input])).toEqual([['say', { direct: true }]]);
  });

  it('refuses unknown schemas, draft schemas, unknown steps and malformed JSON', async () => {
    await expect(h.service.webhook({ schemaId: 'f3e1c7a0-0000-4000-8000-000000000000', rawBody: '{}', headers: json })).rejects.toMatchObject({ code: 'RESOURCE_NOT_FOUND' });
    const draft = webhookSchema({ status: 'draft' });
    await expect(h.service.webhook({ schemaId: draft, rawBody: '{}', headers: json })).rejects.toMatchObject({ code: 'CONFLICT', status: 409 });
    const schemaId = webhookSchema();
    await expect(h.service.webhook({ schemaId, stepId: 'nope', rawBody: '{}', headers: json })).rejects.toMatchObject({ code: 'RESOURCE_NOT_FOUND' });
    await expect(h.service.webhook({ schemaId, rawBody: '{"broken', headers: json })).rejects.toMatchObject({ code: 'INVALID_JSON', status: 400 });
    expect((await h.service.list(h.tenantId, { schemaId, limit: 10, offset: 0 })).total).toBe(0);
  });

  it('a run-time failure answers the synchronous call with the failed execution', async () => {
    const schemaId = h.addSchema({
      nodes: [
        { id: 'hook', type: 'trigger.webhook' },
        { id: 'boom', type: 'fail', config: { message: 'order rejected' } },
      ],
      edges: [{ source: 'hook', target: 'boom' }],
    });
    const answer = await h.service.webhook({ schemaId, rawBody: '{}', headers: json, waitMs: 10_000 });
    expect(answer.finished).toBe(true);
    expect(answer.execution).toMatchObject({ status: 'failed', error: 'node boom failed: order rejected' });
  });
});
